/**
 * NTFS as an EvidenceFs: an adapter over the NTFS volume reader (src/evidence/image/ntfs/, which
 * lists directories by MFT parent references). Entries carry the four $STANDARD_INFORMATION times
 * in `times` and the $FILE_NAME times of the listed name in `fnTimes`, the named $DATA streams,
 * hidden/system/read-only from the file attributes, and `entry-sequence` as id. Deleted records
 * that still name a parent are listed in that directory as deleted.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { compactOf, compareEntries, type CompactListing, type FsEntryType, lookupPath, type ChildFinder, MAX_FS_LISTING, NO_FS_STREAMS, NO_FS_TIMES, warn, type EvidenceFs, type FsEntry, type FsListing, type FsTime, type FsTimes, type OpenedSource, unclosed, type FreeSpace, type DeletedStart } from '../../fs.js';
import { unitSpace } from '../free-runs.js';
import { openNtfs, type ClusterUse, type NtfsDirEntry, type NtfsRef, type NtfsStat, type NtfsVolume } from '../ntfs/index.js';

/** FILETIME ticks (100 ns since 1601) at the Unix epoch. */
const EPOCH_TICKS = 116444736000000000n;

export function filetimeToFsTime(ticks: bigint): FsTime | undefined {
  if (!ticks) return undefined;
  const d = ticks - EPOCH_TICKS;
  let sec = d / 10_000_000n;
  let rem = d % 10_000_000n;
  if (rem < 0n) {
    rem += 10_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(rem) * 100 };
}

type NtfsTimes = { created: bigint; modified: bigint; mftModified: bigint; accessed: bigint };

/**
 * An NTFS time set as FsTimes, each time converted from its FILETIME when read: the walk reads two
 * of a file's eight (its modification and creation), the rest only for files that become findings.
 * Getters on the prototype (a spread sees none: nothing spreads an entry's times); `toJSON` gives them to JSON.
 */
class NtfsFsTimes implements FsTimes {
  constructor(private readonly t: NtfsTimes) {}

  get crtime(): FsTime | undefined {
    return filetimeToFsTime(this.t.created);
  }

  get mtime(): FsTime | undefined {
    return filetimeToFsTime(this.t.modified);
  }

  get ctime(): FsTime | undefined {
    return filetimeToFsTime(this.t.mftModified);
  }

  get atime(): FsTime | undefined {
    return filetimeToFsTime(this.t.accessed);
  }

  toJSON(): FsTimes {
    return { crtime: this.crtime, mtime: this.mtime, ctime: this.ctime, atime: this.atime };
  }
}

function timesOf(t: NtfsTimes | null): FsTimes {
  return t ? new NtfsFsTimes(t) : NO_FS_TIMES;
}

/** Files of a listing whose records and heads a fetching image is told of ahead of the walk (about two blocks each). */
const HINT_FILES_AHEAD = 64;

/** Event logs and registry hives (with their transaction logs): content that changes under an unchanged MFT record. */
const REWRITTEN_IN_PLACE = /\.evtx$|^(ntuser\.dat|usrclass\.dat|sam|system|software|security|default|components|amcache\.hve)(\.log[12]?)?$/i;

const refId = (r: NtfsRef): string => `${r.entry}-${r.sequence}`;
/** The reference an id stands for: parsed back, not remembered (a map of every listed id cost memory in the size of the volume). */
function refOf(id: string): NtfsRef | null {
  // 1-10 digits, '-', 1-5 digits; by hand (a regular expression's match per opened file cost more than the rest of the open's bookkeeping).
  const dash = id.indexOf('-');
  if (dash < 1 || dash > 10 || id.length - dash < 2 || id.length - dash > 6) return null;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (i !== dash && (c < 0x30 || c > 0x39)) return null;
  }
  return { entry: Number(id.slice(0, dash)), sequence: Number(id.slice(dash + 1)) };
}

export class NtfsFs implements EvidenceFs {
  readonly kind = 'ntfs';
  readonly warnings: string[];
  private readonly vol: NtfsVolume;
  private deletedByParent: Map<number, NtfsRef[]> | null = null;
  /** Once the image fetches ahead (startReadAhead): the bytes of each file's head the walk reads; 0 before. */
  private hintBytes = 0;

