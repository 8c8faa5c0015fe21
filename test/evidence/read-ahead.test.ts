/**
 * The walk's files opened and their heads read ahead by a worker thread (src/evidence/read-ahead.ts):
 * every file gives what opening it on this thread gives (numbers, head, content, the O_NOATIME audit),
 * files changed after the listing fail as they do without it (same codes and messages), nothing the
 * worker opened stays open, a worker that is gone leaves the walk to open files itself, and a scan's
 * report is the same with and without it. The worker is the compiled dist/evidence/read-ahead-worker.js
 * (npm test builds first), so the built modules are imported.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { describeIf, DIST_MISSING } from '../helpers/corpus.js';
import { xorshiftBytes } from '../helpers/random.js';
import { BIN } from '../helpers/cli.js';
import { writeSparseZip } from '../helpers/sparse-zip.js';
import { countTakes, descriptorsBackTo, expectSameReport, openDescriptors, scanBothWays } from '../helpers/workers.js';
import type { AtimeAudit, OpenedFile } from '../../src/evidence/reader.js';
import type { DirectoryFs as DirectoryFsType } from '../../src/evidence/directory-fs.js';
import type { FsEntry as FsEntryType } from '../../src/evidence/fs.js';
import type { hashSource as HashSourceFn } from '../../src/evidence/hash-source.js';
import type { ReadAhead as ReadAheadType, ReadAheadListing } from '../../src/evidence/read-ahead.js';
import type { walkDirectories as WalkFn } from '../../src/walk/walker.js';

const WORKER = path.resolve('dist/evidence/read-ahead-worker.js');
const built = existsSync(WORKER);
if (!built && process.env.CI === 'true') throw new Error(`${WORKER} is missing: run npm run build`);

type DirectoryFsClass = new (root: string, label?: string, audit?: AtimeAudit) => DirectoryFsType;
type ReadAheadClass = typeof ReadAheadType;
type ScanFn = (o: Record<string, unknown>) => Promise<{ findings: unknown[]; errors: unknown[]; timeline: unknown[]; summary: unknown }>;

const HEAD = 4100;
/** Sizes around the head's length and the read-ahead's page: empty, short, exactly the head, longer. */
const SIZES = [0, 1, 100, 4095, 4096, 4099, 4100, 4101, 9000];

