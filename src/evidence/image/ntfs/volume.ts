/**
 * Read-only NTFS volume over a ByteSource (a partition of an image): boot sector, $MFT, files,
 * streams, directory listings and deleted records. Pure: no fs, no console; damage gives warnings
 * (volume.warnings, stat().warnings) and what could be read.
 *
 * Directory listings come from the MFT's parent references ($FILE_NAME.parent of every in-use
 * record, checked against the parent's sequence number), built in one sequential pass over the MFT
 * on the first `list()`. Why not the $I30 B-trees: a damaged or torn INDX block loses every child
 * it held, and walking the tree needs loop guards; a parent reference is checked record by record,
 * so one damaged record loses only itself, the pass cannot loop, and the same pass finds the
 * deleted records with their last parents. What this misses: names that live only in an index
 * (slack entries of deleted files in $I30), which TSK/fls does not list either; `openIndex` gives a
 * directory's INDX blocks to the trace stage, which searches their slack (indx.ts).
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';
import { pushAll } from '../../../util/arrays.js';
import { ATTR_TYPE, BOOT, ENTRY, FILE_ATTRIBUTE, FN_NAMESPACE, I30 } from './layout.js';
import { ChildIndex, type NtfsDirEntry } from './children.js';
import { MftIndexBuilder, type MftIndex, type NameTable, type ResolvedPath } from './names.js';
import {
  hasRecordSignature,
  namePreference,
  parseAttributeList,
  parseFileName,
  parseMftRecord,
  parseStandardInformation,
  type Attribute,
  type FileNameAttribute,
  type MftRecord,
  type NtfsRef,
  type Run,
  type StandardInformation,
  type WarningSink,
} from './record.js';
import { attributeStream, recordReader, recordsPerWindow, residentStream, willReadStream, type SparseAwareSource } from './stream.js';
import { summarizeRecord, type RecordSummary, type StreamInfo } from './summary.js';
import { FreeRunBuilder, type FreeRun } from '../free-runs.js';

export type { NtfsRef } from './record.js';
export type { NtfsDirEntry } from './children.js';

export interface NtfsStat {
  ref: NtfsRef;
  /** The long name (Win32/POSIX namespace); the 8.3 DOS name only when there is no other. */
  name: string;
  /** Every name of the file: hard links and the DOS short name, long names first. */
  names: FileNameAttribute[];
  parent: NtfsRef | null;
  type: 'file' | 'directory';
  inUse: boolean;
  /** Size of the unnamed $DATA stream (0 for directories). */
  size: number;
  /** $STANDARD_INFORMATION: the four times as FILETIME ticks and the FILE_ATTRIBUTE_* flags. */
  si: StandardInformation | null;
  /** The $FILE_NAME of `name` (its own four times: timestomping tools rarely touch them). */
  fn: FileNameAttribute | null;
  fileAttributes: number;
  hidden: boolean;
  system: boolean;
  readOnly: boolean;
  /** A reparse point (junction, symbolic link, cloud placeholder): never followed by the reader; callers must not either. */
  reparsePoint: boolean;
  /** Named $DATA streams (alternate data streams). */
  streams: StreamInfo[];
  /** The unnamed stream's layout (compressed, sparse, encrypted, resident), or null when there is none. */
  data: StreamInfo | null;
  linkCount: number;
  warnings: string[];
}

export interface NtfsRecordInfo extends RecordSummary {
  /** Full path of the preferred name, resolved through parent references. */
  path: string | null;
  orphan: boolean;
}

