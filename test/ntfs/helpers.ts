/** Shared by the NTFS tests: corpus images unpacked to sparse temp files, fls bodyfile rows, our rows in the same shape. */
import { closeSync, createReadStream, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { fdSource } from '../../src/evidence/reader.js';
import type { ByteSource } from '../../src/util/byte-source.js';
import type { NtfsVolume, NtfsRef } from '../../src/evidence/image/ntfs/index.js';
import { LIMITS } from '../../src/util/limits.js';
import { runCli } from '../helpers/cli.js';

export const WORK = path.join(os.tmpdir(), `stagehunt-ntfs-test-${process.pid}`);

export function workDir(): string {
  mkdirSync(WORK, { recursive: true });
  return WORK;
}

/** Gunzips `gz` to `out`, seeking over all-zero 64 KiB blocks so a 1 GiB image takes only its data on disk. */
export async function gunzipSparse(gz: string, out: string): Promise<string> {
  if (existsSync(out)) return out;
  const fd = openSync(`${out}.part`, 'w');
  let pos = 0;
  const zero = Buffer.alloc(65536);
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(gz).pipe(createGunzip());
    s.on('data', (chunk: Buffer) => {
      for (let o = 0; o < chunk.length; o += 65536) {
        const piece = chunk.subarray(o, Math.min(chunk.length, o + 65536));
        if (!piece.equals(zero.subarray(0, piece.length))) writeSync(fd, piece, 0, piece.length, pos);
        pos += piece.length;
      }
    });
    s.on('end', () => resolve());
    s.on('error', reject);
  });
  ftruncateSync(fd, pos);
  closeSync(fd);
  execFileSync('mv', [`${out}.part`, out]);
  return out;
}

/** A read-only ByteSource over a file, starting at `offset` (a partition). */
export function fileSource(file: string, offset = 0): ByteSource {
  const fd = openSync(file, 'r');
  const size = statSync(file).size - offset;
  const inner = fdSource(fd, statSync(file).size, path.basename(file));
  return { size, name: inner.name, read: (p: number, n: number) => (p < 0 || p >= size ? Buffer.alloc(0) : inner.read(p + offset, Math.min(n, size - p, LIMITS.maxReadBytes))) };
}

export interface BodyRow {
  path: string;
  entry: number;
  /** 'fn' ($FILE_NAME row), 'data' (a $DATA stream), 'dir' (directory index row). */
  kind: 'fn' | 'data' | 'dir';
  size: number | null;
  atime: number;
  mtime: number;
  ctime: number;
  crtime: number;
  deleted: boolean;
}

export function rowKey(r: BodyRow): string {
  return `${r.path}|${r.entry}|${r.kind}|${r.size ?? '-'}|${r.atime}|${r.mtime}|${r.ctime}|${r.crtime}`;
}

/**
 * fls -m rows we model: $FILE_NAME rows, $DATA rows (128) and directory rows (144 without a stream name).
 * Left out: $OrphanFiles rows, named index streams of metafiles ($Secure:$SDH, $ObjId:$O: not data streams).
 */
/** TSK converts FILETIME 0 with unsigned 64-bit arithmetic: it prints 2076-11-29 08:54:34 (this value); we say 0 (no time). */
export const TSK_FILETIME_ZERO = 3373865674;

export function readFlsBody(file: string): BodyRow[] {
  const rows: BodyRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const f = line.split('|');
    let name = f[1];
    const deleted = name.endsWith(' (deleted)');
    if (deleted) name = name.slice(0, -' (deleted)'.length);
    const m = /^(\d+)-(\d+)-\d+$/.exec(f[2]);
    if (!m || name.startsWith('/$OrphanFiles')) continue;
    const type = Number(m[2]);
    const isFn = name.endsWith(' ($FILE_NAME)');
    if (isFn) name = name.slice(0, -' ($FILE_NAME)'.length);
    let kind: BodyRow['kind'];
    if (type === 48 && isFn) kind = 'fn';
    else if (type === 128) kind = 'data';
    else if (type === 144 && !name.slice(name.lastIndexOf('/')).includes(':')) kind = 'dir';
    else continue;
    const t = (i: number): number => (Number(f[i]) === TSK_FILETIME_ZERO ? 0 : Number(f[i]));
    rows.push({ path: name, entry: Number(m[1]), kind, size: kind === 'data' ? Number(f[6]) : null, atime: t(7), mtime: t(8), ctime: t(9), crtime: t(10), deleted });
  }
  return rows;
}

const secs = (t: bigint): number => (t <= 116444736000000000n ? 0 : Number((t - 116444736000000000n) / 10000000n));