  /**
   * `unchangedFrom`: the live volume a shadow copy is a past state of. The walk's listings then
   * leave out each file whose MFT record is byte for byte the one the live volume holds: the live
   * volume's scan has read that file as it is (a write changes the record's times), so only what
   * changed or went since the copy was made is walked again.
   */
  constructor(
    readonly source: ByteSource,
    readonly label: string,
    private readonly unchangedFrom: NtfsFs | null = null,
  ) {
    this.vol = openNtfs(source);
    this.warnings = this.vol.warnings;
  }

  /**
   * True when `entry`'s record is the same bytes in the live volume this one is a shadow copy of.
   * Never for a file Windows rewrites in place without touching its record (an event log's size is
   * preallocated and its times lag; a hive is written through its mapping): those are read again.
   */
  private unchangedInLive(entry: number, name: string): boolean {
    if (!this.unchangedFrom || REWRITTEN_IN_PLACE.test(name)) return false;
    const mine = this.vol.recordBytes(entry);
    const live = this.unchangedFrom.vol.recordBytes(entry);
    return mine !== null && live !== null && mine.length > 0 && mine.equals(live);
  }

  /** The entry of a stat, its record's warnings reported (as every listing that names it does). */
  private entryOf(st: NtfsStat, path: string, deleted: boolean): FsEntry {
    this.reportWarnings(st, path);
    return this.entryOfQuietly(st, path, deleted);
  }

  private reportWarnings(st: NtfsStat, path: string): void {
    for (const w of st.warnings.slice(0, 5)) warn(this.warnings, `${path}: ${w}`);
  }

  /** `name`: the listed name (a hard link's other names are listed each under its own). */
  private entryOfQuietly(st: NtfsStat, path: string, deleted: boolean, name = st.name): FsEntry {
    return {
      name,
      path,
      id: refId(st.ref),
      type: st.type,
      size: st.size,
      times: timesOf(st.si),
      fnTimes: timesOf(st.fn),
      hidden: st.hidden,
      system: st.system,
      readOnly: st.readOnly,
      deleted,
      streams: st.streams.length === 0 ? NO_FS_STREAMS : st.streams.filter((s) => s.name !== '').map((s) => ({ name: s.name, size: s.size })),
    };
  }

  root(): FsEntry {
    const ref = this.vol.root();
    const st = this.vol.stat(ref);
    if (!st) throw new Error('NTFS: root directory unreadable');
    return { ...this.entryOf(st, '/', false), name: '' };
  }

  /** Deleted records grouped by the directory entry their name points to (one pass, on first use). */
  private deletedIn(dirEntry: number): NtfsRef[] {
    if (!this.deletedByParent) {
      this.deletedByParent = new Map();
      let n = 0;
      for (const r of this.vol.deleted()) {
        if (++n > MAX_FS_LISTING * 10) break;
        const st = this.vol.stat({ entry: r.entry, sequence: r.sequence });
        const parent = st?.fn?.parent ?? st?.parent;
        if (!st || !parent) continue;
        const list = this.deletedByParent.get(parent.entry) ?? [];
        list.push(st.ref);
        this.deletedByParent.set(parent.entry, list);
      }
    }
    return this.deletedByParent.get(dirEntry) ?? [];
  }

  list(dir: FsEntry): FsListing {
    const ref = refOf(dir.id);
    if (!ref || dir.type !== 'directory') return { entries: [], truncated: false };
    const base = dir.path === '/' ? '' : dir.path;
    const children = this.vol.list(ref);
    const truncated = children.length > MAX_FS_LISTING;
    const out: FsEntry[] = [];
    for (const c of children.slice(0, MAX_FS_LISTING)) {
      const st = this.vol.stat(c.ref);
      if (!st) continue;
      // a hard link is listed under each of its names
      out.push(this.entryOf({ ...st, name: c.name }, `${base}/${c.name}`, false));
    }
    for (const d of this.deletedIn(ref.entry)) {
      if (out.length >= MAX_FS_LISTING) break;
      const st = this.vol.stat(d);
      if (st) out.push(this.entryOf(st, `${base}/${st.name}`, true));
    }
    out.sort(compareEntries);
    return { entries: out, truncated };
  }

