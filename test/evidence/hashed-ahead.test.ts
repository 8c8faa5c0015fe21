/**
 * The outcomes of files hashed by the read-ahead worker, as they cross from the worker
 * (HashBatcher) to the main thread (HashedAhead): each file's outcome comes back as hashSource gave
 * it, whatever its kind, once, with the O_NOATIME flag it was opened with.
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { HashBatcher, HashedAhead } from '../../src/evidence/hashed-ahead.js';
import { hashSource, type HashOutcome } from '../../src/evidence/hash-source.js';
import { bufferSource } from '../../src/util/byte-source.js';
import type { HashAlgorithm } from '../../src/model/report.js';

const ALGORITHMS: HashAlgorithm[] = ['md5', 'sha256', 'sha1'];

function digests(data: Buffer): Partial<Record<HashAlgorithm, string>> {
  return Object.fromEntries(ALGORITHMS.map((a) => [a, createHash(a).update(data).digest('hex')]));
}

describe('hashed ahead', () => {
  test('plain, skipped, changed and failed outcomes come back as hashSource gave them, each once', () => {
    const files = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(3000, 7), Buffer.from('grew meanwhile'), Buffer.from('unread'), Buffer.from('last one')];
    const here = new HashedAhead(ALGORITHMS);
    const worker = new HashBatcher(ALGORITHMS);
    const expected: HashOutcome[] = [];
    files.forEach((data, i) => {
      // File 3 was 4 bytes at open and grew; file 4 failed to read; file 2 is over the cap.
      const sizeAtOpen = i === 3 ? 4 : data.length;
      const id = here.add(sizeAtOpen, i !== 5);
      expect(id).toBe(i);
      const outcome: HashOutcome = i === 4 ? { size: data.length, status: 'error', hashes: {}, message: 'EIO: i/o error, read' } : hashSource({ ...bufferSource(data), size: sizeAtOpen, readInto: (buf, pos) => data.copy(buf, 0, pos) }, ALGORITHMS, 2048);
      expected.push(outcome);
      worker.add(id, sizeAtOpen, outcome);
    });
    expect(expected[0]).toEqual({ size: 5, status: 'hashed', hashes: digests(files[0]!) });
    expect(expected[2]).toMatchObject({ status: 'skipped-size' });
    expect(expected[3]).toMatchObject({ size: 14, message: 'file size changed while hashing (4 -> 14 bytes)' });
    const batch = worker.take();
    // Only the plain ones travel as raw digests.
    expect(Array.from(batch.plain)).toEqual([0, 1, 5]);
    expect(batch.digests.length).toBe(3 * (16 + 32 + 20));
    expect(batch.others.map(([id]) => id)).toEqual([2, 3, 4]);
    // Structured clone, as between the threads.
    here.receive(structuredClone(batch));
    for (const i of [5, 0, 3, 1, 4, 2]) {
      const got = here.take(i);
      expect(got).toEqual({ outcome: expected[i], noatime: i !== 5 });
      // The same key order as the record a reopen would have made (the report is written in it).
      expect(Object.keys(got!.outcome)).toEqual(Object.keys(expected[i]!));
      expect(Object.keys(got!.outcome.hashes)).toEqual(Object.keys(expected[i]!.hashes));
      expect(here.take(i)).toBeUndefined();
    }
    expect(here.take(6)).toBeUndefined();
    expect(here.take(-1)).toBeUndefined();
    expect(worker.take()).toEqual({ plain: new Int32Array(0), digests: Buffer.alloc(0), others: [] });
  });

  test('a file handed over whose outcome never came (a worker given up) has none', () => {
    const here = new HashedAhead(['sha256']);
    const worker = new HashBatcher(['sha256']);
    const a = here.add(3, true);
    const b = here.add(3, true);
    worker.add(a, 3, hashSource(bufferSource(Buffer.from('abc')), ['sha256'], 1e9));
    here.receive(worker.take());
    expect(here.take(b)).toBeUndefined();
    expect(here.take(a)?.outcome.hashes.sha256).toBe(createHash('sha256').update('abc').digest('hex'));
    // Digests that do not match the ids (a damaged message) are not used.
    const bad = new HashedAhead(['sha256']);
    const c = bad.add(3, true);
    bad.receive({ plain: Int32Array.of(c), digests: new Uint8Array(5), others: [] });
    expect(bad.take(c)).toBeUndefined();
  });
});