function content(i: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let k = 0; k < size; k++) out[k] = (i * 31 + k * 7) & 0xff;
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describeIf(built, DIST_MISSING)('read-ahead', () => {
  let DirectoryFs: DirectoryFsClass;
  let ReadAhead: ReadAheadClass;
  /** The states of a place the worker is done with. */
  const settled: number[] = [];
  let walkDirectories: typeof WalkFn;
  let hashSource: typeof HashSourceFn;
  let scan: ScanFn;
  let limits: { readAheadAfterFiles: number };
  let root: string;

  beforeAll(async () => {
    ({ DirectoryFs } = (await import(path.resolve('dist/evidence/directory-fs.js'))) as { DirectoryFs: DirectoryFsClass });
    ({ ReadAhead, READ: settled[0], NOT_OPENED: settled[1], OPENED: settled[2] } = (await import(path.resolve('dist/evidence/read-ahead.js'))) as { ReadAhead: ReadAheadClass; READ: number; NOT_OPENED: number; OPENED: number });
    ({ walkDirectories } = (await import(path.resolve('dist/walk/walker.js'))) as { walkDirectories: typeof WalkFn });
    ({ hashSource } = (await import(path.resolve('dist/evidence/hash-source.js'))) as { hashSource: typeof HashSourceFn });
    ({ scan } = (await import(path.resolve('dist/pipeline/scan.js'))) as { scan: ScanFn });
    ({ LIMITS: limits } = (await import(path.resolve('dist/util/limits.js'))) as { LIMITS: { readAheadAfterFiles: number } });
    root = tempDir('read-ahead');
    // 300 files in one folder (more than the worker is sent at once), odd names, and two subfolders.
    const big = path.join(root, 'Windows', 'Temp');
    mkdirSync(big, { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(path.join(big, `f${String(i).padStart(3, '0')}.bin`), content(i, SIZES[i % SIZES.length]!));
    const odd = Buffer.from(path.join(root, 'Users'));
    mkdirSync(odd, { recursive: true });
    writeFileSync(Buffer.concat([odd, Buffer.from('/caf\xe9-latin1.txt', 'latin1')]), 'not UTF-8 name');
    writeFileSync(path.join(root, 'Users', 'back\\slash.txt'), 'a backslash');
    writeFileSync(path.join(root, 'Users', 'ünïcode.txt'), content(7, 5000));
    mkdirSync(path.join(root, 'Users', 'empty'));
  });
  afterAll(() => removeTree(root));

  /** Walks `fs` and opens every `step`-th file of each folder: what each gives, in walk order. */
  function walkAndRead(fs: DirectoryFsType, step = 1): Array<Record<string, unknown>> {
    const issues: never[] = [];
    const stats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
    const out: Array<Record<string, unknown>> = [];
    for (const listing of walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats })) {
      for (let i = 0; i < listing.files.length; i += step) {
        const file = listing.files.file(i);
        let opened;
        try {
          opened = fs.open(file.entry);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          out.push({ path: file.relPath, code: e.code, message: e.message });
          continue;
        }
        try {
          const head = opened.read(0, Math.min(HEAD, opened.size));
          const all = opened.read(0, opened.size);
          const { id, size, times, mode, uid, gid, links, readOnly } = file.entry;
          out.push({ path: file.relPath, id, size, times, mode, uid, gid, links, readOnly, head: sha(head), all: sha(all) });
        } finally {
          opened.close();
        }
      }
    }
    return out;
  }

  test('every walked file gives what opening it here gives, and the worker opened some of them', () => {
    const takes = countTakes(ReadAhead);
    const auditHere = { preserved: 0, mayChange: 0 };
    const here = new DirectoryFs(root, 'r', auditHere);
    const expected = walkAndRead(here);
    here.close();
    const auditAhead = { preserved: 0, mayChange: 0 };
    const ahead = new DirectoryFs(root, 'r', auditAhead);
    expect(ahead.startReadAhead(HEAD)).not.toBeNull();
    const got = walkAndRead(ahead);
    ahead.close();
    takes.restore();
    expect(got).toEqual(expected);
    expect(expected).toHaveLength(303);
    expect(auditAhead).toEqual(auditHere);
    // Files came from the worker. How many depends on the cores free: a walk that outruns a worker kept off its core
    // opens the files itself, by design (CI's parallel test workers on two cores left it 86 of 303 once, against
    // more than 150 on a quiet machine); the share is measured by the bench (docs/performance.md, "Heads read ahead").
    expect(takes.served).toBeGreaterThan(0);
  });

  test('a worker started on standby (as bin/stagehunt.js starts it for scan) is the one the walk takes, given its ring in its first message', async () => {
    const { startReadAheadStandby, READ_AHEAD_WORKER_URL } = (await import(path.resolve('dist/evidence/read-ahead-standby.js'))) as { startReadAheadStandby(): void; READ_AHEAD_WORKER_URL: URL };
    const { standbysStarted, dropStandbys } = (await import(path.resolve('dist/evidence/ahead-worker.js'))) as { standbysStarted(): void; dropStandbys(): void };
    const standbys = (): Map<string, { worker: { threadId: number } }> => ((globalThis as Record<symbol, unknown>)[Symbol.for('stagehunt.aheadWorkerStandby')] ?? new Map()) as Map<string, { worker: { threadId: number } }>;
    const { readAheadAfterFiles } = (await import(path.resolve('dist/evidence/read-ahead.js'))) as { readAheadAfterFiles(): number };
    const { LIMITS } = (await import(path.resolve('dist/util/limits.js'))) as { LIMITS: { readAheadAfterFiles: number; readAheadWithStandbyAfterFiles: number } };
    expect(LIMITS.readAheadWithStandbyAfterFiles).toBeLessThan(LIMITS.readAheadAfterFiles);
    const here = new DirectoryFs(root, 'r');
    const expected = walkAndRead(here);
    here.close();
    // No worker running: a walk starts one only once it has inspected LIMITS.readAheadAfterFiles files.
    expect(readAheadAfterFiles()).toBe(LIMITS.readAheadAfterFiles);
    startReadAheadStandby();
    const standby = standbys().get(READ_AHEAD_WORKER_URL.href);
    expect(standby).toBeDefined();
    // One on standby: the walk takes it after a few files (pipeline/scan.ts).
    expect(readAheadAfterFiles()).toBe(LIMITS.readAheadWithStandbyAfterFiles);
    // Started twice, still one.
    startReadAheadStandby();
    expect(standbys().size).toBe(1);
    standbysStarted();
    const takes = countTakes(ReadAhead);
    const ahead = new DirectoryFs(root, 'r');
    const online = ahead.startReadAhead(HEAD);
    expect(online).not.toBeNull();
    await online;
    // Taken: no longer on standby, and it is the worker the read-ahead works with.
    expect(standbys().size).toBe(0);
    expect(readAheadAfterFiles()).toBe(LIMITS.readAheadAfterFiles);
    expect((ahead as unknown as { readAhead: { worker: { threadId: number } } }).readAhead.worker.threadId).toBe(standby!.worker.threadId);
    const got = walkAndRead(ahead);
    ahead.close();
    takes.restore();
    expect(got).toEqual(expected);
    expect(takes.served).toBeGreaterThan(0);
    // One not taken is ended by dropStandbys; the next read-ahead starts its own worker.
    startReadAheadStandby();
    const unused = standbys().get(READ_AHEAD_WORKER_URL.href)!.worker as unknown as { once(e: 'exit', f: () => void): void };
    const ended = new Promise<void>((resolve) => unused.once('exit', resolve));
    dropStandbys();
    expect(standbys().size).toBe(0);
    await ended;
    const own = new DirectoryFs(root, 'r');
    expect(own.startReadAhead(HEAD)).not.toBeNull();
    expect(walkAndRead(own)).toEqual(expected);
    own.close();
  });

  test('files changed after the listing fail as they do without the worker: same codes and messages', () => {
    const dir = tempDir('read-ahead-changed');
    try {
      mkdirSync(path.join(dir, 'd'));
      for (let i = 0; i < 260; i++) writeFileSync(path.join(dir, 'd', `f${String(i).padStart(3, '0')}`), `file ${i}`);
      const results: Array<Array<Record<string, unknown>>> = [];
      const takes = countTakes(ReadAhead);
      for (const readAhead of [false, true]) {
        const fs = new DirectoryFs(dir, 'c');
        if (readAhead) fs.startReadAhead(HEAD);
        const issues: never[] = [];
        const stats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
        const out: Array<Record<string, unknown>> = [];
        for (const listing of walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats })) {
          if (listing.relDir === 'd') {
            // Past the files sent at the listing (the worker meets these when the walk gets near them).
            const at = (n: number): string => path.join(dir, 'd', `f${n}`);
            unlinkSync(at(200));
            execFileSync('mkfifo', [at(200)]);
            unlinkSync(at(201));
            symlinkSync('/etc/passwd', at(201));
            unlinkSync(at(202));
            unlinkSync(at(203));
            mkdirSync(at(203));
          }
          for (const file of listing.files) {
            // A pause before the changed files: the worker gets to them (and past them) first, so they fail in its hands.
            if (file.relPath === 'd/f150') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
            try {
              const opened = fs.open(file.entry);
              out.push({ path: file.relPath, text: opened.read(0, opened.size).toString() });
              opened.close();
            } catch (err) {
              const e = err as NodeJS.ErrnoException;
              out.push({ path: file.relPath, code: e.code, message: e.message });
            }
          }
        }
        fs.close();
        results.push(out);
        // Put the folder back for the next round.
        rmSync(path.join(dir, 'd'), { recursive: true, force: true });
        mkdirSync(path.join(dir, 'd'));
        for (let i = 0; i < 260; i++) writeFileSync(path.join(dir, 'd', `f${String(i).padStart(3, '0')}`), `file ${i}`);
      }
      takes.restore();
      const [here, ahead] = results;
      expect(ahead).toEqual(here);
      const failed = here!.filter((r) => r.code !== undefined);
      expect(failed.map((r) => [r.path, r.code])).toEqual([
        ['d/f200', 'ESPECIAL'],
        ['d/f201', 'ELOOP'],
        ['d/f202', 'ENOENT'],
        ['d/f203', 'ESPECIAL'],
      ]);
      // Named by their place in the root, never by a handle path.
      for (const r of failed) expect(String(r.message)).not.toContain('/proc/self/fd');
      // The files sent before the pause (151 to at least 246, less the four changed ones) came from the worker.
      expect(takes.served).toBeGreaterThanOrEqual(80);
    } finally {
      removeTree(dir);
    }
  });

  test('nothing the worker opened stays open: files passed over, a listing let go early, the end', async () => {
    const before = openDescriptors();
    const fs = new DirectoryFs(root, 'r');
    fs.startReadAhead(HEAD);
    // Every third file taken: the others are closed unread.
    const got = walkAndRead(fs, 3);
    expect(got.length).toBeGreaterThan(90);
    // A listing whose files were sent and never taken.
    const issues: never[] = [];
    const stats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
    const walk = walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats });
    for (const listing of walk) if (listing.relDir === 'Windows/Temp') break;
    fs.close();
    expect(await descriptorsBackTo(before)).toBe(before);
  });

  test('the worker protocol: regular files open with their heads; what it cannot open is left to this thread', async () => {
    const dir = tempDir('read-ahead-protocol');
    try {
      writeFileSync(path.join(dir, 'a'), content(1, 6000));
      writeFileSync(path.join(dir, 'b'), '');
      execFileSync('mkfifo', [path.join(dir, 'fifo')]);
      symlinkSync(path.join(dir, 'a'), path.join(dir, 'link'));
      mkdirSync(path.join(dir, 'sub'));
      const names = ['a', 'b', 'fifo', 'link', 'missing', 'sub', 'a'];
      const listing: ReadAheadListing = { fileCount: names.length, hostPathOfFile: (f) => path.join(dir, names[f]!) };
      const audit = { preserved: 0, mayChange: 0 };
      const ra = new ReadAhead(HEAD, audit);
      await ra.online;
      ra.begin(listing);
      // Wait until the worker is done with all of them, so that none is taken over by this thread.
      await new Promise((r) => setTimeout(r, 200));
      const opened: Array<OpenedFile | null> = names.map((name, f) => ra.take(listing, f, name));
      expect(opened.map((o) => o !== null)).toEqual([true, true, false, false, false, false, true]);
      expect(opened[0]!.size).toBe(6000);
      expect(opened[0]!.source.read(0, HEAD)).toEqual(content(1, 6000).subarray(0, HEAD));
      expect(opened[0]!.source.read(5000, 1000)).toEqual(content(1, 6000).subarray(5000));
      expect(opened[1]!.size).toBe(0);
      expect(audit.preserved + audit.mayChange).toBe(3);
      for (const o of opened) o?.close();
      const before = openDescriptors();
      ra.close();
      expect(openDescriptors()).toBeLessThanOrEqual(before);
    } finally {
      removeTree(dir);
    }
  });

  /** A read-ahead whose requests to the worker are held back until `release` (test only: this thread comes to the files first). */
  async function heldReadAhead(): Promise<{ ra: ReadAheadType; inside: { state: Int32Array; numbers: Float64Array; handled: Int32Array; closePassed(wait: boolean): void }; release(): void; held: unknown[] }> {
    const ra = new ReadAhead(HEAD, { preserved: 0, mayChange: 0 });
    await ra.online;
    const inside = ra as unknown as { post(request: unknown): void; state: Int32Array; numbers: Float64Array; handled: Int32Array; closePassed(wait: boolean): void };
    const held: unknown[] = [];
    const post = inside.post.bind(ra);
    inside.post = (request) => void held.push(request);
    const release = (): void => {
      if (held.length === 0) return;
      inside.post = post;
      const before = Atomics.load(inside.handled, 0);
      for (const request of held.splice(0)) post(request);
      while (Atomics.load(inside.handled, 0) === before) Atomics.wait(inside.handled, 0, before, 100);
    };
    return { ra, inside, release, held };
  }

  test('a file this thread reaches before the worker: it opens that one and the next SKIP_LEAD itself, and the worker leaves them unopened', async () => {
    const { SKIP_LEAD, PLACE_FIELDS, isBefore } = (await import(path.resolve('dist/evidence/read-ahead.js'))) as { SKIP_LEAD: number; PLACE_FIELDS: number; isBefore(a: number, b: number): boolean };
    // Files are counted modulo 2^32: one counted just past the wrap comes after one just before it.
    expect([isBefore(4, 5), isBefore(5, 5), isBefore(6, 5), isBefore(0x7fffffff, -0x80000000), isBefore(-1, 0), isBefore(0, -1)]).toEqual([true, false, false, true, true, false]);
    const dir = tempDir('read-ahead-skip');
    try {
      const count = SKIP_LEAD + 12;
      const names = Array.from({ length: count }, (_, i) => `f${i}`);
      names.forEach((name, i) => writeFileSync(path.join(dir, name), content(i, 5000)));
      const listing: ReadAheadListing = { fileCount: count, hostPathOfFile: (f) => path.join(dir, names[f]!) };
      const before = openDescriptors();
      const { ra, inside, release, held } = await heldReadAhead();
      ra.begin(listing); // every file sent, in places 0 to count - 1, held back
      expect(held).toHaveLength(1);
      const untouched = -7;
      for (let place = 0; place < count; place++) inside.numbers[place * PLACE_FIELDS] = untouched;
      // File 3 first: 0-2 passed over, 3 not opened by the worker yet (null: this thread opens it).
      expect(ra.take(listing, 3, names[3]!)).toBeNull();
      release();
      const left = 3 + 1 + SKIP_LEAD;
      const states = Array.from({ length: count }, (_, place) => Atomics.load(inside.state, place));
      expect(states).toEqual([...Array<number>(left).fill(settled[1]!), ...Array<number>(count - left).fill(settled[0]!)]);
      // Left unopened: no descriptor written to those places.
      expect(Array.from({ length: left }, (_, place) => inside.numbers[place * PLACE_FIELDS])).toEqual(Array(left).fill(untouched));
      // The next SKIP_LEAD files are this thread's to open; the rest come from the worker, heads whole.
      for (let f = 4; f < left; f++) expect(ra.take(listing, f, names[f]!)).toBeNull();
      for (let f = left; f < count; f++) {
        const opened = ra.take(listing, f, names[f]!);
        expect(opened?.source.read(0, HEAD)).toEqual(content(f, 5000).subarray(0, HEAD));
        opened!.close();
      }
      ra.close();
      expect(await descriptorsBackTo(before)).toBeLessThanOrEqual(before);
    } finally {
      removeTree(dir);
    }
  });

  test('a listing let go with files still out: the worker leaves those it has not begun', async () => {
    const { PLACE_FIELDS } = (await import(path.resolve('dist/evidence/read-ahead.js'))) as { PLACE_FIELDS: number };
    const dir = tempDir('read-ahead-let-go');
    try {
      const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
      names.forEach((name, i) => writeFileSync(path.join(dir, name), content(i, 100)));
      const listing: ReadAheadListing = { fileCount: names.length, hostPathOfFile: (f) => path.join(dir, names[f]!) };
      const before = openDescriptors();
      const { ra, inside, release } = await heldReadAhead();
      ra.begin(listing);
      const untouched = -7;
      for (let place = 0; place < names.length; place++) inside.numbers[place * PLACE_FIELDS] = untouched;
      expect(ra.take(listing, 0, names[0]!)).toBeNull();
      // The requests reach the worker only once the listing is being let go (its files still out are waited for then).
      const { closePassed } = inside;
      inside.closePassed = (wait) => {
        if (wait) release();
        closePassed.call(ra, wait);
      };
      ra.release(listing);
      inside.closePassed = closePassed;
      const states = Array.from({ length: names.length }, (_, place) => Atomics.load(inside.state, place));
      expect(states).toEqual(Array(names.length).fill(settled[1]));
      expect(Array.from({ length: names.length }, (_, place) => inside.numbers[place * PLACE_FIELDS])).toEqual(Array(names.length).fill(untouched));
      ra.close();
      expect(await descriptorsBackTo(before)).toBeLessThanOrEqual(before);
    } finally {
      removeTree(dir);
    }
  });

  test('heads come back whole from places whose stride is the head rounded up to 8 (the worker and this thread agree on it)', async () => {
    const { placeBytesFor } = (await import(path.resolve('dist/evidence/read-ahead.js'))) as { placeBytesFor: (h: number) => number };
    for (const h of [1, 7, 8, 9, 13, 4095, 4096, 4097, 4100]) {
      const p = placeBytesFor(h);
      expect(p % 8).toBe(0);
      expect(p - h >= 0 && p - h < 8).toBe(true);
    }
    const dir = tempDir('read-ahead-stride');
    try {
      // 13-byte heads in 16-byte places: files shorter, as long and longer, each with bytes of its own.
      const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
      names.forEach((name, i) => writeFileSync(path.join(dir, name), content(i + 1, i % 21)));
      const listing: ReadAheadListing = { fileCount: names.length, hostPathOfFile: (f) => path.join(dir, names[f]!) };
      const ra = new ReadAhead(13, { preserved: 0, mayChange: 0 });
      await ra.online;
      ra.begin(listing);
      await new Promise((r) => setTimeout(r, 200));
      let fromWorker = 0;
      names.forEach((name, i) => {
        const opened = ra.take(listing, i, name);
        if (!opened) return;
        fromWorker++;
        expect(opened.source.read(0, 13)).toEqual(content(i + 1, i % 21).subarray(0, 13));
        opened.close();
      });
      expect(fromWorker).toBeGreaterThan(30);
      ra.close();
    } finally {
      removeTree(dir);
    }
  });

  test('a worker that is gone leaves every file to this thread', async () => {
    const dir = tempDir('read-ahead-gone');
    try {
      for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `f${i}`), `file ${i}`);
      const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
      const listing: ReadAheadListing = { fileCount: names.length, hostPathOfFile: (f) => path.join(dir, names[f]!) };
      const ra = new ReadAhead(HEAD, { preserved: 0, mayChange: 0 });
      await ra.online;
      await (ra as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      await new Promise((r) => setImmediate(r)); // its 'exit' handled
      ra.begin(listing);
      expect(names.map((n, f) => ra.take(listing, f, n))).toEqual(names.map(() => null));
      ra.close();
    } finally {
      removeTree(dir);
    }
  });

  /** Until restored, `take` first waits (up to `ms`) for the file it asks for when the worker was sent it and has not opened it yet. Reaches into the read-ahead's places (test only). */
  function waitForSentFiles(ms: number): { restore(): void } {
    interface Inside {
      take(listing: unknown, file: number, name: string): unknown;
      worker: unknown;
      listing: unknown;
      outFiles: number[];
      outPlaces: number[];
      state: Int32Array;
    }
    const proto = ReadAhead.prototype as unknown as Inside;
    const { take } = proto;
    proto.take = function (this: Inside, listing: unknown, file: number, name: string) {
      if (this.worker && this.listing === listing && this.outFiles[0] === file) {
        const place = this.outPlaces[0]!;
        const now = Atomics.load(this.state, place);
        if (!settled.includes(now)) Atomics.wait(this.state, place, now, ms);
      }
      return take.call(this, listing, file, name);
    };
    return { restore: () => void (proto.take = take) };
  }

  test('files handed over to hash give what hashing them after the walk gives, once each, and none stays open', () => {
    const dir = tempDir('read-ahead-hash');
    try {
      mkdirSync(path.join(dir, 'd'));
      for (let i = 0; i < 300; i++) writeFileSync(path.join(dir, 'd', `f${String(i).padStart(3, '0')}`), content(i, SIZES[i % SIZES.length]!));
      // Several chunks (the worker serves the walk's opens between them) and over the cap of 5 MiB.
      writeFileSync(path.join(dir, 'd', 'large.bin'), xorshiftBytes(3 * 1024 * 1024 + 17, 99));
      writeFileSync(path.join(dir, 'd', 'over-cap.bin'), xorshiftBytes(5 * 1024 * 1024 + 1, 98));
      const hashing = { algorithms: ['sha256', 'md5'] as const, maxSize: 5 * 1024 * 1024 };
      const before = openDescriptors();
      const audit = { preserved: 0, mayChange: 0 };
      const fs = new DirectoryFs(dir, 'h', audit);
      expect(fs.startReadAhead(HEAD, { algorithms: [...hashing.algorithms], maxSize: hashing.maxSize })).not.toBeNull();
      const handed: Array<{ relPath: string; entry: FsEntryType }> = [];
      const issues: never[] = [];
      const stats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
      for (const listing of walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats })) {
        for (let i = 0; i < listing.files.length; i++) {
          const file = listing.files.file(i);
          const opened = fs.open(file.entry);
          opened.read(0, Math.min(HEAD, opened.size));
          // Every other file and the large ones are handed over (a walk hands over only the files with candidates).
          if ((i % 2 === 0 || file.name.endsWith('.bin')) && opened.hashAhead?.()) handed.push({ relPath: file.relPath, entry: fs.forReopen(file.entry) });
          opened.close(); // nothing for a file handed over
        }
      }
      fs.close();
      expect(handed.length).toBeGreaterThan(120);
      expect(handed.filter((h) => h.relPath.endsWith('.bin'))).toHaveLength(2);
      const opensOfWalk = audit.preserved + audit.mayChange;
      // What a reopen after the walk gives, on a root without the worker.
      const again = new DirectoryFs(dir, 'h');
      for (const { relPath, entry } of handed) {
        const reopened = again.open(again.lookup(relPath, false)!);
        const expected = hashSource(reopened, hashing.algorithms, hashing.maxSize);
        reopened.close();
        expect([relPath, fs.takeHashedAhead(entry)]).toEqual([relPath, expected]);
        expect(fs.takeHashedAhead(entry)).toBeUndefined();
      }
      again.close();
      // Each outcome taken counts as the reopen it stands for.
      expect(audit.preserved + audit.mayChange).toBe(opensOfWalk + handed.length);
      expect(openDescriptors()).toBeLessThanOrEqual(before);
    } finally {
      removeTree(dir);
    }
  });

  test("the walk's end waits for the worker's hashing with the event loop turning (a signal is handled meanwhile)", async () => {
    const dir = tempDir('read-ahead-settle');
    try {
      // Large enough that the worker is still hashing it when the walk ends (hundreds of ms).
      const big = Buffer.alloc(160 * 1024 * 1024, 7);
      writeFileSync(path.join(dir, 'big.bin'), big);
      const fs = new DirectoryFs(dir, 's', { preserved: 0, mayChange: 0 });
      expect(fs.startReadAhead(HEAD, { algorithms: ['sha256'], maxSize: 1024 ** 3 })).not.toBeNull();
      let entry: FsEntryType | null = null;
      for (const listing of walkDirectories(fs, fs.root(), '', { crossMounts: false, issues: [], stats: { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 } })) {
        for (let i = 0; i < listing.files.length; i++) {
          const file = listing.files.file(i); // the entry keeps the id of its file handed over
          const opened = fs.open(file.entry);
          if (opened.hashAhead?.()) entry = fs.forReopen(file.entry);
          opened.close();
        }
      }
      expect(entry).not.toBeNull();
      let settled = false;
      let timerBeforeSettled: boolean | null = null;
      setTimeout(() => (timerBeforeSettled = !settled), 20);
      await fs.hashedAheadSettled();
      settled = true;
      fs.close();
      expect(timerBeforeSettled).toBe(true);
      expect(fs.takeHashedAhead(entry!)).toEqual({ size: big.length, status: 'hashed', hashes: { sha256: sha(big) } });
    } finally {
      removeTree(dir);
    }
  });

  test('the CLI ends normally while the walk waits for the worker to hash a large file (the wait holds the process open)', () => {
    const dir = tempDir('read-ahead-cli');
    try {
      // More plain files than the read-ahead waits for, walked first, then a 1 GiB staged archive
      // that the worker hashes while the walk is already over.
      const root = path.join(dir, 'root');
      mkdirSync(path.join(root, 'AAA'), { recursive: true });
      for (let i = 0; i < limits.readAheadAfterFiles + 100; i++) writeFileSync(path.join(root, 'AAA', `f${String(i).padStart(5, '0')}.txt`), `note ${i}\n`);
      mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
      const staged = path.join(root, 'Windows', 'Temp', 'staged.zip');
      writeSparseZip(staged, 'payroll-2024.xlsx', 1024 ** 3);
      const out = path.join(dir, 'report.json');
      const run = spawnSync(process.execPath, [BIN, 'scan', root, '--scope', 'all', '--hash', 'all', '-f', 'json', '-q', '-o', out], { encoding: 'utf8', timeout: 120_000 });
      expect([run.status, run.stderr]).toEqual([0, '']);
      const report = JSON.parse(readFileSync(out, 'utf8')) as { meta: { hashes: Array<{ path: string; status: string; size: number }> } };
      expect(report.meta.hashes.find((h) => h.path === 'Windows/Temp/staged.zip')).toMatchObject({ status: 'hashed', size: statSync(staged).size });
    } finally {
      removeTree(dir);
    }
  });

  test("a scan's report is the same with the read-ahead as without it", async () => {
    const tree = tempDir('read-ahead-scan');
    const saved = limits.readAheadAfterFiles;
    try {
      // Ordinary notes first (the worker is started among them), then a staging folder of random blobs and damaged ZIPs read ahead.
      for (const dir of ['Users/bob/Documents', 'Windows/Temp/stage']) mkdirSync(path.join(tree, dir), { recursive: true });
      for (let i = 0; i < 400; i++) writeFileSync(path.join(tree, 'Users/bob/Documents', `note${i}.txt`), `note ${i}\n`.repeat(1 + (i % 50)));
      for (let i = 0; i < 200; i++) writeFileSync(path.join(tree, 'Windows/Temp/stage', `part${i}.dat`), xorshiftBytes(9000 + i, 0x1234 + i));
      for (let i = 0; i < 100; i++) writeFileSync(path.join(tree, 'Windows/Temp/stage', `c${i}.tmp`), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), content(i, 300)]));
      limits.readAheadAfterFiles = 50;
      const options = { roots: [tree], os: 'auto', scope: 'all', now: () => new Date(0) };
      // How far ahead of the walk the worker runs depends on the machine: here the walk waits for
      // the file the worker has been sent and not yet opened (up to 100 ms), so what is served does not depend on the scheduler.
      const { ahead, here, served } = await scanBothWays(scan, options, ReadAhead, waitForSentFiles(100));
      expect(served).toBeGreaterThan(300);
      expect(ahead.findings.length).toBeGreaterThan(250);
      expectSameReport(ahead, here);
      // With --hash, the files behind findings the worker hashed during the walk: the same hashes,
      // custody records and O_NOATIME audit (each outcome counted as the reopen it stands for).
      const hashing = { ...options, hash: { mode: 'findings', algorithms: ['sha256', 'sha1'], maxSize: 4 * 1024 ** 3 } };
      const hashedAhead = countTakes(DirectoryFs, 'takeHashedAhead');
      const waiting = waitForSentFiles(100);
      const both = await scanBothWays(scan, hashing, ReadAhead, { restore: () => (hashedAhead.restore(), waiting.restore()) });
      type Meta = { meta: { hashes: Array<{ status: string }>; atime: unknown } };
      const [a, h] = [both.ahead as unknown as Meta, both.here as unknown as Meta];
      expect(a.meta.hashes.length).toBeGreaterThan(150);
      expect(a.meta.hashes.every((r) => r.status === 'hashed')).toBe(true);
      expect(hashedAhead.served).toBeGreaterThan(100);
      expectSameReport(both.ahead, both.here);
      expect(JSON.stringify(a.meta.hashes)).toBe(JSON.stringify(h.meta.hashes));
      expect(a.meta.atime).toEqual(h.meta.atime);
    } finally {
      limits.readAheadAfterFiles = saved;
      removeTree(tree);
    }
  }, 60_000);
});