  /**
   * The live entries of `list(dir)`, in its order, without an FsEntry per entry: names, types and
   * sizes come from the listing pass over the MFT, and an entry is built (its record read and parsed
   * again, through the volume's window of records) only when asked. A walk of
   * 100,000 files then holds one FsEntry at a time instead of a directory's worth, which all
   * outlived the young generation (docs/performance.md "NTFS listings built when asked").
   * What `list()` reports stays reported here, in the same order and at the same moment: the
   * warnings of records the listing pass could not settle alone, and of the deleted entries.
   */
  listCompact(dir: FsEntry): CompactListing {
    const ref = refOf(dir.id);
    if (!ref || dir.type !== 'directory') return compactOf({ entries: [], truncated: false });
    const base = dir.path === '/' ? '' : dir.path;
    const children = this.vol.list(ref);
    const truncated = children.length > MAX_FS_LISTING;
    const n = Math.min(children.length, MAX_FS_LISTING);
    const kept: NtfsDirEntry[] = [];
    const types: FsEntryType[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = children[i]!;
      if (!c.isDirectory && this.unchangedInLive(c.ref.entry, c.name)) continue;
      if (!Number.isNaN(c.size)) {
        kept.push(c);
        types.push(c.isDirectory ? 'directory' : 'file');
        sizes.push(c.size);
        continue;
      }
      const st = this.vol.stat(c.ref);
      if (!st) continue;
      this.reportWarnings(st, `${base}/${c.name}`);
      kept.push(c);
      types.push(st.type);
      sizes.push(st.size);
    }
    let deleted = 0;
    for (const d of this.deletedIn(ref.entry)) {
      if (kept.length + deleted >= MAX_FS_LISTING) break;
      const st = this.vol.stat(d);
      if (!st) continue;
      this.reportWarnings(st, `${base}/${st.name}`);
      deleted++;
    }
    // The walk takes this listing's files in order, each right after its entry: a fetching image is
    // told of the next few files' records and heads (the first as the listing is made).
    let hinted = 0;
    const hintUpTo = (i: number): void => {
      if (this.hintBytes === 0) return;
      for (const until = Math.min(kept.length, i + HINT_FILES_AHEAD); hinted < until; hinted++) {
        if (types[hinted] === 'file') this.vol.willRead(kept[hinted]!.ref, Math.min(sizes[hinted]!, this.hintBytes));
      }
    };
    hintUpTo(0);
    const entry = (i: number): FsEntry => {
      const c = kept[i]!;
      if (types[i] === 'file') hintUpTo(i + 1);
      const path = `${base}/${c.name}`;
      const st = this.vol.stat(c.ref);
      if (st) return this.entryOfQuietly(st, path, false, c.name);
      // The same bytes as the listing pass's: only a reader fault makes the record vanish; what the listing knew is kept.
      warn(this.warnings, `${path}: MFT entry ${c.ref.entry} unreadable since it was listed`);
      return { name: c.name, path, id: refId(c.ref), type: types[i]!, size: sizes[i]!, times: NO_FS_TIMES, hidden: false, system: false, readOnly: false, deleted: false, streams: NO_FS_STREAMS };
    };
    return {
      count: kept.length,
      listedCount: kept.length + deleted,
      name: (i) => kept[i]!.name,
      type: (i) => types[i]!,
      size: (i) => (types[i] === 'file' ? sizes[i]! : 0),
      entry,
      truncated,
    };
  }

  lookup(path: string, caseInsensitive = true): FsEntry | null {
    return lookupPath(this, path, caseInsensitive, this.findChild);
  }

  /**
   * A live child by name, as a fresh listing would find it (the first of the listing's names, exact
   * then ignoring case), but from the names of the parent-reference index alone: only the entry
   * found is read and made into an FsEntry, not every entry of the directory.
   */
  private readonly findChild: ChildFinder = (dir, name, caseInsensitive) => {
    const ref = refOf(dir.id);
    if (!ref || dir.type !== 'directory') return null;
    const children = this.vol.list(ref);
    const n = Math.min(children.length, MAX_FS_LISTING);
    const base = dir.path === '/' ? '' : dir.path;
    const entryAt = (i: number): FsEntry | null => {
      const c = children[i]!;
      const st = this.vol.stat(c.ref);
      return st ? this.entryOf({ ...st, name: c.name }, `${base}/${c.name}`, false) : null;
    };
    for (let i = 0; i < n; i++) {
      if (children[i]!.name !== name) continue;
      const e = entryAt(i);
      if (e) return e;
    }
    if (!caseInsensitive) return null;
    const lower = name.toLowerCase();
    for (let i = 0; i < n; i++) {
      if (children[i]!.name.toLowerCase() !== lower) continue;
      const e = entryAt(i);
      if (e) return e;
    }
    return null;
  };

