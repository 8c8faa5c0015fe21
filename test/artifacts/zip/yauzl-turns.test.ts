// yauzl's reads answered on the tick queue, with a real event-loop turn every so often:
// a listing of N entries must not cost N event-loop turns (it cost two or three per entry), and a
// long listing must still let the loop run (signals, worker replies).
import { afterEach, describe, expect, test } from '@jest/globals';
import { buildZip } from '../../../fixtures/lib/zip-writer.mjs';
import { listWithYauzl } from '../../../src/artifacts/zip/yauzl-list.js';
import { bufferSource } from '../../../src/util/byte-source.js';

const realSetImmediate = global.setImmediate;

afterEach(() => {
  global.setImmediate = realSetImmediate;
});

/** Counts the turns asked for while `run` goes on. */
async function countTurns<T>(run: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  global.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    turns += 1;
    return realSetImmediate(fn, ...args);
  }) as typeof setImmediate;
  try {
    const result = await run();
    return { result, turns };
  } finally {
    global.setImmediate = realSetImmediate;
  }
}

describe('yauzl listing and the event loop', () => {
  test('a 3,000-entry listing takes a few dozen turns, not one per read, and every entry', async () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ name: `collected/doc-${i}.txt`, data: '' }));
    const zip = buildZip({ entries });
    const { result, turns } = await countTurns(() => listWithYauzl(bufferSource(zip, 'many.zip')));
    expect(result.error).toBeNull();
    expect(result.entries).toHaveLength(3000);
    expect(result.entries[2999]!.nameRaw.toString()).toBe('collected/doc-2999.txt');
    // Two reads per entry: 6,000 reads, one turn per 256 of them plus yauzl's own few.
    expect(turns).toBeGreaterThanOrEqual(20);
    expect(turns).toBeLessThan(60);
  });

  test('a damaged central directory still ends in an error with the entries read before it', async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
    const zip = buildZip({ entries });
    // The fifth central header's signature broken.
    const cd = zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    let at = cd;
    for (let i = 0; i < 4; i++) at = zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 4);
    zip[at] = 0x51;
    const result = await listWithYauzl(bufferSource(zip, 'broken.zip'));
    expect(result.entries).toHaveLength(4);
    expect(result.error).toMatch(/signature/i);
    expect(result.truncated).toBe(true);
  });
});