export interface NtfsVolume {
  readonly clusterSize: number;
  readonly recordSize: number;
  readonly sectorSize: number;
  readonly serial: bigint;
  /** Number of MFT entries ($MFT data size / record size). */
  readonly recordCount: number;
  /** Clusters of the volume, as its boot sector counts them. */
  readonly clusterCount: number;
  /** Volume-level warnings (boot sector, $MFT, listing pass). */
  readonly warnings: string[];
  root(): NtfsRef;
  list(dir: NtfsRef): NtfsDirEntry[];
  stat(ref: NtfsRef): NtfsStat | null;
  /** The content of the unnamed stream (empty when the record has none), or of the named stream `stream` (null when it does not exist). */
  open(ref: NtfsRef, stream?: string): SparseAwareSource | null;
  /**
   * Where a record's unnamed stream lies and how much of it $Bitmap now marks allocated: for a
   * deleted file, clusters another file may have been given (its content there is not its own any
   * more). Null when the record or its sequence does not hold.
   */
  clusterUse(ref: NtfsRef): ClusterUse | null;
  /** The cluster the first byte of a record's unnamed stream lies in (where a carved header would be); null when resident, sparse there, or the record does not hold. */
  contentStart(ref: NtfsRef): number | null;
  /**
   * Runs of clusters $Bitmap marks free, in cluster order (what carving reads), within the volume;
   * ends early, with a volume warning, where $Bitmap does. Nothing when there is no $Bitmap.
   */
  freeRuns(): Generator<FreeRun>;
  /** A directory's $I30 index allocation (its INDX blocks); null when its index is all in the record. */
  openIndex(ref: NtfsRef): SparseAwareSource | null;
  /** Resolves a path ('/dir/file.txt', case-insensitive as NTFS on Windows) to a reference. */
  lookup(path: string): NtfsRef | null;
  /** Every MFT record with a FILE signature, in use or not, in entry order, with its path. */
  records(): Generator<NtfsRecordInfo>;
  /** Records not in use whose signature and fixups are sound and that still carry a name. */
  deleted(): Generator<NtfsRecordInfo>;
  /** The full path of an entry (as far as its parents hold). */
  pathOf(entry: number): ResolvedPath;
  /**
   * Tells a source that fetches ahead (an EWF image) that `ref`'s record and the first `dataBytes`
   * bytes of its unnamed stream will be read next (as the listing pass found its first run).
   */
  willRead(ref: NtfsRef, dataBytes: number): void;
  /** The raw bytes of MFT record `entry` as stored (before fixups), null outside the $MFT; valid until the next record read. */
  recordBytes(entry: number): Buffer | null;
  /** Lets go of the listing pass's index (names, children, free records); the next listing or path builds it again. */
  dropIndex(): void;
}

export interface ClusterUse {
  /** The content lies in the MFT record itself (a small file): it has no clusters to lose. */
  resident: boolean;
  /** Clusters the stream's runs map (sparse runs hold none). */
  clusters: number;
  /** Of those, the ones $Bitmap marks allocated now (all of them, for a live file). */
  allocated: number;
  /** The runs name clusters outside the volume, or $Bitmap could not be read for them (counted as allocated: not vouched for). */
  unchecked: number;
}

export class NtfsError extends Error {}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x > 0; x >>= 1) n += x & 1;
  return n;
});

/** Clusters of one stream checked against $Bitmap (1 TiB of 4 KiB clusters); a hostile run list claiming more is counted unchecked past it. */
const MAX_CLUSTERS_CHECKED = 2 ** 28;

interface Geometry {
  sectorSize: number;
  clusterSize: number;
  recordSize: number;
  mftLcn: number;
  totalSectors: number;
  serial: bigint;
}

/** Clusters-per-record byte: positive = clusters, negative n = 2^-n bytes. */
function recordBytes(v: number, clusterSize: number): number {
  const s = v > 127 ? v - 256 : v;
  return s > 0 ? s * clusterSize : s < 0 && s >= -31 ? 2 ** -s : 0;
}

export function readBootSector(src: ByteSource): Geometry {
  const b = src.read(0, 512);
  if (b.length < 512 || b.toString('latin1', BOOT.oemId, BOOT.oemId + 8) !== 'NTFS    ') throw new NtfsError(`${src.name}: no NTFS boot sector (OEM id is not "NTFS    ")`);
  const sectorSize = b.readUInt16LE(BOOT.bytesPerSector);
  const spcRaw = b[BOOT.sectorsPerCluster];
  const sectorsPerCluster = spcRaw > 0x80 ? 2 ** (256 - spcRaw) : spcRaw;
  if (![256, 512, 1024, 2048, 4096].includes(sectorSize)) throw new NtfsError(`${src.name}: impossible sector size ${sectorSize}`);
  const clusterSize = sectorSize * sectorsPerCluster;
  if (!(sectorsPerCluster > 0) || clusterSize > 2 * 1024 * 1024 * 16 || (clusterSize & (clusterSize - 1)) !== 0) throw new NtfsError(`${src.name}: impossible cluster size ${clusterSize}`);
  const recordSize = recordBytes(b[BOOT.clustersPerMftRecord], clusterSize);
  if (recordSize < 256 || recordSize > 65536 || (recordSize & (recordSize - 1)) !== 0) throw new NtfsError(`${src.name}: impossible MFT record size ${recordSize}`);
  const mftLcn = Number(b.readBigUInt64LE(BOOT.mftLcn));
  const totalSectors = Number(b.readBigUInt64LE(BOOT.totalSectors));
  if (!Number.isSafeInteger(mftLcn) || mftLcn * clusterSize >= src.size) throw new NtfsError(`${src.name}: $MFT cluster ${mftLcn} lies outside the volume`);
  return { sectorSize, clusterSize, recordSize, mftLcn, totalSectors, serial: b.readBigUInt64LE(BOOT.serial) };
}

