/**
 * The block-fetch worker (block-fetch.ts): takes each task from the shared ring as it is written,
 * reads the block from the image's descriptor, inflates it as the main thread would
 * (`inflateBlock`), writes it into its place of the shared memory and says so in the place's state. It keeps nothing and never writes to a file; whatever
 * fails is left to the main thread, which decodes that block itself.
 */
import { workerData } from 'node:worker_threads';
import { readFully } from '../../reader.js';
import { announceStarted, type AheadWorkerData } from '../../ahead-worker.js';
import { CONTROL_READING, CONTROL_SLEEPING, CONTROL_STOP, CONTROL_WORKING, CONTROL_WRITTEN, DONE, FAILED, inflateBlock, TASK_FIELDS, type BlockFetchShared } from './block-fetch.js';

const { shared, started } = workerData as AheadWorkerData<BlockFetchShared>;
announceStarted(started);
const state = new Int32Array(shared.state);
const lengths = new Int32Array(shared.lengths);
const control = new Int32Array(shared.control);
const data = Buffer.from(shared.data);
const { blockSize } = shared;
/** A compressed block's bytes (an EWF chunk's stream is at most a little larger than the chunk). */
let compressed = Buffer.allocUnsafe(blockSize + 1024);

/**
 * Reads `length` bytes at `position` of `fd` into `into`, unless the main thread has asked it to
 * stop: the reading flag is set before the stop flag is looked at, so `stop()` either is seen here
 * or sees the read and waits for it (the descriptor stays open until then). Null: stopped.
 */
function readUnlessStopped(fd: number, into: Buffer, length: number, position: number): number | null {
  Atomics.store(control, CONTROL_READING, 1);
  try {
    if (Atomics.load(control, CONTROL_STOP) === 1) return null;
    return readFully(fd, into, 0, length, position);
  } finally {
    Atomics.store(control, CONTROL_READING, 0);
    Atomics.notify(control, CONTROL_READING);
  }
}

/** One block into `place`; its state is written last, so the main thread sees the bytes before it. */
function fetch(place: number, fd: number, position: number, length: number, zlib: boolean): number | null {
  const into = data.subarray(place * blockSize, (place + 1) * blockSize);
  if (!zlib) {
    const got = readUnlessStopped(fd, into, Math.min(length, blockSize), position);
    if (got === null) return null;
    if (got === 0) return FAILED;
    lengths[place] = got;
    return DONE;
  }
  if (length > compressed.length) compressed = Buffer.allocUnsafe(length);
  const got = readUnlessStopped(fd, compressed, length, position);
  if (got === null) return null;
  const block = inflateBlock(compressed.subarray(0, got), blockSize);
  block.copy(into);
  lengths[place] = block.length;
  return DONE;
}

/** Takes tasks from the ring as they are written, asleep while there are none, until told to stop. */
function run(): void {
  const tasks = new Float64Array(shared.tasks);
  let taken = 0;
  for (;;) {
    let written = Atomics.load(control, CONTROL_WRITTEN);
    if (Atomics.load(control, CONTROL_STOP) === 1) return;
    if ((taken | 0) === written) {
      // Asleep is said first, the count looked at again after: a task written meanwhile is seen here, or its writer sees this asleep and wakes it.
      Atomics.store(control, CONTROL_SLEEPING, 1);
      written = Atomics.load(control, CONTROL_WRITTEN);
      if ((taken | 0) === written && Atomics.load(control, CONTROL_STOP) === 0) Atomics.wait(control, CONTROL_WRITTEN, written);
      Atomics.store(control, CONTROL_SLEEPING, 0);
      continue;
    }
    const t = (taken % shared.places) * TASK_FIELDS;
    const place = tasks[t]!;
    taken++;
    let result: number | null = FAILED;
    Atomics.store(control, CONTROL_WORKING, place + 1);
    try {
      result = fetch(place, tasks[t + 1]!, tasks[t + 2]!, tasks[t + 3]!, tasks[t + 4] === 1);
    } catch {
      /* decoded again by the main thread, which meets the error itself */
    }
    if (result === null) return; // stopped
    Atomics.store(state, place, result);
    Atomics.store(control, CONTROL_WORKING, 0);
    Atomics.notify(state, place);
  }
}

run();
