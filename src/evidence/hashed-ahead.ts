/**
 * The outcomes of the files the read-ahead worker hashes during the walk (read-ahead.ts): held by
 * the worker, sent in one message once the walk is over, then held here until the scan's hashing
 * takes them. A file is known by the number it was handed over under (DirectoryFs keeps it on the
 * file's entry), and the common outcome (hashed whole at its size at open) by its raw digests: a
 * few dozen bytes per file until the scan takes it; its record is made then, as a reopen would
 * have made it (docs/performance.md "Files behind findings hashed by the read-ahead worker").
 */
import type { HashAlgorithm } from '../model/report.js';
import { DIGEST_BYTES, plainOutcome, type HashOutcome } from './hash-source.js';

/** The worker's outcomes: the plain ones as ascending ids and their digests end to end (in the algorithms' order), the rest whole. */
export interface HashBatch {
  plain: Int32Array;
  digests: Uint8Array;
  others: Array<[id: number, outcome: HashOutcome]>;
}

/** Bytes of one file's digests, all algorithms. */
function digestsBytes(algorithms: readonly HashAlgorithm[]): number {
  let n = 0;
  for (const a of algorithms) n += DIGEST_BYTES[a];
  return n;
}

/** The worker's side: outcomes gathered until they are taken, in the order the files were handed over. */
export class HashBatcher {
  private plain: number[] = [];
  private digests: Buffer[] = [];
  private others: HashBatch['others'] = [];

  constructor(private readonly algorithms: readonly HashAlgorithm[]) {}

  /** The outcome of the file `id` (higher than any before it) of `size` bytes at open. */
  add(id: number, size: number, outcome: HashOutcome): void {
    if (outcome.status === 'hashed' && outcome.message === undefined && outcome.size === size) {
      this.plain.push(id);
      for (const a of this.algorithms) this.digests.push(Buffer.from(outcome.hashes[a]!, 'hex'));
    } else this.others.push([id, outcome]);
  }

  take(): HashBatch {
    const batch: HashBatch = { plain: Int32Array.from(this.plain), digests: Buffer.concat(this.digests), others: this.others };
    this.plain = [];
    this.digests = [];
    this.others = [];
    return batch;
  }
}

/** The main thread's side: each handed-over file by its id, its outcome once it arrived, given once. */
export class HashedAhead {
  /** Per id, its size at open; -1 once its outcome is taken. */
  private readonly sizes: number[] = [];
  /** Ids of the files opened without O_NOATIME (rare: not the owner, no CAP_FOWNER). */
  private readonly withoutNoatime = new Set<number>();
  private readonly width: number;
  private plain: Int32Array = new Int32Array(0);
  private digests: Uint8Array = new Uint8Array(0);
  private readonly others = new Map<number, HashOutcome>();

  constructor(private readonly algorithms: readonly HashAlgorithm[]) {
    this.width = digestsBytes(algorithms);
  }

  /** Files handed over. */
  get count(): number {
    return this.sizes.length;
  }

  /** A file handed over, `size` bytes at open, opened with O_NOATIME or not; returns its id. */
  add(size: number, noatime: boolean): number {
    const id = this.sizes.length;
    this.sizes.push(size);
    if (!noatime) this.withoutNoatime.add(id);
    return id;
  }

  /** The worker's outcomes (one batch: a later one replaces the plain ones). */
  receive(batch: HashBatch): void {
    if (batch.digests.length === batch.plain.length * this.width) {
      this.plain = batch.plain;
      this.digests = batch.digests;
    }
    for (const [id, outcome] of batch.others) if (id < this.sizes.length) this.others.set(id, outcome);
  }

  /** The outcome of file `id`, and whether it had been opened with O_NOATIME; undefined when none arrived. Given once. */
  take(id: number): { outcome: HashOutcome; noatime: boolean } | undefined {
    const size = id >= 0 && id < this.sizes.length ? this.sizes[id]! : -1;
    if (size < 0) return undefined;
    let outcome = this.others.get(id);
    if (!outcome) {
      const at = plainIndex(this.plain, id);
      if (at < 0) return undefined;
      const hashes: HashOutcome['hashes'] = {};
      let from = at * this.width;
      for (const a of this.algorithms) {
        hashes[a] = Buffer.from(this.digests.buffer, this.digests.byteOffset + from, DIGEST_BYTES[a]).toString('hex');
        from += DIGEST_BYTES[a];
      }
      outcome = plainOutcome(size, hashes);
    } else this.others.delete(id);
    this.sizes[id] = -1;
    return { outcome, noatime: !this.withoutNoatime.has(id) };
  }
}

/** Where `id` is in the ascending `plain`, or -1. */
function plainIndex(plain: Int32Array, id: number): number {
  let lo = 0;
  let hi = plain.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = plain[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