/** One file's attributes gathered from its base record and the extension records its $ATTRIBUTE_LIST names. */
interface LoadedFile {
  base: MftRecord;
  attributes: Attribute[];
  warnings: string[];
}

/** Non-resident segments of one attribute (same type and name) joined into one runlist. */
interface JoinedAttribute {
  first: Attribute;
  runs: Run[];
}

function joinSegments(segments: Attribute[], warnings: WarningSink, what: string): JoinedAttribute {
  const sorted = [...segments].sort((a, b) => (a.startVcn ?? 0) - (b.startVcn ?? 0));
  const first = sorted.find((s) => (s.startVcn ?? 0) === 0) ?? sorted[0];
  const runs: Run[] = [];
  let nextVcn = 0;
  for (const s of sorted) {
    for (const r of s.runs ?? []) {
      if (r.vcn < nextVcn) {
        warnings.push(`${what}: runs overlap at VCN ${r.vcn} (a runlist that loops back); the overlapping run is ignored`);
        continue;
      }
      if (runs.length >= LIMITS.maxNtfsRuns) break;
      runs.push(r);
      nextVcn = r.vcn + r.length;
    }
  }
  return { first, runs };
}

/** The $MFT streams opened through a volume, with the index of that volume's listing pass. */
const ownMftIndexes = new WeakMap<ByteSource, { recordSize: number; recordCount: number; index: () => MftIndex }>();

/**
 * The name and extension index of a volume's own $MFT when `src` is that $MFT opened through the
 * volume reader (the image scan inspects it as an artifact and streams it through the trace
 * detectors): built once by the listing pass, with the same rule (MftIndexBuilder) as a standalone
 * $MFT's first pass. Null for any other source, or when record size or count differ from the pass.
 */
export function ownMftIndex(src: ByteSource, recordSize: number, recordCount: number): MftIndex | null {
  const own = ownMftIndexes.get(src);
  return own && own.recordSize === recordSize && own.recordCount === recordCount ? own.index() : null;
}

/** Bytes of the $MFT read at once for a record the walk asks for (16 records of 1 KiB). */
const RECORD_WINDOW_BYTES = 16 * 1024;
const MAX_VOLUME_WARNINGS = 1000;

