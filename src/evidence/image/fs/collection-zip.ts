/**
 * Triage collections as file systems: a Velociraptor offline-collector ZIP (`uploads/auto/C%3A/...`,
 * `uploads/ntfs/%5C%5C.%5CC%3A/...`), a CyLR or KAPE ZIP (`C/Users/...`, `C:/...`), read through the
 * ZIP central directory (src/artifacts/zip) without extracting anything: stored entries are slices of
 * the archive, deflated ones are inflated in memory on read (bounded). Each drive is one EvidenceFs
 * (`collection.zip#C`). Directories are implied by the entry paths.
 */
import { constants, inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';
import { findEndRecord, walkCentral } from '../../../artifacts/zip/central.js';
import { LOCAL_FIXED, type RawZipEntry } from '../../../artifacts/zip/layout.js';
import { compareEntries, lookupPath, MAX_FS_LISTING, warn, type EvidenceFs, type FsEntry, type FsListing, type FsTime, type OpenedSource } from '../../fs.js';
import { dosTime } from './fat.js';

/** Largest entry inflated whole for random access; larger deflated entries give their first bytes only. */
export const MAX_INFLATE_BYTES = 256 * 1024 * 1024;
/** A read within the first HEAD_BYTES of a large deflated entry inflates only HEAD_COMPRESSED_BYTES of it. */
const HEAD_BYTES = 64 * 1024;
const HEAD_COMPRESSED_BYTES = 32 * 1024;

interface Node {
  entry: FsEntry;
  children: Map<string, Node>;
  zip?: RawZipEntry;
}

/** `uploads/auto/C%3A/Users/x` -> ['C', 'Users', 'x']; null when the path names no drive. */
export function collectionPath(name: string): { drive: string; parts: string[] } | null {
  let parts = name.split('/').filter((p) => p !== '');
  if (parts[0] === 'uploads' && parts.length > 2) parts = parts.slice(2); // Velociraptor: uploads/<accessor>/
  const decoded: string[] = [];
  for (const p of parts) {
    let d: string;
    try {
      d = decodeURIComponent(p);
    } catch {
      d = p;
    }
    // Velociraptor's ntfs accessor: `\\.\C:` as one segment; paths inside may hold encoded backslashes
    for (const s of d.split('\\')) if (s !== '' && s !== '.') decoded.push(s);
  }
  const first = decoded[0];
  if (!first) return null;
  const m = /^([A-Za-z]):?$/.exec(first);
  if (!m) return null;
  if (decoded.some((s) => s === '..')) return null;
  return { drive: m[1]!.toUpperCase(), parts: decoded.slice(1) };
}

/** True when most entries of the ZIP sit under a drive letter: a triage collection, not an ordinary archive. */
export function looksLikeCollection(src: ByteSource): boolean {
  const { end } = findEndRecord(src);
  if (!end) return false;
  const walk = walkCentral(src, end);
  const files = walk.entries.filter((e) => !e.nameRaw.toString('utf8').endsWith('/'));
  if (files.length === 0) return false;
  return files.filter((e) => collectionPath(e.nameRaw.toString('utf8'))).length * 2 > files.length;
}

function timeOf(e: RawZipEntry): FsTime | undefined {
  const ut = e.extras.find((x) => x.id === 0x5455);
  if (ut && ut.data.length >= 5 && ut.data[0]! & 1) return { sec: ut.data.readUInt32LE(1), nsec: 0 };
  return dosTime(e.dosDate, e.dosTime);
}

export class CollectionZipFs implements EvidenceFs {
  readonly kind = 'collection-zip';
  readonly warnings: string[] = [];
  private readonly root_: Node;
  private readonly byId = new Map<string, Node>();

  constructor(
    private readonly zip: ByteSource,
    readonly label: string,
    entries: Array<{ parts: string[]; zip: RawZipEntry; isDir: boolean }>,
  ) {
    const mk = (name: string, path: string, type: 'file' | 'directory', size: number, mtime?: FsTime): FsEntry => ({
      name,
      path,
      id: String(this.byId.size),
      type,
      size,
      times: { mtime },
      hidden: name.startsWith('.'),
      system: false,
      readOnly: false,
      deleted: false,
      streams: [],
    });
    this.root_ = { entry: mk('', '/', 'directory', 0), children: new Map() };
    this.byId.set(this.root_.entry.id, this.root_);
    for (const { parts, zip, isDir } of entries) {
      let cur = this.root_;
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!;
        const last = i === parts.length - 1 && !isDir;
        let next = cur.children.get(name);
        if (!next) {
          const path = `${cur.entry.path === '/' ? '' : cur.entry.path}/${name}`;
          next = { entry: mk(name, path, last ? 'file' : 'directory', last ? zip.uncompressedSize : 0, last ? timeOf(zip) : undefined), children: new Map() };
          if (last) next.zip = zip;
          this.byId.set(next.entry.id, next);
          cur.children.set(name, next);
        } else if (last) warn(this.warnings, `${next.entry.path}: more than one entry; the first kept`);
        if (isDir && i === parts.length - 1 && next.entry.type === 'directory') next.entry.times.mtime ??= timeOf(zip);
        if (next.entry.type !== 'directory' && !last) {
          warn(this.warnings, `${next.entry.path}: a file and a directory of the same name; the directory's content is not listed`);
          break;
        }
        cur = next;
      }
    }
  }

  root(): FsEntry {
    return this.root_.entry;
  }

  list(dir: FsEntry): FsListing {
    const node = this.byId.get(dir.id);
    if (!node || dir.type !== 'directory') return { entries: [], truncated: false };
    const all = [...node.children.values()].map((n) => n.entry);
    const entries = all.slice(0, MAX_FS_LISTING).sort(compareEntries);
    return { entries, truncated: all.length > MAX_FS_LISTING };
  }

  lookup(path: string, caseInsensitive = true): FsEntry | null {
    return lookupPath(this, path, caseInsensitive);
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    const node = this.byId.get(entry.id);
    const z = node?.zip;
    if (!z || stream) throw new Error(`${entry.path}: not a file of this collection`);
    if (z.flags & 1) throw new Error(`${entry.path}: encrypted ZIP entry; not read`);
    const local = this.zip.read(z.localOffset, LOCAL_FIXED);
    if (local.length < LOCAL_FIXED || local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${entry.path}: local header missing`);
    const dataAt = z.localOffset + LOCAL_FIXED + local.readUInt16LE(26) + local.readUInt16LE(28);
    const size = z.uncompressedSize;
    const name = entry.path;
    if (z.method === 0) {
      return { size, name, close: () => undefined, read: (p, n) => (p < 0 || p >= size || n <= 0 ? Buffer.alloc(0) : this.zip.read(dataAt + p, Math.min(n, size - p))) };
    }
    if (z.method !== 8) throw new Error(`${entry.path}: compression method ${z.method} not read`);
    let whole: Buffer | null = null;
    /** Inflates the first `compressedBytes` of the entry (all of it: Z_FINISH; a prefix: Z_SYNC_FLUSH, what it yields). */
    const inflatePrefix = (compressedBytes: number, maxOut: number): Buffer => {
      const want = Math.min(z.compressedSize, compressedBytes);
      const parts: Buffer[] = [];
      for (let p = 0; p < want; p += LIMITS.maxReadBytes) parts.push(this.zip.read(dataAt + p, Math.min(LIMITS.maxReadBytes, want - p)));
      const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      try {
        return inflateRawSync(input, { maxOutputLength: Math.max(1, maxOut), finishFlush: want < z.compressedSize ? constants.Z_SYNC_FLUSH : constants.Z_FINISH });
      } catch (err) {
        warn(this.warnings, `${entry.path}: does not inflate (${(err as Error).message})`);
        return Buffer.alloc(0);
      }
    };
    return {
      size,
      name,
      close: () => {
        whole = null;
      },
      read: (p: number, n: number): Buffer => {
        if (p < 0 || p >= size || n <= 0) return Buffer.alloc(0);
        if (!whole && p + n <= HEAD_BYTES && z.compressedSize > HEAD_COMPRESSED_BYTES) {
          // a head read of a large entry: inflate a prefix only (deflate expands at most ~1032:1)
          return padTo(inflatePrefix(HEAD_COMPRESSED_BYTES, HEAD_COMPRESSED_BYTES * 1032).subarray(p, p + n), Math.min(n, size - p));
        }
        if (!whole) {
          if (size > MAX_INFLATE_BYTES) {
            warn(this.warnings, `${entry.path}: ${size} bytes deflated; only what the first ${MAX_INFLATE_BYTES / 1032} compressed bytes yield is read`);
            whole = inflatePrefix(Math.floor(MAX_INFLATE_BYTES / 1032), MAX_INFLATE_BYTES);
          } else whole = inflatePrefix(z.compressedSize, size);
        }
        return padTo(whole.subarray(p, p + n), Math.min(n, size - p));
      },
    };
  }

  close(): void {
    this.byId.clear();
  }
}

function padTo(b: Buffer, n: number): Buffer {
  return b.length >= n ? b.subarray(0, n) : Buffer.concat([b, Buffer.alloc(n - b.length)]);
}

/** One file system per drive of a collection ZIP. */
export function openCollection(zip: ByteSource, name: string, warnings: string[]): CollectionZipFs[] {
  const { end } = findEndRecord(zip);
  if (!end) return [];
  const walk = walkCentral(zip, end);
  for (const w of walk.warnings.slice(0, 20)) warnings.push(`${name}: ${w}`);
  const byDrive = new Map<string, Array<{ parts: string[]; zip: RawZipEntry; isDir: boolean }>>();
  for (const e of walk.entries) {
    const n = e.nameRaw.toString('utf8');
    const p = collectionPath(n);
    if (!p || p.parts.length === 0) continue;
    const list = byDrive.get(p.drive) ?? [];
    list.push({ parts: p.parts, zip: e, isDir: n.endsWith('/') });
    byDrive.set(p.drive, list);
  }
  return [...byDrive.keys()].sort().map((d) => new CollectionZipFs(zip, `${name}#${d}`, byDrive.get(d)!));
}
