/** The scan's one full collection (src/util/collect-garbage.ts) runs without --expose-gc and collects. */
import { describe, expect, test } from '@jest/globals';
import { collectGarbage, collectGarbageIfLarge } from '../../src/util/collect-garbage.js';

describe('collectGarbage', () => {
  test('an object no longer referenced is gone after it', async () => {
    let held: { bytes: Uint8Array } | null = { bytes: new Uint8Array(1024) };
    const ref = new WeakRef(held);
    held = null;
    expect(held).toBeNull();
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef's target lives to the end of the job that made it
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  test('an object still referenced stays', () => {
    const kept = { bytes: new Uint8Array(1024) };
    const ref = new WeakRef(kept);
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBe(kept);
  });

  test('IfLarge: none below the old generation in use it is given, one from it', async () => {
    expect(collectGarbageIfLarge(Number.MAX_SAFE_INTEGER)).toBe(false);
    let held: { bytes: Uint8Array } | null = { bytes: new Uint8Array(1024) };
    const ref = new WeakRef(held);
    held = null;
    expect(held).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(collectGarbageIfLarge(0)).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});