export function openNtfs(src: ByteSource): NtfsVolume {
  const g = readBootSector(src);
  const warnings: string[] = [];
  const { clusterSize, recordSize } = g;
  const totalClusters = Math.floor((g.totalSectors * g.sectorSize) / clusterSize);

  // Bootstrap: record 0 describes the $MFT itself.
  const record0Raw = src.read(g.mftLcn * clusterSize, recordSize);
  const record0 = parseMftRecord(record0Raw, 0);
  if (!record0) throw new NtfsError(`${src.name}: MFT entry 0 has no FILE signature`);
  pushAll(warnings, record0.warnings);
  let mftSegments = record0.attributes.filter((a) => a.type === ATTR_TYPE.data && a.name === '' && !a.resident);
  if (mftSegments.length === 0) throw new NtfsError(`${src.name}: $MFT has no non-resident $DATA`);
  let mftJoined = joinSegments(mftSegments, warnings, '$MFT');
  const mftStreamOf = (j: JoinedAttribute): SparseAwareSource => {
    const dataSize = j.first.dataSize ?? 0;
    const mapped = j.runs.length > 0 ? (j.runs[j.runs.length - 1].vcn + j.runs[j.runs.length - 1].length) * clusterSize : 0;
    return attributeStream(src, { clusterSize, runs: j.runs, dataSize: Math.min(dataSize, Math.max(mapped, dataSize > 0 ? recordSize : 0)), initializedSize: j.first.initializedSize ?? dataSize, compressionUnit: 0 }, '$MFT', warnings);
  };
  let mft = mftStreamOf(mftJoined);
  // A fragmented $MFT continues its $DATA in extension records named by record 0's attribute list.
  const list0 = record0.attributes.find((a) => a.type === ATTR_TYPE.attributeList);
  if (list0) {
    const listBytes = list0.value ?? attributeStream(src, { clusterSize, runs: list0.runs ?? [], dataSize: Math.min(list0.dataSize ?? 0, LIMITS.maxNtfsAttributeListBytes), initializedSize: list0.initializedSize ?? 0, compressionUnit: 0 }, '$MFT attribute list', warnings).read(0, Math.min(list0.dataSize ?? 0, LIMITS.maxNtfsAttributeListBytes));
    const entries = parseAttributeList(listBytes, warnings, '$MFT attribute list');
    const seen = new Set<number>([0]);
    for (const e of entries) {
      if (e.type !== ATTR_TYPE.data || e.name !== '' || seen.has(e.record.entry)) continue;
      seen.add(e.record.entry);
      const ext = parseMftRecord(mft.read(e.record.entry * recordSize, recordSize), e.record.entry);
      if (!ext || ext.base?.entry !== 0) {
        warnings.push(`$MFT attribute list names entry ${e.record.entry}, which is not an extension of entry 0`);
        continue;
      }
      mftSegments = mftSegments.concat(ext.attributes.filter((a) => a.type === ATTR_TYPE.data && a.name === '' && !a.resident));
    }
    mftJoined = joinSegments(mftSegments, warnings, '$MFT');
    mft = mftStreamOf(mftJoined);
  }
  // The $MFT cannot be larger than its volume: a larger size is damage, and would make every pass read nothing for long.
  const mftBytes = Math.min(mft.size, src.size);
  if (mft.size > src.size) warnings.push(`$MFT claims ${mft.size} bytes, more than the volume (${src.size}); reading ${src.size}`);
  const recordCount = Math.min(Math.floor(mftBytes / recordSize), LIMITS.maxMftRecords);
  if (Math.floor(mftBytes / recordSize) > LIMITS.maxMftRecords) warnings.push(`$MFT has more than ${LIMITS.maxMftRecords} records; the rest is not read`);

  /** A warnings array that forwards into the volume's, up to MAX_VOLUME_WARNINGS in all. */
  function boundedWarnings(): WarningSink {
    return {
      push(...items: string[]): void {
        for (const w of items) {
          if (warnings.length < MAX_VOLUME_WARNINGS) warnings.push(w);
          else if (warnings.length === MAX_VOLUME_WARNINGS) warnings.push('more warnings left out');
        }
      },
    };
  }

  // Records read a few at a time (the walk stats the files of a directory, whose records mostly lie
  // together); parseMftRecord copies what it keeps, so the window can be replaced.
  const recordPage = recordReader(mft, recordSize, RECORD_WINDOW_BYTES);
  const recordWindow = recordsPerWindow(RECORD_WINDOW_BYTES, recordSize);
  // Only the record parsed last is kept: the walk's `stat` and `open` of a file ask for the same
  // record one after the other. A cache of 512 records (of 2 to 16 as well) made the parsed records
  // outlive the collector's young generation: 145 MB more promoted in a 100,000-file E01 scan
  // (docs/performance.md "The MFT record cache and the collector").
  let lastEntry = -1;
  let lastRecord: MftRecord | null = null;
  function readRecord(entry: number): MftRecord | null {
    if (!(entry >= 0 && entry < recordCount)) return null;
    if (entry === lastEntry) return lastRecord;
    const rec = parseMftRecord(recordPage(entry), entry);
    lastEntry = entry;
    lastRecord = rec;
    return rec;
  }

  /** The base record plus the attributes its $ATTRIBUTE_LIST keeps in extension records. */
  function loadFile(entry: number): LoadedFile | null {
    const base = readRecord(entry);
    return base ? withExtensions(base) : null;
  }

  function withExtensions(base: MftRecord): LoadedFile {
    const entry = base.entry;
    const fileWarnings = [...base.warnings];
    let attributes = base.attributes;
    const listAttr = base.attributes.find((a) => a.type === ATTR_TYPE.attributeList);
    if (listAttr) {
      let listBytes: Buffer;
      if (listAttr.value) listBytes = listAttr.value;
      else {
        const n = Math.min(listAttr.dataSize ?? 0, LIMITS.maxNtfsAttributeListBytes);
        if ((listAttr.dataSize ?? 0) > n) fileWarnings.push(`MFT entry ${entry}: attribute list larger than ${n} bytes; the rest is not read`);
        listBytes = attributeStream(src, { clusterSize, runs: listAttr.runs ?? [], dataSize: n, initializedSize: Math.min(n, listAttr.initializedSize ?? n), compressionUnit: 0 }, 'attribute list', fileWarnings).read(0, n);
      }
      const entries = parseAttributeList(listBytes, fileWarnings, `MFT entry ${entry} attribute list`);
      const visited = new Set<number>([entry]);
      for (const e of entries) {
        if (visited.has(e.record.entry)) continue;
        visited.add(e.record.entry);
        const ext = readRecord(e.record.entry);
        if (!ext || ext.base?.entry !== entry || ext.base.sequence !== base.sequence) {
          fileWarnings.push(`MFT entry ${entry}: attribute list names entry ${e.record.entry}, which is not one of its extension records`);
          continue;
        }
        pushAll(fileWarnings, ext.warnings);
        attributes = attributes.concat(ext.attributes);
      }
    }
    return { base, attributes, warnings: fileWarnings };
  }

  function namedAttributes(file: LoadedFile, type: number, name: string): Attribute[] {
    return file.attributes.filter((a) => a.type === type && a.name === name);
  }

  /** The bytes of one attribute (a $DATA stream, an index allocation), its segments joined; what goes wrong is told in the volume's warnings. */
  // $Bitmap (entry 6): one bit per cluster, set when allocated. Opened on first use.
  let bitmap: SparseAwareSource | null | undefined;
  function bitmapSource(): SparseAwareSource | null {
    if (bitmap === undefined) {
      const file = loadFile(ENTRY.bitmap);
      const segs = file ? namedAttributes(file, ATTR_TYPE.data, '') : [];
      bitmap = segs.length > 0 ? attributeSource(segs, '$Bitmap') : null;
    }
    return bitmap;
  }

  /** The runs of a record's unnamed stream; 'resident' when it has no clusters of its own; null when the record or its sequence does not hold. */
  function dataRuns(ref: NtfsRef): Run[] | 'resident' | null {
    const file = loadFile(ref.entry);
    if (!file || (ref.sequence !== 0 && ref.sequence !== file.base.sequence)) return null;
    const segs = namedAttributes(file, ATTR_TYPE.data, '');
    if (segs.length === 0 || segs.some((a) => a.resident)) return 'resident';
    return joinSegments(segs, boundedWarnings(), `MFT entry ${ref.entry}`).runs;
  }

  /** Set bits of $Bitmap for clusters [first, first + count), read 64 KiB at a time; null when $Bitmap ends before them. */
  function countSetBits(map: SparseAwareSource, first: number, count: number): number | null {
    const CHUNK = 64 * 1024;
    let set = 0;
    for (let at = first; at < first + count; ) {
      const byte0 = Math.floor(at / 8);
      const bytes = map.read(byte0, Math.min(CHUNK, Math.ceil((first + count) / 8) - byte0));
      if (bytes.length === 0) return null;
      const end = Math.min(first + count, (byte0 + bytes.length) * 8);
      // Bit by bit at the edges, a byte at a time between (cluster numbers pass 2^31 on large volumes: no shifts on them).
      let c = at;
      for (; c < end && c % 8 !== 0; c++) set += (bytes[Math.floor(c / 8) - byte0]! >> (c % 8)) & 1;
      for (; c + 8 <= end; c += 8) set += POPCOUNT[bytes[c / 8 - byte0]!]!;
      for (; c < end; c++) set += (bytes[Math.floor(c / 8) - byte0]! >> (c % 8)) & 1;
      at = end;
    }
    return set;
  }

  function attributeSource(segs: Attribute[], label: string): SparseAwareSource {
    const streamWarnings = boundedWarnings();
    const resident = segs.find((s) => s.resident);
    if (resident) return residentStream(resident.value ?? Buffer.alloc(0), label);
    const j = joinSegments(segs, streamWarnings, label);
    let dataSize = j.first.dataSize ?? 0;
    const mapped = j.runs.length > 0 ? (j.runs[j.runs.length - 1].vcn + j.runs[j.runs.length - 1].length) * clusterSize : 0;
    if (dataSize > mapped) {
      streamWarnings.push(`${label}: size ${dataSize} exceeds the ${mapped} bytes its runlist maps; reading ${mapped}`);
      dataSize = mapped;
    }
    if (j.first.encrypted) streamWarnings.push(`${label}: EFS-encrypted; the content is ciphertext`);
    const cu = j.first.compressed || (j.first.compressionUnit ?? 0) > 0 ? (j.first.compressionUnit ?? 0) : 0;
    return attributeStream(src, { clusterSize, runs: j.runs, dataSize, initializedSize: j.first.initializedSize ?? dataSize, compressionUnit: j.first.compressed ? cu : 0 }, label, streamWarnings);
  }

  function streamInfo(file: LoadedFile, streamName: string): StreamInfo | null {
    const segs = namedAttributes(file, ATTR_TYPE.data, streamName);
    if (segs.length === 0) return null;
    const a = segs.find((s) => s.resident || (s.startVcn ?? 0) === 0) ?? segs[0];
    if (a.resident) return { name: streamName, size: a.value?.length ?? 0, allocatedSize: a.value?.length ?? 0, resident: true, compressed: a.compressed, sparse: a.sparse, encrypted: a.encrypted };
    return { name: streamName, size: a.dataSize ?? 0, allocatedSize: a.allocatedSize ?? 0, resident: false, compressed: a.compressed, sparse: a.sparse, encrypted: a.encrypted };
  }

  /**
   * The size `stat()` gives a base record, when the record alone tells it: not when its attributes
   * continue in extension records, nor when it carries warnings (stat() reports those: NaN sends
   * the listing to stat()).
   */
  function listedSize(rec: MftRecord): number {
    if (rec.warnings.length > 0 || rec.attributes.some((a) => a.type === ATTR_TYPE.attributeList)) return Number.NaN;
    return streamInfo({ base: rec, attributes: rec.attributes, warnings: [] }, '')?.size ?? 0;
  }

  /** The first cluster of a base record's unnamed stream when the record alone maps it (0: not known). */
  function firstClusterOf(rec: MftRecord): number {
    if (!rec.inUse || rec.isDirectory) return 0;
    const a = rec.attributes.find((x) => x.type === ATTR_TYPE.data && x.name === '');
    const run = a && !a.resident && (a.startVcn ?? 0) === 0 ? a.runs?.[0] : undefined;
    return run && run.vcn === 0 && run.lcn !== null && run.lcn > 0 && run.lcn < 2 ** 32 ? run.lcn : 0;
  }

  // ---- listing pass over the whole MFT (lazy) ----
  let names: NameTable | null = null;
  /** The names and extension records of the listing pass, in the standalone $MFT parser's shape (ownMftIndex). */
  let mftIndex: MftIndex | null = null;
  let children: ChildIndex | null = null;
  /** Base records not in use (deleted files), in entry order: `deleted()` reads only these. */
  let freeBaseEntries: number[] = [];
  /**
   * Per base record: the first cluster of its unnamed stream's first run (0: resident, sparse,
   * elsewhere or beyond 2^32), for `willRead`; kept only over a source that fetches ahead.
   */
  let firstClusters: Uint32Array | null = null;

  function buildIndex(): void {
    if (names && children) return;
    const indexer = new MftIndexBuilder(recordCount);
    const kids = new ChildIndex(recordCount);
    freeBaseEntries = [];
    const clusters = src.fetchAhead ? new Uint32Array(recordCount) : null;
    const windowBytes = LIMITS.mftPassWindowBytes;
    const windowRecords = recordsPerWindow(windowBytes, recordSize);
    const readRaw = recordReader(mft, recordSize, windowBytes);
    // The pass keeps nothing of a record's bytes (names become strings, times and sizes numbers):
    // one buffer takes every record's fixed-up copy instead of a new one per record.
    const scratch = Buffer.allocUnsafe(recordSize);
    for (let entry = 0; entry < recordCount; entry++) {
      // The $MFT is read in order, a window at a time: over an image that fetches ahead, the next
      // window's blocks are decoded on the other core while this one is parsed.
      if (entry % windowRecords === 0 && entry + windowRecords < recordCount) {
        willReadStream(src, mftJoined.runs, clusterSize, (entry + windowRecords) * recordSize, Math.min(windowRecords, recordCount - entry - windowRecords) * recordSize);
      }
      const raw = readRaw(entry);
      if (!hasRecordSignature(raw)) continue;
      const rec = parseMftRecord(raw, entry, scratch);
      if (!rec) continue;
      const owner = rec.base ? rec.base.entry : entry;
      const fns: FileNameAttribute[] = [];
      for (const a of rec.attributes) {
        if (a.type !== ATTR_TYPE.fileName || !a.value) continue;
        const fn = parseFileName(a.value);
        if (fn) fns.push(fn);
      }
      indexer.add(rec, fns);
      if (!rec.base) {
        if (!rec.inUse) freeBaseEntries.push(entry);
        kids.setRecord(entry, rec.sequence, rec.isDirectory, listedSize(rec));
        if (clusters) clusters[entry] = firstClusterOf(rec);
        fns.sort((x, y) => namePreference(x.namespace) - namePreference(y.namespace));
      }
      if (!rec.inUse) continue;
      for (const fn of fns) {
        if (fn.namespace === FN_NAMESPACE.dos) continue; // the 8.3 alias of a long name listed anyway
        if (owner === ENTRY.root && fn.parent.entry === ENTRY.root) continue; // the root names itself "."
        kids.add(owner, fn.name, fn.parent, (fn.fileAttributes & FILE_ATTRIBUTE.fnDirectory) !== 0);
      }
    }
    kids.finish();
    firstClusters = clusters;
    mftIndex = indexer.finish();
    names = mftIndex.names;
    children = kids;
  }

  function willRead(ref: NtfsRef, dataBytes: number): void {
    const ahead = src.fetchAhead;
    if (!ahead || !(ref.entry >= 0 && ref.entry < recordCount)) return;
    // The whole window `readRecord` reads, not only the record: a window can end in the next
    // block of the image, which is then read with this record, before the files hinted after it.
    const first = ref.entry - (ref.entry % recordWindow);
    willReadStream(src, mftJoined.runs, clusterSize, first * recordSize, Math.min(recordWindow, recordCount - first) * recordSize);
    const cluster = firstClusters ? firstClusters[ref.entry]! : 0;
    if (cluster > 0 && dataBytes > 0) ahead.willRead(cluster * clusterSize, dataBytes);
  }

  function readSequence(entry: number): number {
    const rec = readRecord(entry);
    return rec ? rec.sequence : 0;
  }

  function pathOf(entry: number): ResolvedPath {
    buildIndex();
    return (names as NameTable).resolve(entry);
  }

  function withPath(s: RecordSummary): NtfsRecordInfo {
    if (s.base || s.fileNames.length === 0) return { ...s, path: null, orphan: false };
    const p = (names as NameTable).resolve(s.entry);
    return { ...s, path: p.path, orphan: p.orphan };
  }

  /** A record's summary (with what its extension records hold) and path. */
  function recordInfo(rec: MftRecord): NtfsRecordInfo {
    const file = rec.base ? null : withExtensions(rec);
    return withPath(summarizeRecord(rec, file ? file.attributes.slice(rec.attributes.length) : []));
  }

  const volume: NtfsVolume = {
    clusterSize,
    recordSize,
    sectorSize: g.sectorSize,
    serial: g.serial,
    recordCount,
    clusterCount: totalClusters,
    warnings,
    root: () => ({ entry: ENTRY.root, sequence: readSequence(ENTRY.root) }),
    willRead,
    recordBytes: (entry: number): Buffer | null => (entry >= 0 && entry < recordCount ? recordPage(entry) : null),
    dropIndex(): void {
      names = null;
      children = null;
      mftIndex = null;
      firstClusters = null;
      freeBaseEntries = [];
    },
    list(dir: NtfsRef): NtfsDirEntry[] {
      buildIndex();
      const dirSeq = readSequence(dir.entry);
      if (dir.sequence !== 0 && dir.sequence !== dirSeq) return [];
      const seen = new Set<string>();
      const out: NtfsDirEntry[] = [];
      for (const c of (children as ChildIndex).childrenOf(dir.entry)) {
        if (c.parentSequence !== 0 && c.parentSequence !== dirSeq) continue; // names a previous file that had this entry
        const key = `${c.ref.entry}\u0000${c.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ name: c.name, ref: c.ref, isDirectory: c.isDirectory, size: c.size });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.ref.entry - b.ref.entry));
    },
    stat(ref: NtfsRef): NtfsStat | null {
      const file = loadFile(ref.entry);
      if (!file || file.base.base) return null;
      if (ref.sequence !== 0 && ref.sequence !== file.base.sequence) return null;
      let si: StandardInformation | null = null;
      const fileNames: FileNameAttribute[] = [];
      for (const a of file.attributes) {
        if (a.type === ATTR_TYPE.standardInformation && a.value && !si) si = parseStandardInformation(a.value);
        if (a.type === ATTR_TYPE.fileName && a.value) {
          const fn = parseFileName(a.value);
          if (fn) fileNames.push(fn);
        }
      }
      fileNames.sort((x, y) => namePreference(x.namespace) - namePreference(y.namespace));
      const fn = fileNames[0] ?? null;
      // Named streams are few and most files have none: no set or array made for those.
      let streamNames: Set<string> | null = null;
      for (const a of file.attributes) if (a.type === ATTR_TYPE.data && a.name !== '') (streamNames ??= new Set()).add(a.name);
      const data = streamInfo(file, '');
      const flags = si?.fileAttributes ?? fn?.fileAttributes ?? 0;
      return {
        ref: { entry: ref.entry, sequence: file.base.sequence },
        name: fn?.name ?? '',
        names: fileNames,
        parent: fn ? fn.parent : null,
        type: file.base.isDirectory ? 'directory' : 'file',
        inUse: file.base.inUse,
        size: data?.size ?? 0,
        si,
        fn,
        fileAttributes: flags,
        hidden: (flags & FILE_ATTRIBUTE.hidden) !== 0,
        system: (flags & FILE_ATTRIBUTE.system) !== 0,
        readOnly: (flags & FILE_ATTRIBUTE.readOnly) !== 0,
        reparsePoint: (flags & FILE_ATTRIBUTE.reparsePoint) !== 0 || file.attributes.some((a) => a.type === ATTR_TYPE.reparsePoint),
        streams: streamNames ? [...streamNames].map((n) => streamInfo(file, n)).filter((s): s is StreamInfo => s !== null) : [],
        data,
        linkCount: file.base.linkCount,
        warnings: file.warnings,
      };
    },
    contentStart(ref: NtfsRef): number | null {
      const runs = dataRuns(ref);
      const first = Array.isArray(runs) ? runs[0] : undefined;
      return first?.vcn === 0 ? first.lcn : null;
    },
    clusterUse(ref: NtfsRef): ClusterUse | null {
      const runs = dataRuns(ref);
      if (runs === null) return null;
      if (runs === 'resident') return { resident: true, clusters: 0, allocated: 0, unchecked: 0 };
      const use: ClusterUse = { resident: false, clusters: 0, allocated: 0, unchecked: 0 };
      const bitmap = bitmapSource();
      for (const r of runs) {
        if (r.lcn === null || r.length <= 0) continue;
        use.clusters += r.length;
        const budget = Math.max(0, MAX_CLUSTERS_CHECKED - (use.clusters - r.length));
        const inside = Math.max(0, Math.min(r.length, totalClusters - r.lcn, budget));
        use.unchecked += r.length - inside;
        if (inside > 0) {
          const counted = bitmap ? countSetBits(bitmap, r.lcn, inside) : null;
          if (counted === null) use.unchecked += inside;
          else use.allocated += counted;
        }
      }
      return use;
    },
    *freeRuns(): Generator<FreeRun> {
      const map = bitmapSource();
      if (!map) return;
      const CHUNK = 64 * 1024;
      const runs = new FreeRunBuilder();
      for (let byte0 = 0; byte0 * 8 < totalClusters; byte0 += CHUNK) {
        const wanted = Math.min(CHUNK, Math.ceil(totalClusters / 8) - byte0);
        const bytes = map.read(byte0, wanted);
        const base = byte0 * 8;
        yield* runs.add(bytes, base, Math.min(totalClusters - base, bytes.length * 8));
        if (bytes.length < wanted) {
          const end = Math.min(totalClusters, base + bytes.length * 8);
          boundedWarnings().push(`$Bitmap ends at cluster ${end} of ${totalClusters}: the clusters past it are not read as free`);
          yield* runs.close(end);
          return;
        }
      }
      yield* runs.close(totalClusters);
    },
    open(ref: NtfsRef, streamName = ''): SparseAwareSource | null {
      const file = loadFile(ref.entry);
      if (!file || (ref.sequence !== 0 && ref.sequence !== file.base.sequence)) return null;
      const segs = namedAttributes(file, ATTR_TYPE.data, streamName);
      // A record without an unnamed $DATA (the metadata files $Secure, $ObjId, $Quota, $Reparse keep
      // theirs in named streams and indexes) is the 0-byte file stat() says it is, not a read error.
      if (segs.length === 0) return streamName === '' ? residentStream(Buffer.alloc(0), `MFT entry ${ref.entry}`) : null;
      const stream = attributeSource(segs, `MFT entry ${ref.entry}${streamName ? `:${streamName}` : ''}`);
      if (ref.entry === ENTRY.mft && streamName === '') {
        ownMftIndexes.set(stream, {
          recordSize,
          recordCount,
          index: () => {
            buildIndex();
            return mftIndex as MftIndex;
          },
        });
      }
      return stream;
    },
    openIndex(ref: NtfsRef): SparseAwareSource | null {
      const file = loadFile(ref.entry);
      if (!file || file.base.base || !file.base.isDirectory || ref.sequence !== file.base.sequence) return null;
      const segs = namedAttributes(file, ATTR_TYPE.indexAllocation, I30);
      return segs.length === 0 ? null : attributeSource(segs, `MFT entry ${ref.entry}:$I30`);
    },
    lookup(path: string): NtfsRef | null {
      let ref = volume.root();
      for (const part of path.split('/').filter((p) => p !== '')) {
        const lower = part.toLowerCase();
        const hit = volume.list(ref).find((e) => e.name.toLowerCase() === lower);
        if (!hit) return null;
        ref = hit.ref;
      }
      return ref;
    },
    *records(): Generator<NtfsRecordInfo> {
      buildIndex();
      const readRaw = recordReader(mft, recordSize);
      for (let entry = 0; entry < recordCount; entry++) {
        const rec = parseMftRecord(readRaw(entry), entry);
        if (rec) yield recordInfo(rec);
      }
    },
    *deleted(): Generator<NtfsRecordInfo> {
      // The listing pass noted the free base records: no second pass over the whole MFT.
      buildIndex();
      for (const entry of freeBaseEntries) {
        const rec = parseMftRecord(mft.read(entry * recordSize, recordSize), entry);
        if (!rec) continue;
        const r = recordInfo(rec);
        if (!r.inUse && r.fixupsOk && !r.base && r.fileNames.length > 0) yield r;
      }
    },
    pathOf,
  };
  return volume;
}
