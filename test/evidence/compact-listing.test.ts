/**
 * The compact listing of a mounted directory (DirectoryFs.listCompact) and the walk's WalkFiles
 * over it: the same entries, in the same order, as a listing built the plain way (readdir with
 * Buffer names, sorted by bytes, lstat per entry), on a tree with odd names (bytes that are not
 * UTF-8, a backslash, 255-byte names, multi-byte UTF-8, a folder whose own name is not UTF-8),
 * links, a FIFO and entries whose lstat fails; and the walk yields the same files in the same order
 * as over a file system without a compact listing.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as realFs from 'node:fs';
import path from 'node:path';
import type { EvidenceFs, FsEntry } from '../../src/evidence/fs.js';
import type { WalkIssue, WalkStats } from '../../src/walk/walker.js';
import { decodeName } from '../../src/util/text.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

// An entry whose lstat fails (root reads everything, so the failure is injected by name).
const UNREADABLE = 'unreadable-';
/** The base names src/ lstat'ed, when counting. */
let lstatted: string[] | null = null;
jest.unstable_mockModule('node:fs', () => ({
  ...realFs,
  default: realFs,
  lstatSync: (p: realFs.PathLike, o?: realFs.StatSyncOptions) => {
    lstatted?.push(path.basename(String(p)));
    if (path.basename(String(p)).startsWith(UNREADABLE)) throw Object.assign(new Error(`EACCES: permission denied, lstat '${String(p)}'`), { code: 'EACCES' });
    return realFs.lstatSync(p, o as never);
  },
}));
const { DirectoryFs } = await import('../../src/evidence/directory-fs.js');
const { walkDirectories } = await import('../../src/walk/walker.js');
const { fsLister } = await import('../../src/evidence/listing.js');

const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Writes `content` at dir/name (name as exact bytes). */
function put(dir: Buffer, name: Buffer, content: string): void {
  realFs.writeFileSync(Buffer.concat([dir, Buffer.from('/'), name]), content);
}

/** The plain listing, independently of src/: names as bytes sorted by bytes, a type per entry (links and FIFOs by their directory type), a size per file. */
function plainListing(abs: Buffer): Array<{ name: string; type: string; size: number; id: string | null; mtimeMs: number | null; nlink: number | null }> {
  const dirents = realFs.readdirSync(abs, { encoding: 'buffer', withFileTypes: true }).sort((a, b) => Buffer.compare(a.name, b.name));
  const out = [];
  for (const d of dirents) {
    const name = decodeName(d.name);
    if (d.isSymbolicLink()) out.push({ name, type: 'symlink', size: 0, id: null, mtimeMs: null, nlink: null });
    else if (d.isFIFO()) out.push({ name, type: 'other', size: 0, id: null, mtimeMs: null, nlink: null });
    else {
      if (d.name.toString('latin1').startsWith(UNREADABLE)) continue;
      const st = realFs.lstatSync(Buffer.concat([abs, Buffer.from('/'), d.name]));
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
      out.push({ name, type, size: type === 'file' ? st.size : 0, id: `${st.dev}:${st.ino}`, mtimeMs: st.mtimeMs, nlink: st.nlink });
    }
  }
  return out;
}

