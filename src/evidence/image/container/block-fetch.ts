/**
 * An image's blocks read and decoded ahead on the other core (docs/performance.md "EWF chunks
 * decoded ahead by a worker thread, and table entries read once per table"). Inflating an EWF chunk
 * costs this thread about 35 µs and its read 5 µs, some 1.2 s of a 100,000-file E01 scan; the walk
 * knows which blocks it reads next (the NTFS adapter names its next files' MFT records and first
 * clusters: `ByteSource.fetchAhead`), so a worker reads and inflates them meanwhile, taking them
 * from a task ring in shared memory, and hands the bytes over in shared memory too.
 *
 * What a read returns does not change: the worker decodes a block exactly as `readBlock` does
 * (`inflateBlock`, the same bytes at the same offsets of the same descriptors), and whatever it could
 * not do, had not done yet, or was not asked is done by this thread as if there were no worker, so
 * warnings are this thread's own. It reads the image's descriptors, which are this thread's: `stop()`
 * waits until it reads no more before the image closes them.
 */
import type { Worker } from 'node:worker_threads';
import { inflateSync } from 'node:zlib';
import { aheadWorkerAvailable, startAheadWorker } from '../../ahead-worker.js';

/** Where a block's bytes lie in an evidence file, and whether they are a zlib stream (an EWF chunk). */
export interface BlockLocation {
  fd: number;
  position: number;
  length: number;
  zlib: boolean;
}

/** A compressed block inflated to at most `blockSize` bytes: on this thread and in the worker alike. */
export function inflateBlock(z: Uint8Array, blockSize: number): Buffer {
  // One output buffer a little larger than the block: zlib then ends in one pass, without a second
  // buffer and a concat (an output buffer of exactly the block's size costs twice the CPU time).
  return inflateSync(z, { maxOutputLength: blockSize, chunkSize: blockSize + 64 });
}

/** Shared memory for the decoded blocks: at most this much, in places of one block each. */
const SHARED_BYTES = 4 * 1024 * 1024;
/** Places: enough to keep the worker ahead of the walk; blocks larger than SHARED_BYTES / MIN_PLACES are not fetched ahead. */
const MAX_PLACES = 128;
const MIN_PLACES = 8;
/** Hinted blocks waiting for a free place, at most (a bound; the file system hints a few dozen files ahead). */
const MAX_WAITING = 1024;
/** The longest `stop()` waits for the worker to finish a read (a stuck read gives up the wait, not the close). */
const STOP_WAIT_MS = 5_000;

/** A place's state (Int32Array `state`) once sent: with the worker, then done or failed. */
export const QUEUED = 1;
export const DONE = 2;
export const FAILED = 3;
/**
 * `control` fields: the stop flag (set by this thread), the worker's reading flag, the place it is
 * working on plus one (0: none), how many tasks this thread has written to the ring (the worker
 * sleeps on it), and whether the worker is asleep or about to be (only then is it woken).
 */
export const CONTROL_STOP = 0;
export const CONTROL_READING = 1;
export const CONTROL_WORKING = 2;
export const CONTROL_WRITTEN = 3;
export const CONTROL_SLEEPING = 4;
const CONTROL_FIELDS = 5;
/** The longest this thread waits for the block the worker is working on (one inflate takes about 40 µs). */
const WAIT_WORKING_MS = 2;
/**
 * Numbers per task in the shared task ring: place, fd, position, length, zlib (1/0). The ring has
 * one task per place: a task holds its place (QUEUED) until the worker has taken it, so at most
 * `places` tasks are ever waiting, and task n lives at n modulo `places`.
 */
export const TASK_FIELDS = 5;

/** What the worker is given at start. */
export interface BlockFetchShared {
  state: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
  control: SharedArrayBuffer;
  tasks: SharedArrayBuffer;
  data: SharedArrayBuffer;
  blockSize: number;
  places: number;
}

const WORKER_URL = new URL('./block-fetch-worker.js', import.meta.url);

