/**
 * The walk's files opened and their heads read ahead on the other core (docs/performance.md "Heads
 * read ahead by a worker thread"). The system calls of a walked file (open, fstat, the read of its
 * first bytes) cost this thread about 10 µs per file; a worker thread that does only them, up to
 * 128 files ahead of the inspection, hands over each file's descriptor, its fstat numbers and its
 * head through shared memory.
 *
 * What is read does not change: the worker opens the very path this thread would have opened (a
 * file of the listing, through the handle its directory was listed through), with the same flags
 * and checks (reader.ts `openRegularFile`), and only while that handle is held (a listing's files
 * still read ahead are waited for and closed before its handle goes). Whatever the worker could not
 * do (an error, a file that is not regular, a head it could not read) is done again here, as if
 * there were no worker, so errors and their messages are this thread's own. A worker that stops
 * answering is given up and the walk opens its files itself.
 *
 * When the walk reaches a file the worker has not opened yet, it opens that file and the next
 * SKIP_LEAD files itself and tells the worker to leave them (`skipBefore`): without that the worker
 * opened every file the walk had already opened, stayed a file behind and met the walk again at
 * its next one (on text-heavy trees, where the walk is faster than the opens, and once the walk had
 * overtaken it anywhere: docs/performance.md "Session 41").
 *
 * With --hash, a file the walk keeps a candidate for is handed to the worker still open
 * (`hashAhead`): it hashes it when it has no file to open (the walk's opens come first, also between
 * the chunks of a large file) and closes it. The outcomes stay in the worker until the walk is over
 * (its heap goes with it; held here through the walk they raised the findings-heavy tree's peak RSS
 * by 10-20 MB), then wait here for the scan's hashing, which otherwise reopens each file after the
 * walk on this thread (docs/performance.md "Files behind findings hashed by the read-ahead worker").
 */
import { closeSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { onStandby, startAheadWorker } from './ahead-worker.js';
import { READ_AHEAD_WORKER_URL, readAheadAvailable } from './read-ahead-standby.js';
import type { HashSettings } from './hash-source.js';
import { HashedAhead, type HashBatch } from './hashed-ahead.js';
import { fdSource, readStatNumbers, STAT_FIELDS, type AtimeAudit, type OpenedFile } from './reader.js';
import type { FsPath } from './paths.js';
import { slabBytes } from '../util/slab-bytes.js';
import { LIMITS } from '../util/limits.js';

/** Files a walk's listing may have out to the worker: enough that this thread never waits for it, few enough to hold their descriptors. */
const READ_AHEAD_FILES = 128;
/** Files sent to the worker in one message. */
const READ_AHEAD_BATCH = 32;
/**
 * After how many files a directory walk starts reading ahead: a few when the worker runs on standby
 * already (bin/stagehunt.js started it for `scan`; the walk takes it), LIMITS.readAheadAfterFiles
 * when the walk would have to start one.
 */
export function readAheadAfterFiles(): number {
  return onStandby(READ_AHEAD_WORKER_URL) ? LIMITS.readAheadWithStandbyAfterFiles : LIMITS.readAheadAfterFiles;
}

/** Places in the shared ring (more than READ_AHEAD_FILES: a place is reused only once its file is taken). */
export const RING_PLACES = 256;
/** Doubles per place: the descriptor, whether O_NOATIME held, the head's length, then the fstat's numbers (reader.ts writeStatNumbers). */
export const PLACE_FIELDS = 3 + STAT_FIELDS;
/** Where a place's fstat numbers start. */
export const PLACE_STATS = 3;
/** A place's state (Int32Array `state`). */
const PENDING = 0;
/** Opened, a regular file, its head read. */
export const READ = 1;
/** Not opened (an error, not a regular file, or one the walk opens itself: `skipBefore`): this thread opens it itself and meets the same. */
export const NOT_OPENED = 2;
/** Opened and a regular file, its head not read: this thread reads it. */
export const OPENED = 3;
/**
 * Files after one the walk reached before the worker that the walk opens itself, so that the worker
 * starts ahead of it again instead of racing it file by file.
 */
export const SKIP_LEAD = 8;
/** Descriptors the walk is done with, closed by the worker with its next files (or at once, past this many). */
const CLOSE_BATCH = 256;
/** The longest this thread waits for one file before it gives the worker up. */
const GIVE_UP_AFTER_MS = 30_000;
/**
 * Files handed over to hash and not hashed yet, at most (their descriptors stay open until then);
 * past it the walk closes its files and the scan hashes them after the walk.
 */
const HASHES_OUT = 256;
/** Files to hash sent in one message at most (they also go with the walk's next files). */
const HASH_BATCH = 64;

/** What the worker is given at start. */
export interface ReadAheadShared {
  state: SharedArrayBuffer;
  /** One Int32: how many messages the worker has handled. */
  handled: SharedArrayBuffer;
  /** One Int32: how many files handed over to hash the worker is done with (hashed, its outcome held, and closed). */
  hashed: SharedArrayBuffer;
  /**
   * One Int32: the worker leaves (NOT_OPENED, unopened) every file sent before this one, counting
   * the files sent in all requests from 0 (modulo 2^32: `isBefore`); the walk opens them itself.
   */
  skipBefore: SharedArrayBuffer;
  numbers: SharedArrayBuffer;
  heads: SharedArrayBuffer;
  /** The most a head holds; its place in `heads` is `placeBytesFor(headBytes)` long, on both threads. */
  headBytes: number;
}

/**
 * The stride of the heads in the ring: `headBytes` rounded up to 8. V8 copies out of shared memory
 * a word at a time only when both ends are 8-aligned, else a byte at a time: a 4,100-byte head took
 * about 800 ns on average to copy from a 4,100-byte stride (every other place unaligned) and 250 ns
 * from 4,104 (into a slab's 8-aligned slice: util/slab-bytes.ts), 100,000 times per 100k-file scan
 * (docs/performance.md "Session 40").
 */
export function placeBytesFor(headBytes: number): number {
  return (headBytes + 7) & ~7;
}

/** Whether file number `a` was sent before file number `b` (both counted modulo 2^32, less than 2^31 apart). */
export function isBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/**
 * One message to the worker: descriptors the walk is done with, to close, then files to open, in
 * ring places `first`, `first + 1`, ... (modulo RING_PLACES), then files to hash; with `collect`,
 * the outcomes it holds are sent back (hashed-ahead.ts HashBatch).
 */
export interface ReadAheadRequest {
  closes: number[];
  first: number;
  paths: FsPath[];
  hashes: HashJob[];
  collect?: true;
}

/** The first message when files are hashed ahead: the settings, and the port the outcomes come back on (hashed-ahead.ts HashBatch). */
export interface ReadAheadHashSetup {
  hashing: HashSettings;
  results: MessagePort;
}

/** A file handed over to hash: its descriptor (the worker closes it), its size at open, its number in this scan's order. */
export interface HashJob {
  fd: number;
  size: number;
  id: number;
}

/** The files of one listing, in the order the walk opens them. */
export interface ReadAheadListing {
  readonly fileCount: number;
  /** The host path of its `file`-th regular file (through the handle the listing holds). */
  hostPathOfFile(file: number): FsPath;
}

export class ReadAhead {
  private readonly state: Int32Array;
  private readonly handled: Int32Array;
  private readonly hashed: Int32Array;
  private readonly skipBefore: Int32Array;
  private readonly numbers: Float64Array;
  private readonly heads: Buffer;
  private readonly placeBytes: number;
  private worker: Worker | null;
  /** The listing read ahead now, the next of its files to send, and the files out (file and place, oldest first). */
  private listing: ReadAheadListing | null = null;
  private nextFile = 0;
  private readonly outFiles: number[] = [];
  private readonly outPlaces: number[] = [];
  /** Places whose file is no longer wanted (opened here instead, passed over, or of a listing let go): closed once the worker is done with them. */
  private readonly passed: number[] = [];
  /** Per place: sent and not yet taken or closed (not to be reused until then). */
  private readonly inUse = new Uint8Array(RING_PLACES);
  private nextPlace = 0;
  /** Descriptors of files the walk is done with, to go with the next message. */
  private closes: number[] = [];
  /** Messages posted to the worker. */
  private posted = 0;
  /** Files sent to the worker (modulo 2^32): the number of the next one. The files out are the last `outFiles.length` of them. */
  private sent = 0;
  /** With hashing: the port the outcomes arrive on, the files handed over and their outcomes, and those not sent yet. */
  private readonly results: MessagePort | null = null;
  private readonly hashedAhead: HashedAhead | null = null;
  private hashJobs: HashJob[] = [];

  /** Whether the worker can run here (read-ahead-standby.ts `readAheadAvailable`). */
  static available(): boolean {
    return readAheadAvailable();
  }

  /** Starts the worker; `online` settles once it is (the walk waits: util/young-generation.ts). */
  constructor(
    headBytes: number,
    private readonly audit: AtimeAudit,
    hashing?: HashSettings,
  ) {
    const placeBytes = placeBytesFor(headBytes);
    const shared: ReadAheadShared = {
      state: new SharedArrayBuffer(RING_PLACES * 4),
      handled: new SharedArrayBuffer(4),
      hashed: new SharedArrayBuffer(4),
      skipBefore: new SharedArrayBuffer(4),
      numbers: new SharedArrayBuffer(RING_PLACES * PLACE_FIELDS * 8),
      heads: new SharedArrayBuffer(RING_PLACES * placeBytes),
      headBytes,
    };
    this.placeBytes = placeBytes;
    this.state = new Int32Array(shared.state);
    this.handled = new Int32Array(shared.handled);
    this.hashed = new Int32Array(shared.hashed);
    this.skipBefore = new Int32Array(shared.skipBefore);
    this.numbers = new Float64Array(shared.numbers);
    this.heads = Buffer.from(shared.heads);
    // Its descriptors are this thread's once handed over: not closed when the worker ends.
    const { worker, online } = startAheadWorker(READ_AHEAD_WORKER_URL, shared, () => this.giveUp());
    this.worker = worker;
    this.online = online;
    if (hashing) {
      const { port1, port2 } = new MessageChannel();
      port1.unref(); // read only by receiveMessageOnPort
      this.results = port1;
      this.hashedAhead = new HashedAhead(hashing.algorithms);
      this.posted++;
      const setup: ReadAheadHashSetup = { hashing, results: port2 };
      worker.postMessage(setup, [port2]);
    }
  }

  readonly online: Promise<void>;

  /**
   * The `file`-th file of `listing` as the worker opened it, or null: this thread opens it itself
   * (no worker, a file the worker could not open or has not opened yet, or one not sent to it).
   * Sends the listing's next files.
   */
  take(listing: ReadAheadListing, file: number, displayName: string): OpenedFile | null {
    if (!this.worker) return null;
    if (listing !== this.listing) {
      this.letGo();
      this.listing = listing;
      this.nextFile = file;
    }
    this.closePassed(false);
    // Files passed over (not opened by the walk) are closed unread.
    while (this.outFiles.length > 0 && this.outFiles[0]! < file) {
      this.outFiles.shift();
      this.passed.push(this.outPlaces.shift()!);
    }
    if (this.outFiles.length === 0 && this.nextFile < file) this.nextFile = file;
    if (this.outFiles[0] !== file) {
      this.send(listing);
      return null;
    }
    const sentAs = (this.sent - this.outFiles.length) | 0;
    this.outFiles.shift();
    const place = this.outPlaces.shift()!;
    const state = Atomics.load(this.state, place);
    if (state === PENDING) {
      // Not open yet (the worker was asleep, or off the core): opening it here costs less than
      // waiting, and the worker, behind, leaves it and the next SKIP_LEAD (unless this is one of them).
      if (!isBefore(sentAs, Atomics.load(this.skipBefore, 0))) Atomics.store(this.skipBefore, 0, (sentAs + 1 + SKIP_LEAD) | 0);
      this.passed.push(place);
      this.send(listing);
      return null;
    }
    let opened: OpenedFile | null = null;
    if (state === READ || state === OPENED) {
      const o = place * PLACE_FIELDS;
      const n = this.numbers;
      const fd = n[o]!;
      if (n[o + 1] === 1) this.audit.preserved++;
      else this.audit.mayChange++;
      const stats = readStatNumbers(n, o + PLACE_STATS);
      let head: Buffer | undefined;
      if (state === READ) {
        const length = n[o + 2]!;
        head = slabBytes(length);
        this.heads.copy(head, 0, place * this.placeBytes, place * this.placeBytes + length);
      }
      opened = { fd, size: stats.size, dev: stats.dev, ino: stats.ino, stats, noatime: n[o + 1] === 1, source: fdSource(fd, stats.size, displayName, head), close: () => this.closeLater(fd) };
    }
    this.inUse[place] = 0;
    this.send(listing);
    return opened;
  }

  /**
   * A walk's listing just read: its first files go to the worker now, so that they are open by the
   * time the walk takes them (waking the worker takes longer than opening a file).
   */
  begin(listing: ReadAheadListing): void {
    if (!this.worker || listing.fileCount === 0) return;
    this.letGo();
    this.listing = listing;
    this.nextFile = 0;
    this.send(listing);
  }

  /** Before a listing's directory handle is let go: its files still out are waited for and closed. */
  release(listing: ReadAheadListing): void {
    if (listing === this.listing) this.letGo();
  }

  /**
   * Hands an open file (`fd`, opened with O_NOATIME or not, `size` at open) to the worker to hash;
   * the worker closes it. Returns its id for the outcome (close's HashedAhead), or -1 when it cannot
   * take it (no worker, no hashing, or HASHES_OUT files not hashed yet): the caller closes the file,
   * and it is hashed after the walk.
   */
  hashAhead(fd: number, size: number, noatime: boolean): number {
    const files = this.hashedAhead;
    if (!this.worker || !files || files.count - Atomics.load(this.hashed, 0) >= HASHES_OUT) return -1;
    const id = files.add(size, noatime);
    this.hashJobs.push({ fd, size, id });
    if (this.hashJobs.length >= HASH_BATCH) this.post({ closes: this.takeCloses(), first: 0, paths: [], hashes: this.takeHashJobs() });
    return id;
  }

  /**
   * Lets the current listing go and ends the worker once it has hashed what it was handed (the walk
   * opens files itself from now on). Returns the outcomes of the files handed over to hash (those
   * missing, if the worker was given up first, are hashed as usual).
   */
  close(): HashedAhead | null {
    this.letGo();
    if (this.worker) this.post({ closes: this.takeCloses(), first: 0, paths: [], hashes: this.takeHashJobs() });
    // Every descriptor handed to it closed before it ends.
    this.waitHandled();
    // Every file handed over hashed (a large one can take a while: given up only after GIVE_UP_AFTER_MS without one more).
    let until = Date.now() + GIVE_UP_AFTER_MS;
    for (let hashed = Atomics.load(this.hashed, 0); this.worker && this.hashedAhead && hashed < this.hashedAhead.count; hashed = Atomics.load(this.hashed, 0)) {
      Atomics.wait(this.hashed, 0, hashed, 100);
      if (Atomics.load(this.hashed, 0) !== hashed) until = Date.now() + GIVE_UP_AFTER_MS;
      else if (Date.now() > until) break;
    }
    // Then their outcomes, in one message (those it has, if it was given up).
    if (this.worker && this.results && this.hashedAhead) {
      this.post({ closes: [], first: 0, paths: [], hashes: [], collect: true });
      this.waitHandled();
      for (let m = receiveMessageOnPort(this.results); m; m = receiveMessageOnPort(this.results)) this.hashedAhead.receive(m.message as HashBatch);
    }
    this.results?.close();
    this.giveUp();
    return this.hashedAhead;
  }

  /**
   * Sends the files still waiting to be handed over and settles once the worker has hashed every
   * file it was given, the event loop turning meanwhile (signals are handled: a large file takes
   * seconds). A worker that hashes nothing more for GIVE_UP_AFTER_MS is given up, as in `close`.
   */
  async hashingSettled(): Promise<void> {
    if (!this.worker || !this.hashedAhead) return;
    if (this.hashJobs.length > 0) this.post({ closes: this.takeCloses(), first: 0, paths: [], hashes: this.takeHashJobs() });
    // A pending waitAsync does not keep the event loop alive (nor does the worker, unreferenced):
    // without a timer of its own the process would end here, its work unfinished.
    const alive = setInterval(() => undefined, 1000);
    try {
      let until = Date.now() + GIVE_UP_AFTER_MS;
      for (let hashed = Atomics.load(this.hashed, 0); this.worker && hashed < this.hashedAhead.count; hashed = Atomics.load(this.hashed, 0)) {
        const wait = Atomics.waitAsync(this.hashed, 0, hashed, 100);
        if (wait.async) await wait.value;
        if (Atomics.load(this.hashed, 0) !== hashed) until = Date.now() + GIVE_UP_AFTER_MS;
        else if (Date.now() > until) this.giveUp();
      }
    } finally {
      clearInterval(alive);
    }
  }

  /** Waits (up to GIVE_UP_AFTER_MS) until the worker has handled every message posted to it. */
  private waitHandled(): void {
    const until = Date.now() + GIVE_UP_AFTER_MS;
    for (let handled = Atomics.load(this.handled, 0); this.worker && handled < this.posted && Date.now() < until; handled = Atomics.load(this.handled, 0)) {
      Atomics.wait(this.handled, 0, handled, 100);
    }
  }

  private takeHashJobs(): HashJob[] {
    const jobs = this.hashJobs;
    this.hashJobs = [];
    return jobs;
  }

  private post(request: ReadAheadRequest): void {
    this.posted++;
    this.worker!.postMessage(request);
  }

  /**
   * A file the walk is done with, closed by the worker with its next files: a close costs this
   * thread about 3 µs. The descriptor stays allocated until then, so its number is not reused.
   */
  private closeLater(fd: number): void {
    if (!this.worker) {
      closeSync(fd);
      return;
    }
    this.closes.push(fd);
    if (this.closes.length >= CLOSE_BATCH) this.post({ closes: this.takeCloses(), first: 0, paths: [], hashes: this.takeHashJobs() });
  }

  private takeCloses(): number[] {
    const closes = this.closes;
    this.closes = [];
    return closes;
  }

  /** Sends the listing's next files while fewer than READ_AHEAD_FILES are out. */
  private send(listing: ReadAheadListing): void {
    while (this.worker && this.outFiles.length <= READ_AHEAD_FILES - READ_AHEAD_BATCH && this.nextFile < listing.fileCount) {
      const count = Math.min(READ_AHEAD_BATCH, listing.fileCount - this.nextFile);
      // A place is reused once the worker is done with its last file.
      for (let i = 0; i < count; i++) if (this.inUse[(this.nextPlace + i) % RING_PLACES]) this.closePassed(true);
      if (!this.worker) return;
      const request: ReadAheadRequest = { closes: this.takeCloses(), first: this.nextPlace, paths: [], hashes: this.takeHashJobs() };
      for (let i = 0; i < count; i++) {
        const place = this.nextPlace;
        this.nextPlace = (this.nextPlace + 1) % RING_PLACES;
        Atomics.store(this.state, place, PENDING);
        this.inUse[place] = 1;
        request.paths.push(listing.hostPathOfFile(this.nextFile));
        this.sent = (this.sent + 1) | 0;
        this.outFiles.push(this.nextFile++);
        this.outPlaces.push(place);
      }
      this.post(request);
    }
  }

  /** Closes what the worker opened of the passed places, waiting for those it has not done when `wait`. */
  private closePassed(wait: boolean): void {
    while (this.passed.length > 0) {
      const place = this.passed[0]!;
      let state = Atomics.load(this.state, place);
      if (state === PENDING) {
        if (!wait) return;
        state = this.settled(place);
        if (!this.worker) return; // given up: nothing more comes back
      }
      if (state === READ || state === OPENED) closeSync(this.numbers[place * PLACE_FIELDS]!);
      this.inUse[place] = 0;
      this.passed.shift();
    }
  }

  /** The state of a place once the worker is done with it (NOT_OPENED when it was given up meanwhile). */
  private settled(place: number): number {
    let state = Atomics.load(this.state, place);
    if (state !== PENDING) return state;
    const until = Date.now() + GIVE_UP_AFTER_MS;
    while ((state = Atomics.load(this.state, place)) === PENDING) {
      if (!this.worker || Date.now() > until) {
        this.giveUp();
        return NOT_OPENED;
      }
      Atomics.wait(this.state, place, PENDING, 100);
    }
    return state;
  }

  /** Every file out is no longer wanted: left by the worker, or closed once it is done with it (before the listing's handle goes). */
  private letGo(): void {
    if (this.outFiles.length > 0 && isBefore(Atomics.load(this.skipBefore, 0), this.sent)) Atomics.store(this.skipBefore, 0, this.sent);
    while (this.outPlaces.length > 0) this.passed.push(this.outPlaces.shift()!);
    this.outFiles.length = 0;
    this.closePassed(true);
    this.listing = null;
  }

  /**
   * No more files to the worker. Files it still holds are not waited for: a worker that stopped
   * answering may never return them (their descriptors stay open until the process ends).
   */
  private giveUp(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    this.outFiles.length = 0;
    this.outPlaces.length = 0;
    this.passed.length = 0;
    this.listing = null;
    // Not sent yet: closed here (files handed over to hash and not sent are hashed after the walk, as if kept here).
    for (const fd of this.takeCloses()) closeSync(fd);
    for (const job of this.takeHashJobs()) closeSync(job.fd);
    void worker.terminate().catch(() => undefined);
  }
}