describe('compact listing', () => {
  let dir: string;
  let root: Buffer;
  const odd = bytes('odd-', [0xff, 0xfe], '.txt');
  const oddDir = bytes('dir-', [0xc3, 0x28]);
  beforeAll(() => {
    dir = tempDir('compact');
    root = Buffer.from(dir);
    const outside = tempDir('compact-outside');
    put(root, bytes('B.txt'), 'upper');
    put(root, bytes('a.txt'), 'lower');
    put(root, bytes('back\\slash.txt'), 'backslash');
    put(root, bytes('caf', [0xc3, 0xa9], '.doc'), 'utf8');
    put(root, odd, 'not utf-8');
    put(root, Buffer.from('L'.repeat(255)), 'long');
    put(root, bytes('x'.repeat(250), [0xe2, 0x82, 0xac]), 'long utf-8');
    put(root, bytes('.hidden'), 'h');
    put(root, bytes(`${UNREADABLE}1.txt`), 'cannot lstat');
    realFs.symlinkSync(outside, path.join(dir, 'escape'));
    realFs.symlinkSync('/etc/passwd', path.join(dir, 'passwd-link'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    realFs.mkdirSync(path.join(dir, 'sub'));
    put(Buffer.from(path.join(dir, 'sub')), bytes('inner.bin'), 'inner');
    realFs.linkSync(path.join(dir, 'a.txt'), path.join(dir, 'sub', 'hardlink.txt'));
    const od = Buffer.concat([root, Buffer.from('/'), oddDir]);
    realFs.mkdirSync(od);
    put(od, bytes('plain.txt'), 'under a non-UTF-8 folder');
    put(od, bytes('also-', [0x80], '.txt'), 'both odd');
    realFs.utimesSync(path.join(dir, 'a.txt'), 1_600_000_000.5, 1_600_000_000.125);
    realFs.rmSync(outside, { recursive: true });
  });
  afterAll(() => removeTree(dir));

  test('agrees with the plain listing: names, order, types, sizes, ids, times, links', () => {
    const fs = new DirectoryFs(dir, 'root');
    const listed = fs.listCompact(fs.root());
    const plain = plainListing(root);
    expect(listed.count).toBe(plain.length);
    expect(listed.unreadable).toEqual([{ name: `${UNREADABLE}1.txt`, code: 'EACCES', message: expect.stringContaining('permission denied') }]);
    for (let i = 0; i < listed.count; i++) {
      const want = plain[i]!;
      const e = listed.entry(i);
      expect([listed.name(i), listed.type(i), listed.size(i)]).toEqual([want.name, want.type, want.size]);
      expect([e.name, e.type, e.size, e.path]).toEqual([want.name, want.type, want.size, `/${want.name}`]);
      if (want.id !== null) {
        expect(e.id).toBe(want.id);
        expect(e.times.mtime!.sec * 1000 + e.times.mtime!.nsec / 1e6).toBeCloseTo(want.mtimeMs!, 3);
        expect(e.links).toBe(want.nlink);
      }
    }
    const names = Array.from({ length: listed.count }, (_, i) => listed.name(i));
    expect(names.slice(0, 4)).toEqual(['.hidden', 'B.txt', 'L'.repeat(255), 'a.txt']);
    expect(names).toContain('odd-\\xff\\xfe.txt');
    expect(names).toContain('back\\\\slash.txt');
    expect(names).toContain('caf\u00e9.doc');
    expect(listed.entry(names.indexOf('escape')).linkTarget).toMatch(/compact-outside/);
    expect(listed.entry(names.indexOf('pipe')).special).toBe('FIFO');
    const a = listed.entry(names.indexOf('a.txt'));
    expect(a.times.mtime).toEqual({ sec: 1_600_000_000, nsec: 125_000_000 });
    expect(a.links).toBe(2);
    expect(() => listed.entry(listed.count)).toThrow(RangeError);
    fs.close();
  });

  test('list() is the compact listing built whole; a file entry is built anew, equal each time', () => {
    const fs = new DirectoryFs(dir, 'root');
    const listed = fs.listCompact(fs.root());
    const whole = fs.list(fs.root());
    expect(whole.entries.length).toBe(listed.count);
    expect(whole.unreadable).toEqual(listed.unreadable);
    for (let i = 0; i < listed.count; i++) expect(listed.entry(i)).toEqual(whole.entries[i]);
    const i = Array.from({ length: listed.count }, (_, k) => listed.name(k)).indexOf('B.txt');
    expect(listed.entry(i)).not.toBe(listed.entry(i));
    expect(listed.entry(i)).toEqual(listed.entry(i));
    fs.close();
  });

  test('files reopen by their exact bytes, also under a folder whose name is not UTF-8', () => {
    const fs = new DirectoryFs(dir, 'root');
    const read = (e: FsEntry): string => {
      const src = fs.open(e);
      try {
        return src.read(0, src.size).toString();
      } finally {
        src.close();
      }
    };
    const top = fs.listCompact(fs.root());
    const byName = new Map(Array.from({ length: top.count }, (_, i) => [top.name(i), i]));
    expect(read(top.entry(byName.get('odd-\\xff\\xfe.txt')!))).toBe('not utf-8');
    expect(read(top.entry(byName.get('back\\\\slash.txt')!))).toBe('backslash');
    expect(read(top.entry(byName.get('caf\u00e9.doc')!))).toBe('utf8');
    expect(read(top.entry(byName.get('L'.repeat(255))!))).toBe('long');
    const sub = top.entry(byName.get('dir-\\xc3(')!);
    expect(sub.type).toBe('directory');
    const inner = fs.listCompact(sub);
    expect(Array.from({ length: inner.count }, (_, i) => inner.name(i))).toEqual(['also-\\x80.txt', 'plain.txt']);
    expect(read(inner.entry(0))).toBe('both odd');
    expect(read(inner.entry(1))).toBe('under a non-UTF-8 folder');
    expect(inner.entry(1).path).toBe('/dir-\\xc3(/plain.txt');
    fs.close();
  });

  test('the pairing lister (fsLister) reads the compact listing: the entries list() gives, links left out', () => {
    const fs = new DirectoryFs(dir, 'root');
    const fromList = (relDir: string): unknown[] =>
      fs
        .list(fs.lookup(relDir)!)
        .entries.filter((e) => !e.deleted && e.type !== 'symlink')
        .map((e) => ({ name: e.name, isDirectory: e.type === 'directory', size: e.type === 'file' ? e.size : 0 }));
    const lister = fsLister(fs);
    for (const relDir of ['', 'sub', 'dir-\\xc3(']) {
      const got = lister(relDir)!;
      expect(got).toEqual(fromList(relDir));
      expect(got.length).toBeGreaterThan(1);
    }
    expect(lister('')!.map((e) => e.name)).not.toContain('escape');
    expect(lister('')!.find((e) => e.name === 'pipe')).toEqual({ name: 'pipe', isDirectory: false, size: 0 });
    expect(lister('a.txt')).toBeNull();
    fs.close();
  });

  test("a walk's listing (deferFileStats) lstats no regular file: each file's identity, size, times and links come from its open", () => {
    const fs = new DirectoryFs(dir, 'root');
    const top = fs.root();
    lstatted = [];
    const listed = fs.listCompact(top, { deferFileStats: true });
    const calls = lstatted;
    lstatted = null;
    // Only what the directory does not say is a regular file: its two folders (links and the FIFO by their directory type).
    expect(calls.sort()).toEqual(['dir-\xc3(', 'sub'].map((n) => Buffer.from(n, 'latin1').toString()).sort());
    const plain = plainListing(root).filter((p) => !p.name.startsWith(UNREADABLE));
    const names = Array.from({ length: listed.count }, (_, i) => listed.name(i));
    expect(names.filter((n) => !n.startsWith(UNREADABLE))).toEqual(plain.map((p) => p.name));
    let files = 0;
    for (const want of plain) {
      const i = names.indexOf(want.name);
      expect(listed.type(i)).toBe(want.type);
      if (want.type !== 'file') continue;
      files++;
      expect(() => listed.size(i)).toThrow(/known once it is opened/);
      const e = listed.entry(i);
      expect([e.id, e.size, e.links]).toEqual([`path:/${want.name}`, 0, undefined]);
      const src = fs.open(e);
      src.close();
      expect([e.id, e.size, e.links, e.path]).toEqual([want.id, want.size, want.nlink, `/${want.name}`]);
      expect(e.times.mtime!.sec * 1000 + e.times.mtime!.nsec / 1e6).toBeCloseTo(want.mtimeMs!, 3);
      // The listing keeps the numbers: its size, and the entry built anew, are the open's.
      expect(listed.size(i)).toBe(want.size);
      expect(JSON.stringify(listed.entry(i))).toBe(JSON.stringify(e));
    }
    expect(files).toBe(8);
    expect(listed.entry(names.indexOf('a.txt')).times.mtime).toEqual({ sec: 1_600_000_000, nsec: 125_000_000 });
    listed.release?.();
    fs.close();
  });

  test("a walk's listing opens its files in the very directory it listed, and a file not opened while it held that directory is refused", () => {
    const base = tempDir('compact-held');
    try {
      realFs.mkdirSync(path.join(base, 'folder'));
      realFs.writeFileSync(path.join(base, 'folder', 'one.txt'), 'listed one');
      realFs.writeFileSync(path.join(base, 'folder', 'two.txt'), 'listed two');
      const fs = new DirectoryFs(base, 'root');
      const folder = fs.lookup('folder')!;
      const listed = fs.listCompact(folder, { deferFileStats: true });
      // The folder is moved away and another put at its path (a live system, or an adversary): the listing's files are the moved ones.
      realFs.renameSync(path.join(base, 'folder'), path.join(base, 'moved'));
      realFs.mkdirSync(path.join(base, 'folder'));
      realFs.writeFileSync(path.join(base, 'folder', 'one.txt'), 'planted');
      const one = listed.entry(0);
      const src = fs.open(one);
      expect(src.read(0, src.size).toString()).toBe('listed one');
      src.close();
      expect(one.id).toBe(`${realFs.statSync(path.join(base, 'moved', 'one.txt')).dev}:${realFs.statSync(path.join(base, 'moved', 'one.txt')).ino}`);
      // Once the directory handles are gone, a file listed without lstat has nothing to be checked against: not read.
      const two = listed.entry(1);
      listed.release?.();
      fs.close();
      expect(() => fs.open(two)).toThrow(/no longer held/);
    } finally {
      removeTree(base);
    }
  });

  test('the walk yields the same listings, files and issues as over a file system without a compact listing, once each file is opened', () => {
    const walk = (fs: EvidenceFs): { listings: unknown[]; issues: WalkIssue[]; stats: WalkStats } => {
      const issues: WalkIssue[] = [];
      const stats: WalkStats = { directories: 0, files: 0, symlinksSkipped: 0, specialSkipped: 0, otherDeviceSkipped: 0 };
      const listings = [];
      for (const l of walkDirectories(fs, fs.root(), '', { crossMounts: false, issues, stats })) {
        // As the scan does: each file opened once, right after its listing (a walk's listing takes a file's numbers from its open).
        const all = [...l.files];
        all.forEach((f, i) => expect([l.files.name(i), l.files.relPath(i)]).toEqual([f.name, f.relPath]));
        const files = all
          .filter((f) => !f.name.startsWith(UNREADABLE))
          .map((f) => {
            fs.open(f.entry).close();
            return { relPath: f.relPath, name: f.name, entry: f.entry };
          });
        // A file's entry is built anew when asked: once its file was opened, with the numbers of that open.
        expect(l.files.slice(1, 3)).toEqual(files.slice(1, 3));
        // The directory's own atime moves when it is listed (relatime): its identity is compared.
        const entries = l.entries.filter((e) => !e.name.startsWith(UNREADABLE));
        listings.push({ relDir: l.relDir, depth: l.depth, dir: [l.dir.id, l.dir.path, l.dir.name], entries, partial: l.partial, files });
      }
      return { listings, issues, stats };
    };
    const compact = new DirectoryFs(dir, 'root');
    const plainFs = new DirectoryFs(dir, 'root');
    // The same file system seen only through list(): the walker's fallback path.
    const listOnly: EvidenceFs = {
      kind: plainFs.kind,
      label: plainFs.label,
      warnings: plainFs.warnings,
      root: () => plainFs.root(),
      list: (d) => plainFs.list(d),
      lookup: (p, ci) => plainFs.lookup(p, ci),
      open: (e, s) => plainFs.open(e, s),
      close: () => plainFs.close(),
    };
    const a = walk(compact);
    const b = walk(listOnly);
    // The one difference: a walk's listing does not lstat a regular file, so the file whose lstat
    // fails is listed (its open is what the scan reports), where the plain listing could not list it.
    expect(a.stats).toEqual({ ...b.stats, files: b.stats.files + 1 });
    expect(a.issues).toEqual(b.issues.filter((i) => !i.path.startsWith(UNREADABLE)));
    expect(a.listings.length).toBe(b.listings.length);
    // Entries carry their owner DirectoryFs under a symbol: compare what the scan reads.
    const shown = (x: { listings: unknown[] }): string => JSON.stringify(x.listings, (k, v: unknown) => (k === 'partial' ? undefined : v));
    expect(shown(a)).toBe(shown(b));
    expect((a.listings as Array<{ partial: boolean }>).map((l) => l.partial)).toEqual([false, false, false]);
    expect(b.stats).toEqual({ directories: 3, files: 12, symlinksSkipped: 2, specialSkipped: 1, otherDeviceSkipped: 0 });
    expect(b.issues.map((i) => [i.path, i.code])).toEqual([
      [`${UNREADABLE}1.txt`, 'EACCES'],
      ['escape', 'ESYMLINK'],
      ['passwd-link', 'ESYMLINK'],
      ['pipe', 'ESPECIAL'],
    ]);
    const top = b.listings[0] as { partial: boolean; files: Array<{ relPath: string }> };
    expect(top.partial).toBe(true);
    expect(top.files.map((f) => f.relPath)).toEqual(['.hidden', 'B.txt', 'L'.repeat(255), 'a.txt', 'back\\\\slash.txt', 'caf\u00e9.doc', 'odd-\\xff\\xfe.txt', `${'x'.repeat(250)}\u20ac`]);
    compact.close();
    plainFs.close();
  });
});