export class BlockFetcher {
  private readonly state: Int32Array;
  private readonly lengths: Int32Array;
  private readonly control: Int32Array;
  private readonly tasks: Float64Array;
  private readonly data: Buffer;
  private readonly places: number;
  /** Tasks written to the ring. */
  private written = 0;
  private worker: Worker | null = null;
  private readonly free: number[] = [];
  /**
   * The tasks out (sent, not yet taken or let go) are always `oldest` .. `written - 1`: a block is
   * taken after the ones hinted before it or they are let go. Per task (modulo places) its place;
   * per place its block.
   */
  private oldest = 0;
  private readonly placeOfTask: Int32Array;
  private readonly taskOfPlace: Float64Array;
  private readonly blockOfPlace: Float64Array;
  private readonly placeOf = new Map<number, number>();
  /** Hinted blocks not sent yet, oldest first, from `waitingHead`. */
  private waiting: number[] = [];
  private waitingHead = 0;
  private readonly waitingSet = new Set<number>();
  /** Places whose block is not wanted any more, still with the worker: free once it is done with them. */
  private readonly passed: number[] = [];

  /** Whether a fetcher can run here for blocks of this size (shared memory, the compiled worker module: not under ts-jest). */
  static available(blockSize: number): boolean {
    return blockSize > 0 && Math.floor(SHARED_BYTES / blockSize) >= MIN_PLACES && aheadWorkerAvailable(WORKER_URL);
  }

  constructor(
    private readonly blockSize: number,
    private readonly locate: (block: number) => BlockLocation | null,
  ) {
    // A power of two: the ring's counts wrap at 2^32 (Int32) on a multiple of it.
    const places = 2 ** Math.floor(Math.log2(Math.min(MAX_PLACES, Math.floor(SHARED_BYTES / blockSize))));
    const shared: BlockFetchShared = {
      state: new SharedArrayBuffer(places * 4),
      lengths: new SharedArrayBuffer(places * 4),
      control: new SharedArrayBuffer(CONTROL_FIELDS * 4),
      tasks: new SharedArrayBuffer(places * TASK_FIELDS * 8),
      data: new SharedArrayBuffer(places * blockSize),
      blockSize,
      places,
    };
    this.places = places;
    this.state = new Int32Array(shared.state);
    this.lengths = new Int32Array(shared.lengths);
    this.control = new Int32Array(shared.control);
    this.tasks = new Float64Array(shared.tasks);
    this.placeOfTask = new Int32Array(places);
    this.taskOfPlace = new Float64Array(places);
    this.blockOfPlace = new Float64Array(places);
    this.data = Buffer.from(shared.data);
    for (let p = places - 1; p >= 0; p--) this.free.push(p);
    this.shared = shared;
  }

  private readonly shared: BlockFetchShared;

