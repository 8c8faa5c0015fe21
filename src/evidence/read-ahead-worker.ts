/**
 * The read-ahead worker (read-ahead.ts): opens each path it is sent as the walk would
 * (reader.ts `openRegularFile`), reads its first bytes into the shared ring and says so in the
 * place's state. It keeps nothing, parses nothing and never writes to a file: whatever goes wrong
 * with a file is left to the main thread, which opens it again itself.
 */
import { closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { NOT_OPENED, OPENED, PLACE_FIELDS, PLACE_STATS, READ, RING_PLACES, type ReadAheadRequest, type ReadAheadShared } from './read-ahead.js';
import { openRegularFile, readFully, writeStatNumbers } from './reader.js';
import { announceStarted, type AheadWorkerData } from './ahead-worker.js';

const { shared, started } = workerData as AheadWorkerData<ReadAheadShared>;
announceStarted(started);
const state = new Int32Array(shared.state);
const handled = new Int32Array(shared.handled);
const numbers = new Float64Array(shared.numbers);
const heads = new Uint8Array(shared.heads);
const headBytes = shared.headBytes;

/** Opens one file into `place`: its state last, so the main thread sees the numbers and head before it. */
function readAhead(path: ReadAheadRequest['paths'][number], place: number): number {
  let opened;
  try {
    // A Buffer path arrives as a Uint8Array (structured clone): the same bytes.
    opened = openRegularFile(typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength));
  } catch {
    return NOT_OPENED;
  }
  const { fd, stats, noatime } = opened;
  const o = place * PLACE_FIELDS;
  numbers[o] = fd;
  numbers[o + 1] = noatime ? 1 : 0;
  writeStatNumbers(numbers, o + PLACE_STATS, stats);
  // The head as the main thread's first read takes it: min(headBytes, size) bytes, to the end of a file that shrank.
  let got: number;
  try {
    got = readFully(fd, heads, place * headBytes, Math.min(headBytes, stats.size), 0);
  } catch {
    return OPENED; // read again by the main thread, which meets the error itself
  }
  numbers[o + 2] = got;
  return READ;
}

parentPort!.on('message', (request: ReadAheadRequest) => {
  for (const fd of request.closes) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
  }
  for (let i = 0; i < request.paths.length; i++) {
    const place = (request.first + i) % RING_PLACES;
    let result = NOT_OPENED;
    try {
      result = readAhead(request.paths[i]!, place);
    } catch {
      /* left to the main thread */
    }
    Atomics.store(state, place, result);
    Atomics.notify(state, place);
  }
  Atomics.add(handled, 0, 1);
  Atomics.notify(handled, 0);
});
