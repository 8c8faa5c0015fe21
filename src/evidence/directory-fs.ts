/**
 * EvidenceFs over a mounted directory (or a live file system), with the safeguards of the walker
 * and reader: lstat only (a symlink is listed as a link, never followed; its target is read for
 * display), no descent onto another device, special files listed as 'other' and never opened,
 * files opened read-only with O_NOATIME / O_NOFOLLOW / O_NONBLOCK and checked by fstat
 * (openEvidenceFile), every path checked to stay inside the root. Names that are not UTF-8 are
 * listed through Buffer paths, so they can still be opened.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { compareEntries, lookupPath, MAX_FS_LISTING, warn, type EvidenceFs, type FsEntry, type FsEntryType, type FsListing, type FsTime, type OpenedSource } from './fs.js';
import { openEvidenceFile, type AtimeAudit, type OpenedFile } from './reader.js';
import { fsPathOf } from './paths.js';
import { decodeName } from '../util/text.js';

/** Ids remembered for reopening by entry (beyond this, entries are reopened by their path). */
const MAX_REMEMBERED_PATHS = 2_000_000;

function nsTime(ns: bigint): FsTime {
  const sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  let s = sec;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nsec: Number(nsec) };
}

function typeOf(st: BigIntStats): FsEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export class DirectoryFs implements EvidenceFs {
  readonly kind = 'directory';
  readonly warnings: string[] = [];
  readonly abs: string;
  private readonly dev: bigint;
  private readonly paths = new Map<string, Buffer>();
  private readonly opened = new Set<OpenedFile>();

  constructor(
    root: string,
    readonly label: string = path.basename(root),
    private readonly audit: AtimeAudit = { preserved: 0, mayChange: 0 },
    /** Enter directories on other devices (mount points); without it they are listed but not entered. */
    private readonly crossMounts = false,
  ) {
    this.abs = realpathSync(path.resolve(root));
    const st = lstatSync(this.abs, { bigint: true });
    if (!st.isDirectory()) throw new Error(`${root}: not a directory`);
    this.dev = st.dev;
  }

  private entry(abs: Buffer, rel: string, name: string, st: BigIntStats): FsEntry {
    const id = `${st.dev}:${st.ino}`;
    const type = typeOf(st);
    const e: FsEntry = {
      name,
      path: rel,
      id,
      type,
      size: type === 'file' ? Number(st.size) : 0,
      times: { mtime: nsTime(st.mtimeNs), atime: nsTime(st.atimeNs), ctime: nsTime(st.ctimeNs), crtime: st.birthtimeNs > 0n ? nsTime(st.birthtimeNs) : undefined },
      mode: Number(st.mode),
      uid: Number(st.uid),
      gid: Number(st.gid),
      hidden: name.startsWith('.'),
      system: false,
      readOnly: (Number(st.mode) & 0o222) === 0,
      deleted: false,
      streams: [],
    };
    if (type === 'symlink') {
      try {
        e.linkTarget = decodeName(readlinkSync(abs, { encoding: 'buffer' }).subarray(0, 1024)); // read for display, never followed
      } catch {
        /* vanished */
      }
    }
    if (this.paths.size < MAX_REMEMBERED_PATHS) this.paths.set(id, abs);
    return e;
  }

  private absOf(e: FsEntry): Buffer {
    const known = this.paths.get(e.id);
    if (known) return known;
    if (e.path.split('/').includes('..')) throw new Error(`${e.path}: outside the root`);
    const abs = fsPathOf(this.abs, e.path); // the exact name bytes behind the display path
    return typeof abs === 'string' ? Buffer.from(abs) : abs;
  }

  root(): FsEntry {
    return this.entry(Buffer.from(this.abs), '/', '', lstatSync(this.abs, { bigint: true }));
  }

  list(dir: FsEntry): FsListing {
    if (dir.type !== 'directory') return { entries: [], truncated: false };
    if (dir.otherDevice && !this.crossMounts) {
      warn(this.warnings, `${dir.path}: another device (a mount point); not listed`);
      return { entries: [], truncated: false };
    }
    const absDir = this.absOf(dir);
    let names: Buffer[];
    try {
      names = readdirSync(absDir, { encoding: 'buffer' });
    } catch (err) {
      warn(this.warnings, `${dir.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return { entries: [], truncated: false };
    }
    const truncated = names.length > MAX_FS_LISTING;
    const out: FsEntry[] = [];
    const base = dir.path === '/' ? '' : dir.path;
    for (const raw of names.slice(0, MAX_FS_LISTING)) {
      const abs = Buffer.concat([absDir, Buffer.from('/'), raw]);
      let st: BigIntStats;
      try {
        st = lstatSync(abs, { bigint: true });
      } catch {
        continue; // vanished since the listing
      }
      const name = decodeName(raw);
      const e = this.entry(abs, `${base}/${name}`, name, st);
      if (e.type === 'directory' && st.dev !== this.dev) e.otherDevice = true;
      out.push(e);
    }
    out.sort(compareEntries);
    return { entries: out, truncated };
  }

  lookup(p: string, caseInsensitive = false): FsEntry | null {
    return lookupPath(this, p, caseInsensitive);
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    if (stream) throw new Error('a mounted directory exposes no named streams');
    if (entry.type !== 'file') throw new Error(`${entry.path}: not a regular file; not read`);
    const f = openEvidenceFile(this.absOf(entry), entry.path, this.audit);
    this.opened.add(f);
    return Object.assign(f.source, {
      close: () => {
        if (this.opened.delete(f)) f.close();
      },
    });
  }

  close(): void {
    for (const f of this.opened) {
      try {
        f.close();
      } catch {
        /* already closed */
      }
    }
    this.opened.clear();
  }
}
