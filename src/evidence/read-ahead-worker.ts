/**
 * The read-ahead worker (read-ahead.ts): opens each path it is sent as the walk would
 * (reader.ts `openRegularFile`), reads its first bytes into the shared ring and says so in the
 * place's state; a file the walk has said it opens itself (`skipBefore`) it leaves unopened. It
 * keeps nothing, parses nothing and never writes to a file: whatever goes wrong with a file is left
 * to the main thread, which opens it again itself. With --hash it also hashes the files the walk
 * hands it still open, when it has no file to open, and closes them.
 */
import { closeSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { isBefore, NOT_OPENED, OPENED, PLACE_FIELDS, PLACE_STATS, placeBytesFor, READ, RING_PLACES, type HashJob, type ReadAheadHashSetup, type ReadAheadRequest, type ReadAheadShared } from './read-ahead.js';
import { fdSource, openRegularFile, readFully, writeStatNumbers } from './reader.js';
import { announceStarted, type AheadSetup, type AheadWorkerData } from './ahead-worker.js';
import { hashSource, type HashSettings } from './hash-source.js';
import { HashBatcher } from './hashed-ahead.js';

const { shared, started } = workerData as AheadWorkerData<ReadAheadShared | null>;
announceStarted(started);
// The shared ring, set by useShared: at once, or for a worker on standby from its first message (ahead-worker.ts).
let state: Int32Array;
let handled: Int32Array;
let hashed: Int32Array;
let skipBefore: Int32Array;
/** Files received to open, counted as the main thread counts the files it sends (read-ahead.ts `skipBefore`). */
let received = 0;
let numbers: Float64Array;
let heads: Uint8Array;
let headBytes: number;
let placeBytes: number;
let ready = false;
if (shared) useShared(shared);

function useShared(ring: ReadAheadShared): void {
  state = new Int32Array(ring.state);
  handled = new Int32Array(ring.handled);
  hashed = new Int32Array(ring.hashed);
  skipBefore = new Int32Array(ring.skipBefore);
  received = 0;
  numbers = new Float64Array(ring.numbers);
  heads = new Uint8Array(ring.heads);
  headBytes = ring.headBytes;
  placeBytes = placeBytesFor(ring.headBytes);
  ready = true;
}

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
    got = readFully(fd, heads, place * placeBytes, Math.min(headBytes, stats.size), 0);
  } catch {
    return OPENED; // read again by the main thread, which meets the error itself
  }
  numbers[o + 2] = got;
  return READ;
}

/** Set by the first message when the scan hashes: how, and where outcomes go. */
let hashing: HashSettings | null = null;
let results: MessagePort | null = null;
/** The outcomes of the files hashed, held until the walk collects them. */
let outcomes: HashBatcher | null = null;
/** Files handed over to hash, in the order they came (`next`: the first not hashed). */
let jobs: HashJob[] = [];
let next = 0;

parentPort!.on('message', (message: ReadAheadRequest | ReadAheadHashSetup | AheadSetup<ReadAheadShared>) => {
  if (!ready) return useShared((message as AheadSetup<ReadAheadShared>).aheadShared);
  handle(message as ReadAheadRequest | ReadAheadHashSetup);
  hashWhileIdle();
});

/** One message: the hashing set up, or descriptors closed, files opened ahead and files to hash queued. */
function handle(message: ReadAheadRequest | ReadAheadHashSetup): void {
  if ('results' in message) {
    hashing = message.hashing;
    results = message.results;
    outcomes = new HashBatcher(hashing.algorithms);
  } else if (message.collect) results!.postMessage(outcomes!.take());
  else openAndClose(message);
  Atomics.add(handled, 0, 1);
  Atomics.notify(handled, 0);
}

/** The messages already waiting, handled now: the walk's opens come before the hashing. */
function handleWaiting(): void {
  for (let m = receiveMessageOnPort(parentPort!); m; m = receiveMessageOnPort(parentPort!)) handle(m.message as ReadAheadRequest | ReadAheadHashSetup);
}

/** Hashes the queued files, one by one, taking the walk's messages in between (also between the chunks of a large file). */
function hashWhileIdle(): void {
  while (next < jobs.length) {
    const job = jobs[next++]!;
    outcomes!.add(job.id, job.size, hashSource(fdSource(job.fd, job.size, ''), hashing!.algorithms, hashing!.maxSize, handleWaiting));
    done(job.fd);
    handleWaiting();
  }
  jobs = [];
  next = 0;
}

function openAndClose(request: ReadAheadRequest): void {
  for (const fd of request.closes) closeQuietly(fd);
  for (let i = 0; i < request.paths.length; i++) {
    const place = (request.first + i) % RING_PLACES;
    const sentAs = received;
    received = (received + 1) | 0;
    let result = NOT_OPENED;
    // A file the walk opens itself (it reached it, or one shortly after it, first) is left to it.
    if (!isBefore(sentAs, Atomics.load(skipBefore, 0))) {
      try {
        result = readAhead(request.paths[i]!, place);
      } catch {
        /* left to the main thread */
      }
    }
    Atomics.store(state, place, result);
    Atomics.notify(state, place);
  }
  for (const job of request.hashes) {
    if (hashing) jobs.push(job);
    else done(job.fd); // never without the setup first; if it were, no outcome: hashed after the walk
  }
}

/** A file handed over is closed and counted (the main thread waits for the count at the walk's end). */
function done(fd: number): void {
  closeQuietly(fd);
  Atomics.add(hashed, 0, 1);
  Atomics.notify(hashed, 0);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* closed already */
  }
}