/** The same rows from our reader: a recursive walk of the live tree through list() and stat(). */
export function ourBodyRows(v: NtfsVolume): BodyRow[] {
  const rows: BodyRow[] = [];
  const visit = (dir: NtfsRef, prefix: string, depth: number): void => {
    if (depth > 64) return;
    for (const e of v.list(dir)) {
      const st = v.stat(e.ref);
      if (!st) continue;
      const p = `${prefix}/${e.name}`;
      const fn = st.names.find((n) => n.name === e.name && n.parent.entry === dir.entry) ?? st.fn;
      const si = st.si;
      if (fn) rows.push({ path: p, entry: e.ref.entry, kind: 'fn', size: null, atime: secs(fn.accessed), mtime: secs(fn.modified), ctime: secs(fn.mftModified), crtime: secs(fn.created), deleted: false });
      const t = si ?? fn;
      if (!t) continue;
      const times = { atime: secs(t.accessed), mtime: secs(t.modified), ctime: secs(t.mftModified), crtime: secs(t.created) };
      if (st.type === 'directory') rows.push({ path: p, entry: e.ref.entry, kind: 'dir', size: null, ...times, deleted: false });
      if (st.data) rows.push({ path: p, entry: e.ref.entry, kind: 'data', size: st.data.size, ...times, deleted: false });
      for (const s of st.streams) rows.push({ path: `${p}:${s.name}`, entry: e.ref.entry, kind: 'data', size: s.size, ...times, deleted: false });
      if (st.type === 'directory' && e.ref.entry !== 5) visit(e.ref, p, depth + 1);
    }
  };
  visit(v.root(), '', 0);
  return rows;
}

/** Compares two row sets; returns the keys only one side has. */
export function diffRows(expected: BodyRow[], ours: BodyRow[]): { missing: string[]; extra: string[] } {
  const e = new Set(expected.map(rowKey));
  const o = new Set(ours.map(rowKey));
  return { missing: [...e].filter((k) => !o.has(k)), extra: [...o].filter((k) => !e.has(k)) };
}

/** JSON.parse that keeps integers beyond 2^53 (FILETIMEs, file references) exact, as strings. */
export function parsePreciseJson(line: string): Record<string, unknown> {
  return JSON.parse(line.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"')) as Record<string, unknown>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Jan 23, 2023 20:45:12.000000000 UTC" (libfsntfs) to FILETIME ticks; "Not set (0)" to 0. */
export function fsntfsTime(s: string): bigint {
  const m = /^(\w{3}) (\d{1,2}), (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{9}) UTC$/.exec(s.trim());
  if (!m) return 0n;
  const ms = Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 10000n + BigInt(m[7]) / 100n + 116444736000000000n;
}

export interface FsntfsEntry {
  index: number;
  empty: boolean;
  allocated: boolean;
  ref: string;
  base: string;
  attrs: Array<Record<string, string>>;
}

/** fsntfsinfo -E all output, entry by entry, attribute by attribute (key: value lines). */
export function parseFsntfsinfoEntries(text: string): FsntfsEntry[] {
  const out: FsntfsEntry[] = [];
  let cur: FsntfsEntry | null = null;
  let attr: Record<string, string> | null = null;
  for (const line of text.split('\n')) {
    const head = /^MFT entry: (\d+) information:/.exec(line);
    if (head) {
      cur = { index: Number(head[1]), empty: false, allocated: false, ref: '', base: '', attrs: [] };
      attr = null;
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.trim() === 'Is empty') cur.empty = true;
    if (/^Attribute: \d+/.test(line)) {
      attr = {};
      cur.attrs.push(attr);
      continue;
    }
    const kv = /^\t([^\t:][^:]*?)\s*:\s(.*)$/.exec(line);
    if (!kv) continue;
    const [key, value] = [kv[1].trim(), kv[2].trim()];
    if (attr) attr[key] = value;
    else if (key === 'Is allocated') cur.allocated = value === 'true';
    else if (key === 'File reference') cur.ref = value;
    else if (key === 'Base record file reference') cur.base = value;
  }
  return out;
}

/** A finding of a trace scan, as the NTFS end-to-end tests read it. */
export interface TraceFinding {
  id: string;
  kind: string;
  path: string;
  level: string;
  score: number;
  usn?: number;
  mftEntry?: number;
  mftSequence?: number;
  originalPath?: string;
  deletedAt?: string | null;
  times?: { born: string | null };
  reasons: Array<{ rule: string; message: string }>;
  details?: Record<string, unknown>;
}
export interface TraceReport {
  findings: TraceFinding[];
  timeline?: Array<{ time: string; type: string; findingId: string }>;
  episodes?: Array<{ findingIds: string[]; narrative: string; evidenceKinds: string[] }>;
}

/** `stagehunt scan ARGS --format json` through the built CLI, every level (NTFS_E2E_DUMP=prefix keeps the reports). */
export function scanTraces(args: string[]): TraceReport {
  const r = runCli(['scan', ...args, '--format', 'json', '--quiet', '--min-level', 'info'], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  if (process.env.NTFS_E2E_DUMP) writeFileSync(`${process.env.NTFS_E2E_DUMP}.${args.length}.json`, r.stdout);
  return JSON.parse(r.stdout) as TraceReport;
}