  /**
   * Whether the file a shadow copy's entry id names (`entry-sequence`) is still on this live
   * volume: its record in use with the same sequence ('present'), or freed or reused since ('gone').
   * Null for an id that is not an MFT reference. Reads the one record, no index.
   */
  fileLife(id: string): 'present' | 'gone' | null {
    const ref = refOf(id);
    if (!ref) return null;
    const st = this.vol.stat(ref);
    return st && st.inUse && st.ref.sequence === ref.sequence ? 'present' : 'gone';
  }

  /**
   * Once the root is scored: the MFT listing index (names and children of every record, the
   * deleted records by folder) is let go; files are reopened for hashing by their reference, which
   * needs none of it. A later listing builds it again. A shadow copy scanned after this volume then
   * builds its own index without this one's beside it.
   */
  dropLookupIndexes(): void {
    this.vol.dropIndex();
    this.deletedByParent = null;
  }

  open(entry: FsEntry, stream?: string): OpenedSource {
    const ref = refOf(entry.id);
    if (!ref || entry.type !== 'file') throw new Error(`${entry.path}: not a regular file of this volume`);
    const src = this.vol.open(ref, stream);
    if (!src) throw new Error(`${entry.path}${stream ? `:${stream}` : ''}: no such stream`);
    return unclosed(src);
  }

  /**
   * A named stream of a live file record by its reference, listed or not (the NTFS trace stage
   * fingerprints the alternate data streams the $MFT names); null when there is none.
   */
  openRecordStream(entry: number, sequence: number, stream: string): OpenedSource | null {
    const st = this.vol.stat({ entry, sequence });
    if (!st || !st.inUse || st.type !== 'file' || st.ref.sequence !== sequence) return null;
    const src = this.vol.open(st.ref, stream);
    return src ? unclosed(src) : null;
  }

  /**
   * A deleted record's content as its runs still name it (what `icat` reads), with how much of it
   * $Bitmap now marks allocated (reused by other files); for the trace stage's deleted archives.
   * Null when the record is in use or its sequence does not hold.
   */
  openDeletedContent(entry: number, sequence: number): { src: OpenedSource; use: ClusterUse } | null {
    const st = this.vol.stat({ entry, sequence });
    if (!st || st.inUse || st.type !== 'file' || st.ref.sequence !== sequence) return null;
    const use = this.vol.clusterUse(st.ref);
    const src = use ? this.vol.open(st.ref) : null;
    return src && use ? { src: unclosed(src), use } : null;
  }

  /** The volume's free clusters as $Bitmap marks them, and their raw bytes (`scan --carve`); deleted records by where their content begins. */
  freeSpace(): FreeSpace {
    const cs = this.vol.clusterSize;
    return {
      ...unitSpace(this.source, { size: cs, name: 'cluster', end: this.vol.clusterCount, offsetOf: (lcn) => lcn * cs }, () => this.vol.freeRuns()),
      deletedStarts: (limit) => {
        const out = new Map<number, DeletedStart>();
        for (const r of this.vol.deleted()) {
          if (out.size >= limit) break;
          if (r.isDirectory || r.base) continue;
          const at = this.vol.contentStart({ entry: r.entry, sequence: r.sequence });
          if (at !== null && !out.has(at)) out.set(at, { entry: r.entry, sequence: r.sequence, path: r.path });
        }
        return out;
      },
    };
  }

  /** A directory's $I30 index allocation (its INDX blocks), for the trace stage's slack search; null when it has none. */
  openRecordIndex(entry: number, sequence: number): OpenedSource | null {
    const src = this.vol.openIndex({ entry, sequence });
    return src ? unclosed(src) : null;
  }

  /** Cluster and MFT record sizes: what the volume's $LogFile records count their targets in. */
  get geometry(): { clusterSize: number; recordSize: number } {
    return { clusterSize: this.vol.clusterSize, recordSize: this.vol.recordSize };
  }

  fileRecords(): number {
    return this.vol.recordCount;
  }

  /** The image's blocks read and decoded ahead on another thread (an EWF image), told of the walk's next files. */
  startReadAhead(headBytes: number): Promise<void> | null {
    const online = this.source.fetchAhead?.start() ?? null;
    if (online) this.hintBytes = headBytes;
    return online;
  }

  close(): void {
    // nothing held beyond the volume reader, which holds no file handles of its own (the image stops its fetching)
  }
}