  /** Starts the worker; settles once it is online (the walk waits: util/young-generation.ts). */
  start(): Promise<void> {
    const { worker, online } = startAheadWorker(WORKER_URL, this.shared, () => this.giveUp());
    this.worker = worker;
    return online;
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Block `block` will be read soon (after the blocks hinted before it). */
  hint(block: number): void {
    if (!this.worker || this.placeOf.has(block) || this.waitingSet.has(block) || this.waiting.length - this.waitingHead >= MAX_WAITING) return;
    this.waiting.push(block);
    this.waitingSet.add(block);
    this.send();
  }

  /**
   * Block `block` as the worker decoded it, or null: this thread decodes it itself (no worker, not
   * hinted, not done yet, or the worker could not). Blocks hinted before it and not taken are let go.
   */
  take(block: number, into?: Buffer, at = 0): Buffer | null {
    if (!this.worker) return null;
    this.reclaim();
    const place = this.placeOf.get(block);
    if (place === undefined) {
      if (this.waitingSet.has(block)) {
        // Not sent yet: it and the blocks hinted before it are read here or not at all.
        const at = this.waiting.indexOf(block, this.waitingHead);
        for (let i = this.waitingHead; i <= at; i++) this.waitingSet.delete(this.waiting[i]!);
        this.waitingHead = at + 1;
        this.passOver(this.written);
      }
      this.send();
      return null;
    }
    const task = this.taskOfPlace[place]!;
    this.passOver(task);
    this.oldest = task + 1;
    this.placeOf.delete(block);
    let state = Atomics.load(this.state, place);
    if (state === QUEUED && Atomics.load(this.control, CONTROL_WORKING) === place + 1) {
      // The worker is on it now: it is done sooner than this thread would be.
      Atomics.wait(this.state, place, QUEUED, WAIT_WORKING_MS);
      state = Atomics.load(this.state, place);
    }
    let out: Buffer | null = null;
    if (state === DONE) {
      const length = this.lengths[place]!;
      // Copied out before the place can be sent again (send() below).
      out = into ? into.subarray(at, at + length) : Buffer.allocUnsafe(length);
      this.data.copy(out, 0, place * this.blockSize, place * this.blockSize + length);
      this.free.push(place);
    } else if (state === FAILED) this.free.push(place);
    else {
      // Still with the worker: decoding it here costs less than waiting (docs/performance.md).
      this.passed.push(place);
    }
    this.send();
    return out;
  }

  /** Ends the worker once it reads no more; the image's descriptors may be closed after this returns. */
  stop(): void {
    if (!this.worker) return;
    const worker = this.worker;
    this.worker = null;
    Atomics.store(this.control, CONTROL_STOP, 1);
    Atomics.notify(this.control, CONTROL_WRITTEN);
    // The worker says it is reading before it looks at the stop flag: either it sees the flag, or this sees it reading.
    const until = Date.now() + STOP_WAIT_MS;
    while (Atomics.load(this.control, CONTROL_READING) === 1 && Date.now() < until) Atomics.wait(this.control, CONTROL_READING, 1, 50);
    void worker.terminate();
  }

  /** The tasks out before task `upTo` were not taken: their places are let go. */
  private passOver(upTo: number): void {
    for (; this.oldest < upTo; this.oldest++) {
      const place = this.placeOfTask[this.oldest % this.places]!;
      this.placeOf.delete(this.blockOfPlace[place]!);
      if (Atomics.load(this.state, place) === QUEUED) this.passed.push(place);
      else this.free.push(place);
    }
  }

  /** Places passed over that the worker is done with are free again. */
  private reclaim(): void {
    for (let i = this.passed.length - 1; i >= 0; i--) {
      if (Atomics.load(this.state, this.passed[i]!) === QUEUED) continue;
      this.free.push(this.passed[i]!);
      this.passed.splice(i, 1);
    }
  }

  /** Writes waiting blocks to the task ring, one free place each, and wakes the worker. */
  private send(): void {
    if (!this.worker || this.waitingHead === this.waiting.length || this.free.length === 0) return;
    const before = this.written;
    while (this.waitingHead < this.waiting.length && this.free.length > 0) {
      const block = this.waiting[this.waitingHead++]!;
      this.waitingSet.delete(block);
      const at = this.locate(block);
      if (!at) continue;
      const place = this.free.pop()!;
      Atomics.store(this.state, place, QUEUED);
      this.placeOf.set(block, place);
      this.blockOfPlace[place] = block;
      this.taskOfPlace[place] = this.written;
      this.placeOfTask[this.written % this.places] = place;
      const t = (this.written++ % this.places) * TASK_FIELDS;
      this.tasks[t] = place;
      this.tasks[t + 1] = at.fd;
      this.tasks[t + 2] = at.position;
      this.tasks[t + 3] = at.length;
      this.tasks[t + 4] = at.zlib ? 1 : 0;
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead > MAX_WAITING) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    if (this.written === before) return;
    // The count last: the worker reads a task only once the count says it is written. It is woken
    // only when asleep: it says so before it looks at the count, so either it sees the new count or this sees it asleep.
    Atomics.store(this.control, CONTROL_WRITTEN, this.written | 0);
    if (Atomics.load(this.control, CONTROL_SLEEPING) === 1) Atomics.notify(this.control, CONTROL_WRITTEN);
  }

  /** The worker failed or ended (it runs no more): this thread decodes every block from now on. */
  private giveUp(): void {
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }
}
