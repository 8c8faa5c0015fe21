/**
 * Fresh buffers cut from a shared slab (src/util/slab-bytes.ts): each slice is its own bytes (no
 * two overlap, none is reused while held), starts 8-aligned, has the length asked for; large
 * requests get a buffer of their own; ownedCopy gives a buffer that can cross to another thread
 * without its slab.
 */
import { describe, expect, test } from '@jest/globals';
import { ownedCopy, slabBytes } from '../../src/util/slab-bytes.js';

describe('slab bytes', () => {
  test('slices of many sizes: the length asked, 8-aligned, never overlapping one still held', () => {
    const sizes = [1, 7, 8, 100, 4095, 4096, 4100, 8192, 3, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100, 4100];
    const held = sizes.map((n, i) => {
      const b = slabBytes(n);
      expect(b.length).toBe(n);
      expect(b.byteOffset % 8).toBe(0);
      b.fill(i + 1);
      return b;
    });
    // Every byte still what its own owner wrote: nothing was handed out twice.
    held.forEach((b, i) => expect(b.every((x) => x === i + 1)).toBe(true));
    // Slices of one slab share its memory; the many 4,100-byte ones needed more than one slab.
    const slabs = new Set(held.map((b) => b.buffer));
    expect(slabs.size).toBeGreaterThan(1);
    expect(slabs.size).toBeLessThan(held.length);
  });

  test('a request larger than a slice is a buffer of its own', () => {
    const big = slabBytes(100_000);
    expect(big.length).toBe(100_000);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(100_000);
    expect(slabBytes(16).buffer).not.toBe(big.buffer);
  });

  test('ownedCopy: a slice is copied into its own buffer, a whole buffer is given as it is', () => {
    const slice = slabBytes(64);
    slice.fill(0xab);
    const copy = ownedCopy(slice);
    expect(copy.buffer).not.toBe(slice.buffer);
    expect(copy.byteLength).toBe(64);
    expect(copy.buffer.byteLength).toBe(64);
    expect(Buffer.from(copy).equals(slice)).toBe(true);
    // A structured clone of the copy carries its 64 bytes, not the slab.
    expect(structuredClone(copy).buffer.byteLength).toBe(64);
    const whole = new Uint8Array(10);
    expect(ownedCopy(whole)).toBe(whole);
  });
});
