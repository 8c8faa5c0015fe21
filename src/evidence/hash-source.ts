/**
 * A file's digests, streamed in fixed chunks through one reused buffer: the one implementation
 * behind `--hash`, run on this thread (pipeline/hash.ts, a file reopened after the walk) and in the
 * read-ahead worker (read-ahead-worker.ts, a file handed over by the walk while still open).
 */
import { createHash, hash, type Hash } from 'node:crypto';
import type { HashAlgorithm, HashRecord } from '../model/report.js';
import type { ByteSource } from '../util/byte-source.js';

/** What hashing one file gives (the report adds its root and path). */
export type HashOutcome = Omit<HashRecord, 'root' | 'path'>;

/** What a file is hashed with (pipeline/hash.ts HashOptions, without the mode). */
export interface HashSettings {
  algorithms: readonly HashAlgorithm[];
  maxSize: number;
}

/** Bytes of each digest. */
export const DIGEST_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha1: 20, md5: 16 };

/** A file hashed whole at the size it had at open: the common outcome. */
export function plainOutcome(size: number, hashes: HashRecord['hashes']): HashOutcome {
  return { size, status: 'hashed', hashes };
}

const CHUNK_BYTES = 1024 * 1024;
/**
 * One read buffer for every hashed file of a thread: hashing is synchronous and `update` copies, so
 * it can be reused. A fresh 1 MiB buffer per file made the garbage collector the cost of hashing
 * many small findings.
 */
const HASH_BUFFER = Buffer.allocUnsafe(CHUNK_BYTES);

/** One chunk at `pos`: into the shared buffer when the source can fill it (a file), else a fresh read. */
function readChunk(src: ByteSource, pos: number): Buffer {
  if (src.readInto) return HASH_BUFFER.subarray(0, src.readInto(HASH_BUFFER, pos));
  return src.read(pos, CHUNK_BYTES);
}

/**
 * Streams a source through every requested digest, one chunk at a time (a file read to its end, even if it grew,
 * but not past `maxSize`: a file that keeps growing is not hashed).
 * A read that returns less than a full chunk once the size seen at open is reached is the end (a regular file
 * returns short only there): most findings are smaller than a chunk, and the read that would return 0 after it
 * was a second system call per file. Such a file is hashed in one call per algorithm (crypto.hash, no Hash object).
 * `betweenChunks` runs after each chunk of a larger file (the read-ahead worker serves the walk's opens there).
 */
export function hashSource(src: ByteSource, algorithms: readonly HashAlgorithm[], maxSize: number, betweenChunks?: () => void): HashOutcome {
  const steps = hashSteps(src, algorithms, maxSize);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    betweenChunks?.();
  }
}

/**
 * `hashSource` as steps: it yields after each chunk of a file larger than one chunk, so that a
 * caller can turn the event loop between them (pipeline/hash.ts: a 4 GB file takes seconds).
 */
export function* hashSteps(src: ByteSource, algorithms: readonly HashAlgorithm[], maxSize: number): Generator<void, HashOutcome, void> {
  if (src.size > maxSize) return { size: src.size, status: 'skipped-size', hashes: {}, message: `larger than the --hash-max-size cap of ${maxSize} bytes` };
  try {
    const first = readChunk(src, 0);
    if (first.length < CHUNK_BYTES && first.length >= src.size) {
      const hashes: Partial<Record<HashAlgorithm, string>> = {};
      for (const a of algorithms) hashes[a] = hash(a, first, 'hex');
      return sizedRecord(src, first.length, hashes);
    }
    const digests: Array<[HashAlgorithm, Hash]> = algorithms.map((a) => [a, createHash(a)]);
    let pos = 0;
    for (let b = first; b.length > 0; b = readChunk(src, pos)) {
      for (const [, d] of digests) d.update(b);
      pos += b.length;
      if (b.length < CHUNK_BYTES && pos >= src.size) break;
      // A file that keeps growing (a live log, something writing into the evidence) is not followed past the cap.
      if (pos > maxSize) return grewPastCap(src, maxSize);
      yield;
    }
    return sizedRecord(src, pos, Object.fromEntries(digests.map(([a, d]) => [a, d.digest('hex')])));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { size: src.size, status: 'error', hashes: {}, message: e.code ? `${e.code}: ${e.message}` : e.message };
  }
}

/** Not hashed: the file grew past the cap while it was read (it was under it at open). */
function grewPastCap(src: ByteSource, maxSize: number): HashOutcome {
  return { size: src.size, status: 'skipped-size', hashes: {}, message: `grew past the --hash-max-size cap of ${maxSize} bytes while being hashed (${src.size} bytes at open)` };
}

/** A hashed record of `read` bytes, with a message when that is not the size seen at open. */
function sizedRecord(src: ByteSource, read: number, hashes: HashRecord['hashes']): HashOutcome {
  if (read === src.size) return plainOutcome(read, hashes);
  const message = src.readInto ? `file size changed while hashing (${src.size} -> ${read} bytes)` : `only ${read} of ${src.size} bytes could be read`;
  return { size: read, status: 'hashed', hashes, message };
}

/**
 * Bytes read whole from a volume for the case file (a deleted archive's recovered content, a carved
 * archive), hashed within --hash's size cap and a budget of bytes per volume, the event loop turning
 * every 64 chunks. `hash` gives what a finding records: the hashes (and `hashedBytes` when the read
 * ended early), or `notHashed` with the reason.
 */
export class VolumeHashBudget {
  private used = 0;

  /** `what`: the content named in the budget's reason ("recovered content", "carved archives"). */
  constructor(
    private readonly settings: HashSettings,
    private readonly maxBytes: number,
    private readonly what: string,
  ) {}

  async hash(src: ByteSource, yieldNow?: () => Promise<void>): Promise<{ hashes?: HashOutcome['hashes']; hashedBytes?: number; notHashed?: string }> {
    const { algorithms, maxSize } = this.settings;
    if (src.size > maxSize) return { notHashed: `larger than the --hash size cap (${maxSize} bytes)` };
    if (this.used + src.size > this.maxBytes) return { notHashed: `past ${this.maxBytes} bytes of ${this.what} hashed per volume` };
    this.used += src.size;
    const steps = hashSteps(src, algorithms, maxSize);
    let step = steps.next();
    for (let n = 1; !step.done; n++, step = steps.next()) if (n % 64 === 0) await yieldNow?.();
    const outcome = step.value;
    if (outcome.status !== 'hashed') return { notHashed: `not read whole: ${outcome.message ?? outcome.status}` };
    // The read ended early: the hashes cover this much.
    return { hashes: outcome.hashes, ...(outcome.size !== null && outcome.size !== src.size ? { hashedBytes: outcome.size } : {}) };
  }
}
