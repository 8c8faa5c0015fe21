/**
 * Staging traces in NTFS metadata (issue 13; docs/ntfs.md, "Staging traces"): what survives when
 * an attacker deletes the staged archive with `del`. The $MFT (an image's own, or a collected one)
 * and the USN journal ($UsnJrnl:$J) are streamed once each through bounded state, and give:
 *   - one `usn-record` candidate per staged archive whose life the journal shows (created, grown,
 *     renamed, deleted), merged with its MFT record (live or deleted) when that still exists;
 *   - `mft-record` candidates for deleted MFT records of staged archives the journal does not
 *     cover, for archives or encrypted blobs hidden in alternate data streams, and for
 *     timestomping signs on staged archives or in staging places;
 *   - bursts of creates into one folder and deletions of staging folders (journal).
 * Paths come from the MFT where the parent reference still holds, else from the last name the
 * journal shows for that folder. Pure: sources in, candidates and warnings out.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { bufferSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { filetimeToIso } from '../../util/filetime.js';
import type { Candidate, Hit, TimelineEvent } from '../../rules/types.js';
import type { Hotspot } from '../../hotspots/catalog.js';
import { matchHotspotDirs } from '../../hotspots/match.js';
import { fingerprint } from '../../fingerprint/index.js';
import { VolumeHashBudget, type HashSettings } from '../../evidence/hash-source.js';
import { parsers as ARCHIVE_PARSERS } from '../archive/parsers.js';
import { describe as describeArchive } from '../archive/detect.js';
import { contentNames } from '../archive/build.js';
import { ENTRY, FN_NAMESPACE } from '../../evidence/image/ntfs/layout.js';
import { ORPHAN_ROOT, type NameTable } from '../../evidence/image/ntfs/names.js';
import type { RecordSummary } from '../../evidence/image/ntfs/summary.js';
import { mftRecordSize, mftSummaries } from './mft.js';
import { timestompSigns } from './timestomp.js';
import { walkUsnJournal, type UsnRecord } from './usn.js';
import { walkLogFile, type LogFileGeometry, type LogFileName, type LogFileRecord } from './logfile.js';
import { renameHidesArchive, stagedNameKind } from './names-staged.js';
import { parseZoneIdentifier, ZONE_STREAM, type ZoneIdentifier } from './zone.js';
import { SlackNames, slackDetails } from './i30-slack.js';
import { readIndexStream, type IndexEntry } from '../../evidence/image/ntfs/indx.js';
import { parseMftRecord } from '../../evidence/image/ntfs/record.js';
import { hasIndexAllocation, ownIndexSlack } from '../../evidence/image/ntfs/summary.js';

export interface TraceSources {
  /** The $MFT: a collected file, or the volume's own $MFT stream. */
  mft: ByteSource | null;
  /** Where it lies (root-relative), for messages and `details.source`. */
  mftRel: string | null;
  /** The $UsnJrnl:$J stream (a SparseAwareSource from a volume skips its holes). */
  usn: ByteSource | null;
  usnRel: string | null;
  /** The $LogFile (an image's own, or a collected one) and where it lies. */
  logFile?: ByteSource | null;
  logFileRel?: string | null;
  /** Cluster and MFT record sizes the $LogFile's targets are counted in (an image's; 4096 and 1024 for a collected one). */
  geometry?: LogFileGeometry;
  /** Root-relative folder the volume's root stands for: '' on an image, 'C' for a KAPE `C/$MFT`. */
  volumeRel: string;
  /** Drive letter of `originalPath` (history commands name `C:\PerfLogs\x.7z`). */
  drive: string;
  /** Hotspots of the OS, matched against the volume's paths (the folders need not exist any more). */
  hotspots: readonly Hotspot[];
  /** Opens a directory's $I30 index allocation (image scans), whose INDX blocks' slack is searched; null when absent. */
  openIndex?(entry: number, sequence: number): (ByteSource & { willRead?(position: number, length: number): void }) | null;
  /** Opens a named stream of a record (image scans), to fingerprint alternate data streams; null when absent. */
  openStream?(entry: number, sequence: number, stream: string): ByteSource | null;
  /**
   * Opens a deleted record's content as its runs still name it (image scans), with how many of its
   * clusters $Bitmap now marks allocated; null when the record is in use or gone.
   */
  openDeleted?(entry: number, sequence: number): { src: ByteSource; use: DeletedClusterUse } | null;
  /** Hash the recovered content of deleted staged archives that are staging evidence (--hash; absent with --hash none). */
  hashRecovered?: HashSettings;
  /** Lets the event loop turn during long walks (Ctrl-C, progress). */
  yieldNow?(): Promise<void>;
  /** Read every $MFT record again, plain ones too (the reference the tests hold `passesOver` to). */
  readEveryRecord?: boolean;
}

/** How much of a deleted file's content is still its own (volume.ts ClusterUse). */
export interface DeletedClusterUse {
  resident: boolean;
  clusters: number;
  allocated: number;
  unchecked: number;
}

export interface TraceResult {
  candidates: Candidate[];
  warnings: string[];
  /** `mftRecordsRead`: $MFT records read a second time, after the index pass (the rest were plain: `passesOver`). */
  stats: { mftRecords: number; mftRecordsRead: number; usnRecords: number; logFileRecords: number; stagedLives: number; trackedFiles: number };
}

// USN_REASON_* bits (winioctl.h) the detectors read.
const R = {
  dataOverwrite: 0x1,
  dataExtend: 0x2,
  fileCreate: 0x100,
  fileDelete: 0x200,
  renameOld: 0x1000,
  renameNew: 0x2000,
} as const;
const FILE_ATTRIBUTE_DIRECTORY = 0x10;

/** Bounds of the journal state (docs/ntfs.md): lives, folder names and burst counters held at once. */
export const TRACE_LIMITS = {
  /** File and folder lives tracked at once; unremarkable ones are dropped first (oldest first). */
  trackedLives: 200_000,
  /** Folder names the journal shows (for paths of folders the MFT no longer holds). */
  journalFolders: 200_000,
  /** Per-folder create counters. */
  burstFolders: 100_000,
  /** Deleted MFT records remembered for merging with journal lives. */
  deletedRecords: 200_000,
  /** Live MFT records of staged names remembered for merging. */
  liveStagedRecords: 50_000,
  /**
   * Names of live files with staged names, by folder (entry and name), against which a name in
   * $I30 slack is checked; past it, slack keys that name no MFT reference are left out (warning).
   */
  liveStagedNames: 500_000,
  /** Alternate data streams fingerprinted per volume. */
  adsChecked: 10_000,
  /** Deleted archives whose content is looked for on the volume (their clusters checked, their head fingerprinted). */
  deletedContents: 1_000,
  /** Bytes of recovered deleted content hashed per volume (read whole through the image). */
  recoveredHashBytes: 8 * 1024 ** 3,
  /** Names and renames kept per life. */
  namesPerLife: 8,
  /** Candidates per kind of trace. */
  candidates: 10_000,
  /** Directories whose INDX blocks are searched for slack names (their index allocations, one at a time). */
  indexedDirectories: 500_000,
  /**
   * Bytes of INDX blocks read per volume: a real volume of a million files has about 200 MB of
   * index; a hostile one could give every folder a 256 MiB index mapped onto the same clusters.
   */
  indexBytes: 2 * 1024 * 1024 * 1024,
} as const;

/** A burst: this many files created in one folder within BURST_WINDOW_MS. */
export const BURST_MIN_CREATES = 20;
const BURST_WINDOW_MS = 10 * 60_000;
/** A staged archive made, used and removed within this span has a short life. */
const SHORT_LIFE_MS = 24 * 3_600_000;
/** ...in a place at least this heavy (not the user's %TEMP%, weight 15, where updaters unpack and delete). */
const SHORT_LIFE_MIN_WEIGHT = 20;
/** Weight of an odd folder at the volume root (not one Windows or a common installer makes). */
const ODD_FOLDER_WEIGHT = 20;
/** Top-level folders of a Windows volume that are no staging place by themselves. */
const STANDARD_TOP = new Set([
  'windows', 'users', 'program files', 'program files (x86)', 'programdata', 'perflogs', '$recycle.bin', 'recycler', 'system volume information',
  'recovery', 'boot', 'documents and settings', 'inetpub', 'intel', 'amd', 'nvidia', 'drivers', 'msocache', 'onedrivetemp', '$windows.~bt', '$windows.~ws',
  '$winreagent', 'config.msi', '$sysreset', '$extend', 'esd', 'swsetup', 'dell', 'hp', 'xboxgames', '$getcurrent',
]);
/** Alternate data streams Windows and common software write (not hidden data). */
const BENIGN_STREAMS = /^(zone\.identifier|smartscreen|encryptable|favicon|\{4c8cc155-6c1e-11d1-8e41-00c04fb9386d\}|com\.dropbox\.attrs?|afp_afpinfo|afp_resource|ms-properties|win32app_1|kaspersky.*|\$kernel\..*|ntfs_attributes)$/i;

interface Place {
  weight: number;
  label: string;
}

/**
 * Hotspots where software itself creates and deletes archives all day (updaters, extractors,
 * installers, sync clients): a deletion or a burst there is no staging sign by itself. Their traces
 * still count with a hidden extension, an ADS or a link to a command.
 */
const GUID_FOLDER = /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i;
const BUSY_HOTSPOTS = new Set(['win-user-temp', 'win-user-temp-xp', 'win-appdata-roaming-unusual', 'win-appdata-local-unusual', 'win-programdata']);

interface Life {
  entry: number;
  sequence: number;
  firstUsn: number;
  lastUsn: number;
  records: number;
  firstTime: string | null;
  created: string | null;
  deleted: string | null;
  extends: number;
  lastWrite: string | null;
  names: string[];
  renames: Array<{ from: string; to: string; time: string | null }>;
  parentEntry: number;
  parentSequence: number;
  isDirectory: boolean;
  staged: boolean;
  /** A rename record with the old name whose new-name record has not come yet. */
  pendingOld: string | null;
}

/**
 * A file's life as the $LogFile shows it: the index entries that named it, added and removed, and
 * its MFT record initialised or freed. The log keeps no time of its own: the creation time is the
 * one the first name's $FILE_NAME carries; a rename's and the deletion's come from the folder's
 * times the log holds after them, else a bracket of the creations around them (TimeBracket).
 */
interface LogLife {
  entry: number;
  sequence: number;
  firstLsn: number;
  lastLsn: number;
  records: number;
  created: string | null;
  /** InitializeFileRecordSegment of this entry and sequence: the record was made within the log's span. */
  initialised: boolean;
  /** DeallocateFileRecordSegment of this entry after its last name was removed. */
  freed: boolean;
  names: string[];
  renames: Array<{ from: string; to: string; between: TimeBracket }>;
  parentEntry: number;
  parentSequence: number;
  isDirectory: boolean;
  staged: boolean;
  size: number;
  /** The last name removed and not yet replaced: a deletion, unless a rename's new name follows. */
  removed: string | null;
  /** When that removal happened: its folder's time, or the files created around it in the log. */
  removedBetween: TimeBracket;
  /**
   * The newest modification time the log shows NTFS writing into the file's $STANDARD_INFORMATION
   * (UpdateResidentValue) while it had a name: when its content was last written. On the corpus's
   * 20H1 volume 12 of the 14 files' such times are times usnjls gives for the file (docs/ntfs.md).
   */
  lastWritten: string | null;
}

/**
 * The log keeps no time, but each file it shows created carries its creation time in its
 * $FILE_NAME (set by NTFS, not by SetFileTime): an operation lies after the last creation before
 * it in LSN order and before the first creation after it.
 */
interface TimeBracket {
  after: string | null;
  before: string | null;
  /**
   * The time itself, where the log gives it: the modification time NTFS writes into the folder's
   * $STANDARD_INFORMATION right after a name is added to it or removed from it (within
   * FOLDER_TIME_WITHIN records).
   */
  at: string | null;
}

/** Records after a name's removal within which the folder's $STANDARD_INFORMATION update is taken as its time. */
const FOLDER_TIME_WITHIN = 64;

interface Burst {
  start: number;
  count: number;
  firstUsn: number;
  best: { count: number; start: number; end: number; usn: number } | null;
}

/** One source's view of folders for `folderCandidates`: its bursts, the staged archives it saw in each folder, each folder's own life. */
interface FolderSource {
  /** How messages name the source. */
  source: 'USN journal' | '$LogFile';
  /** Where it lies (`details.source`). */
  rel: string;
  /** How its bursts are dated, said after the source (the log's by the files' own creation times). */
  burstHow: string;
  bursts: Map<number, Burst>;
  stagedIn: ReadonlyMap<number, number>;
  /** A folder's (lifeKey) creation, deletion (the text after "deleted" and its time when known), the finding's kind and locators, and details of the source. */
  lifeOf(
    key: number,
    best: Burst['best'],
  ): { created: string | null; deleted: { text: string; at: string | null } | null; locators: Pick<Candidate, 'kind' | 'usn' | 'mftEntry' | 'mftSequence'>; details: Record<string, unknown> };
}

interface MftFacts {
  entry: number;
  sequence: number;
  inUse: boolean;
  name: string;
  path: string;
  orphan: boolean;
  size: number;
  siCreated: string | null;
  siModified: string | null;
  fnCreated: string | null;
  timestomp: string[];
  zone: ZoneIdentifier | null;
}

interface AdsToCheck {
  entry: number;
  sequence: number;
  path: string;
  stream: string;
  size: number;
  resident: Buffer | null;
}

const lifeKey = (entry: number, sequence: number): number => entry * 65536 + sequence;
/** Entries beyond this cannot be keyed exactly (real volumes stay far below 2^32). */
const MAX_KEYED_ENTRY = 2 ** 36;

function isoMs(iso: string | null): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function hhmm(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : 'an unknown time';
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

class TraceState {
  readonly warnings: string[] = [];
  names: NameTable | null = null;
  /** `MftIndex.plain` of the $MFT being read (records the listing pass found to hold nothing for the detectors but their name). */
  plain: Uint8Array | null = null;
  readonly lives = new Map<number, Life>();
  readonly logLives = new Map<number, LogLife>();
  /** The newest $LogFile life of each MFT entry (what a freed record's target names). */
  private readonly logLifeOfEntry = new Map<number, number>();
  private logFull = false;
  logFileRecords = 0;
  /** Creates per folder as the log's names date them (their $FILE_NAME creation times); read only where the journal gave nothing. */
  private readonly logBursts = new Map<number, Burst>();
  /** The creation time of the newest file the log showed created (LSN order), and the brackets waiting for the next one. */
  private logClock: string | null = null;
  private readonly openBrackets: TimeBracket[] = [];
  /** Removals waiting for their folder's next $STANDARD_INFORMATION update (folder entry -> brackets and the record they came at). */
  private readonly awaitingFolderTime = new Map<number, Array<{ bracket: TimeBracket; record: number }>>();
  readonly journalFolders = new Map<number, { sequence: number; name: string; parentEntry: number; parentSequence: number }>();
  readonly bursts = new Map<number, Burst>();
  readonly deletedRecords = new Map<number, MftFacts>();
  readonly liveStaged = new Map<number, MftFacts>();
  readonly ads: AdsToCheck[] = [];
  readonly timestomped: MftFacts[] = [];
  readonly slackNames = new SlackNames();
  /** "parent entry/lower-cased name" of every live file with a staged name (all its names): what slack keys are checked against. */
  private readonly liveStagedNames = new Set<string>();
  private liveStagedNamesFull = false;
  /** `MftIndex.directories`: in-use directories whose index has slack to search. */
  indexDirectories: readonly number[] = [];
  /** Directories the pass read (their slack is taken there, not read again). */
  private readonly directoriesRead = new Set<number>();
  /** Directories (entry, sequence, in pairs) with INDX blocks to search once the $MFT is read. */
  readonly indexedDirectories: number[] = [];
  mftRecords = 0;
  mftRecordsRead = 0;
  usnRecords = 0;
  private full = false;
  private readonly placeCache = new Map<string, Place | null>();
  /** --hash of recovered content, within TRACE_LIMITS.recoveredHashBytes per volume; null with --hash none. */
  private readonly recoveredHashes: VolumeHashBudget | null;

  constructor(private readonly src: TraceSources) {
    this.recoveredHashes = src.hashRecovered ? new VolumeHashBudget(src.hashRecovered, TRACE_LIMITS.recoveredHashBytes, 'recovered content') : null;
  }

  warn(message: string): void {
    if (this.warnings.length < 1000) this.warnings.push(message);
  }

  /** The staging place a volume path lies in: a hotspot (matched by pattern), or an odd folder at the volume root. */
  placeOf(volPath: string): Place | null {
    const dir = dirOf(volPath).replace(/^\//, '');
    if (dir === '' || dir.startsWith('$OrphanFiles')) return null;
    const cached = this.placeCache.get(dir.toLowerCase());
    if (cached !== undefined) return cached;
    let place: Place | null = null;
    let busy = false;
    const segments = dir.split('/');
    for (let n = segments.length; n >= 1; n--) {
      const prefix = segments.slice(0, n).join('/');
      let best: Hotspot | null = null;
      for (const m of matchHotspotDirs([prefix], this.src.hotspots)) if (!best || m.hotspot.weight > best.weight) best = m.hotspot;
      if (!best) continue;
      // The deepest hotspot decides: a busy one (%TEMP%, ProgramData) is no staging place here.
      if (BUSY_HOTSPOTS.has(best.id)) busy = true;
      else place = { weight: best.weight, label: `${best.description} (${best.id})` };
      break;
    }
    // An installer's or updater's GUID-named working folder ({0A1B...}) in any place: busy too.
    if (segments.some((seg) => GUID_FOLDER.test(seg))) return this.remember(dir, null);
    if (!place && !busy && !STANDARD_TOP.has(segments[0]!.toLowerCase())) place = { weight: ODD_FOLDER_WEIGHT, label: `an odd folder at the volume root (\\${segments[0]})` };
    return this.remember(dir, place);
  }

  private remember(dir: string, place: Place | null): Place | null {
    if (this.placeCache.size < 100_000) this.placeCache.set(dir.toLowerCase(), place);
    return place;
  }

  /** Volume path ('/PerfLogs') of a folder reference: the MFT while the reference holds, else the journal's last name. */
  folderPath(entry: number, sequence: number): string {
    const parts: string[] = [];
    const seen = new Set<number>();
    let e = entry;
    let s = sequence;
    for (let depth = 0; depth < LIMITS.maxNtfsPathDepth; depth++) {
      if (e === ENTRY.root) return `/${parts.reverse().join('/')}`.replace(/\/$/, '') || '/';
      if (seen.has(e)) break;
      seen.add(e);
      if (this.names?.has(e) && this.names.parentHolds(e, s)) {
        const resolved = this.names!.resolve(e).path;
        return parts.length ? `${resolved}/${parts.reverse().join('/')}` : resolved;
      }
      const j = this.journalFolders.get(e);
      if (!j || (s !== 0 && j.sequence !== s)) break;
      parts.push(j.name);
      e = j.parentEntry;
      s = j.parentSequence;
    }
    parts.push(`folder-${e}`);
    return `${ORPHAN_ROOT}/${parts.reverse().join('/')}`;
  }

  // ---- MFT ----

  /**
   * True (and counted) for a record `onMftRecord` would do nothing with, known from the listing
   * pass without reading it again: a plain record (`MftIndex.plain`: in use, no stream but the
   * unnamed one, no warnings, $STANDARD_INFORMATION created no earlier than its names) whose name is
   * not a staged one. On a volume that is almost every record; the trace stage read each a second time.
   */
  passesOver(entry: number): boolean {
    if (this.plain?.[entry] !== 1) return false;
    const name = this.names?.nameOf(entry) ?? null;
    if (name !== null && stagedNameKind(name) !== null) return false;
    this.mftRecords++;
    return true;
  }

  onMftRecord(s: RecordSummary): void {
    this.mftRecords++;
    this.mftRecordsRead++;
    if (s.base) return;
    if (s.isDirectory) {
      this.directoriesRead.add(s.entry);
      this.onDirectory(s.entry, s.sequence, s.indexSlack, s.hasIndexAllocation);
    }
    const fn = s.fileNames[0];
    if (!fn) return;
    // The path only where a record is kept (most are not): resolving every record's was a tenth of the trace stage.
    let resolvedPath: { path: string; orphan: boolean } | undefined;
    const resolved = (): { path: string; orphan: boolean } => (resolvedPath ??= this.names?.resolve(s.entry) ?? { path: `${ORPHAN_ROOT}/${fn.name}`, orphan: true });
    const staged = !s.isDirectory && stagedNameKind(fn.name) !== null;
    const zoneStream = s.streams.find((x) => ZONE_STREAM.test(x.name) && x.residentValue);
    const facts = (): MftFacts => ({
      entry: s.entry,
      sequence: s.sequence,
      inUse: s.inUse,
      name: fn.name,
      path: resolved().path,
      orphan: resolved().orphan,
      size: s.streams.find((x) => x.name === '')?.size ?? 0,
      siCreated: s.si ? filetimeToIso(s.si.created) : null,
      siModified: s.si ? filetimeToIso(s.si.modified) : null,
      fnCreated: filetimeToIso(fn.created),
      timestomp: timestompSigns(s.si, fn),
      zone: zoneStream?.residentValue ? parseZoneIdentifier(zoneStream.residentValue) : null,
    });
    if (!s.inUse && !s.isDirectory) {
      if (this.deletedRecords.size < TRACE_LIMITS.deletedRecords) this.deletedRecords.set(s.entry, facts());
    } else if (s.inUse && staged && this.liveStaged.size < TRACE_LIMITS.liveStagedRecords) this.liveStaged.set(s.entry, facts());
    if (s.inUse && !s.isDirectory) {
      for (const n of s.fileNames) {
        if (stagedNameKind(n.name) === null) continue;
        if (this.liveStagedNames.size < TRACE_LIMITS.liveStagedNames) this.liveStagedNames.add(`${n.parent.entry}/${n.name.toLowerCase()}`);
        else this.liveStagedNamesFull = true;
      }
    }
    if (s.inUse && !s.isDirectory) {
      // $SI modified before $FN created is what every copy looks like (the copy keeps the modification
      // time): only a creation time earlier than the name's is a sign here.
      const signs = timestompSigns(s.si, fn).filter((x) => x === 'siCreatedBeforeFn');
      if (signs.length > 0 && (staged || this.placeOf(resolved().path)) && this.timestomped.length < TRACE_LIMITS.candidates) this.timestomped.push(facts());
      for (const st of s.streams) {
        if (st.name === '' || BENIGN_STREAMS.test(st.name) || this.ads.length >= TRACE_LIMITS.adsChecked) continue;
        this.ads.push({ entry: s.entry, sequence: s.sequence, path: resolved().path, stream: st.name, size: st.size, resident: st.residentValue ?? null });
      }
    }
  }

  // ---- USN journal ----

  private track(r: UsnRecord, isDirectory: boolean): Life | null {
    const key = lifeKey(r.entry, r.sequence);
    const have = this.lives.get(key);
    if (have) return have;
    if (this.lives.size >= TRACE_LIMITS.trackedLives) this.evict();
    if (this.lives.size >= TRACE_LIMITS.trackedLives) {
      if (!this.full) this.warn(`more than ${TRACE_LIMITS.trackedLives} staged files in the journal at once; later ones are not followed`);
      this.full = true;
      return null;
    }
    const life: Life = {
      entry: r.entry,
      sequence: r.sequence,
      firstUsn: r.usn,
      lastUsn: r.usn,
      records: 0,
      firstTime: r.timestamp,
      created: null,
      deleted: null,
      extends: 0,
      lastWrite: null,
      names: [],
      renames: [],
      parentEntry: r.parentEntry,
      parentSequence: r.parentSequence,
      isDirectory,
      staged: false,
      pendingOld: null,
    };
    this.lives.set(key, life);
    return life;
  }

  /** Drops the oldest unremarkable lives (not staged, no folder of interest) to make room. */
  private evict(): void {
    const target = Math.floor(TRACE_LIMITS.trackedLives * 0.75);
    for (const [key, life] of this.lives) {
      if (this.lives.size <= target) break;
      if (!life.staged && !(life.isDirectory && this.bursts.has(lifeKey(life.entry, life.sequence)))) this.lives.delete(key);
    }
  }

  /** One file created in a folder at `time` (`position`: its USN, or its LSN in the $LogFile), counted towards the folder's bursts. */
  private countCreate(bursts: Map<number, Burst>, parentEntry: number, parentSequence: number, time: string | null, position: number): void {
    const t = isoMs(time);
    if (t === null) return;
    const key = lifeKey(parentEntry, parentSequence);
    let b = bursts.get(key);
    if (!b) {
      if (bursts.size >= TRACE_LIMITS.burstFolders) {
        for (const [k, v] of bursts) if (!v.best || v.best.count < BURST_MIN_CREATES) bursts.delete(k);
        if (bursts.size >= TRACE_LIMITS.burstFolders) return;
      }
      b = { start: t, count: 0, firstUsn: position, best: null };
      bursts.set(key, b);
    }
    if (t - b.start > BURST_WINDOW_MS || t < b.start) {
      b.start = t;
      b.count = 0;
      b.firstUsn = position;
    }
    b.count++;
    if (!b.best || b.count > b.best.count) b.best = { count: b.count, start: b.start, end: t, usn: b.firstUsn };
  }

  onUsnRecord(r: UsnRecord): void {
    this.usnRecords++;
    if (r.entry >= MAX_KEYED_ENTRY || r.parentEntry >= MAX_KEYED_ENTRY) return;
    const isDirectory = r.fileAttributes !== null && (r.fileAttributes & FILE_ATTRIBUTE_DIRECTORY) !== 0;
    if (isDirectory && r.name !== null && !(r.reason & R.renameOld)) {
      if (this.journalFolders.size < TRACE_LIMITS.journalFolders || this.journalFolders.has(r.entry))
        this.journalFolders.set(r.entry, { sequence: r.sequence, name: r.name, parentEntry: r.parentEntry, parentSequence: r.parentSequence });
    }
    const key = lifeKey(r.entry, r.sequence);
    let life = this.lives.get(key) ?? null;
    if (!life) {
      // Only what can become evidence starts a life: a staged name, a folder, a create (a later rename may reveal it).
      const interesting = isDirectory || (r.name !== null && stagedNameKind(r.name) !== null) || (r.reason & R.fileCreate) !== 0;
      if (!interesting) return;
      life = this.track(r, isDirectory);
      if (!life) return;
    }
    life.records++;
    life.lastUsn = r.usn;
    if (r.major !== 4) {
      life.parentEntry = r.parentEntry;
      life.parentSequence = r.parentSequence;
    }
    if (r.name !== null) {
      if (!life.names.includes(r.name) && life.names.length < TRACE_LIMITS.namesPerLife) life.names.push(r.name);
      if (!isDirectory && stagedNameKind(r.name) !== null) life.staged = true;
    }
    if (r.reason & R.fileCreate && !life.created) {
      // A create gives several records (create, create|close): the burst counts the file once.
      life.created = r.timestamp;
      if (!isDirectory) this.countCreate(this.bursts, r.parentEntry, r.parentSequence, r.timestamp, r.usn);
    }
    if (r.reason & (R.dataExtend | R.dataOverwrite)) {
      // One write session gives several records (extend, then extend|close): count sessions by time.
      if (life.lastWrite !== r.timestamp) life.extends++;
      if (r.timestamp) life.lastWrite = r.timestamp;
    }
    if (r.reason & R.renameOld && r.name !== null) life.pendingOld = r.name;
    if (r.reason & R.renameNew && r.name !== null && life.pendingOld !== null) {
      if (life.pendingOld !== r.name && life.renames.length < TRACE_LIMITS.namesPerLife) life.renames.push({ from: life.pendingOld, to: r.name, time: r.timestamp });
      life.pendingOld = null;
    }
    if (r.reason & R.fileDelete) {
      if (!life.deleted) life.deleted = r.timestamp ?? life.firstTime;
      // A finished life that can never be evidence: forget it now, keep the map small.
      if (!life.staged && !life.isDirectory) this.lives.delete(key);
    }
  }

  // ---- $LogFile ----

  onLogFileRecord(r: LogFileRecord): void {
    this.logFileRecords++;
    const e = r.index;
    if (e && e.namespace !== FN_NAMESPACE.dos && e.entry < MAX_KEYED_ENTRY && e.parentEntry < MAX_KEYED_ENTRY) this.onLogFileName(e, r.lsn, e.change);
    const rec = r.fileRecord;
    if (rec?.inUse && rec.name?.created && (this.logClock === null || rec.name.created >= this.logClock)) {
      this.logClock = rec.name.created;
      for (const b of this.openBrackets) b.before = rec.name.created;
      this.openBrackets.length = 0;
    }
    if (rec && rec.entry !== null && rec.inUse) {
      const life = this.logLife(rec.entry, rec.sequence, r.lsn, rec.name);
      if (life) life.initialised = true;
    }
    const si = r.siTimes;
    if (si?.modified) {
      const waiting = this.awaitingFolderTime.get(si.entry);
      if (waiting) {
        for (const w of waiting) if (w.bracket.at === null && this.logFileRecords - w.record <= FOLDER_TIME_WITHIN) w.bracket.at = si.modified;
        this.awaitingFolderTime.delete(si.entry);
      }
      // A file's own update: its content written (not after its name was removed: the entry may be another file's by then).
      const key = this.logLifeOfEntry.get(si.entry);
      const life = key === undefined ? undefined : this.logLives.get(key);
      if (life && !life.isDirectory && life.removed === null && (life.lastWritten === null || si.modified > life.lastWritten)) life.lastWritten = si.modified;
    }
    const freed = r.freedRecord?.entry;
    if (freed !== undefined && freed !== null) {
      const key = this.logLifeOfEntry.get(freed);
      const life = key === undefined ? undefined : this.logLives.get(key);
      if (life && life.removed !== null) {
        life.freed = true;
        life.lastLsn = r.lsn;
        life.records++;
      }
    }
  }

  private logLife(entry: number, sequence: number, lsn: number, name: LogFileName | null): LogLife | null {
    const key = lifeKey(entry, sequence);
    const have = this.logLives.get(key);
    if (have) return have;
    if (!name) return null;
    if (this.logLives.size >= TRACE_LIMITS.trackedLives) {
      // Unremarkable lives go first, as for the journal.
      for (const [k, l] of this.logLives) {
        if (l.staged || this.logLives.size <= TRACE_LIMITS.trackedLives * 0.75) continue;
        this.logLives.delete(k);
        if (this.logLifeOfEntry.get(l.entry) === k) this.logLifeOfEntry.delete(l.entry);
      }
      if (this.logLives.size >= TRACE_LIMITS.trackedLives) {
        if (!this.logFull) this.warn(`more than ${TRACE_LIMITS.trackedLives} files in the $LogFile at once; later ones are not followed`);
        this.logFull = true;
        return null;
      }
    }
    const life: LogLife = {
      entry,
      sequence,
      firstLsn: lsn,
      lastLsn: lsn,
      records: 0,
      created: null,
      initialised: false,
      freed: false,
      names: [],
      renames: [],
      parentEntry: name.parentEntry,
      parentSequence: name.parentSequence,
      isDirectory: name.isDirectory,
      staged: false,
      size: 0,
      removed: null,
      removedBetween: { after: null, before: null, at: null },
      lastWritten: null,
    };
    this.logLives.set(key, life);
    this.logLifeOfEntry.set(entry, key);
    return life;
  }

  private onLogFileName(e: LogFileName, lsn: number, change: 'added' | 'removed'): void {
    if (e.isDirectory && change === 'added' && !this.journalFolders.has(e.entry) && this.journalFolders.size < TRACE_LIMITS.journalFolders)
      this.journalFolders.set(e.entry, { sequence: e.sequence, name: e.name, parentEntry: e.parentEntry, parentSequence: e.parentSequence });
    const life = this.logLife(e.entry, e.sequence, lsn, e);
    if (!life) return;
    life.records++;
    life.lastLsn = lsn;
    if (e.size > life.size) life.size = e.size;
    // A file made before the log's oldest record is known by its removal alone: its name counts as well.
    if (!life.names.includes(e.name) && life.names.length < TRACE_LIMITS.namesPerLife) life.names.push(e.name);
    if (!life.isDirectory && stagedNameKind(e.name) !== null) life.staged = true;
    if (change === 'removed') {
      life.removed = e.name;
      life.removedBetween = { after: this.logClock, before: null, at: null };
      if (this.openBrackets.length < TRACE_LIMITS.candidates) this.openBrackets.push(life.removedBetween);
      const waiting = this.awaitingFolderTime.get(e.parentEntry) ?? [];
      if (waiting.length < 16 && this.awaitingFolderTime.size < TRACE_LIMITS.candidates) {
        waiting.push({ bracket: life.removedBetween, record: this.logFileRecords });
        this.awaitingFolderTime.set(e.parentEntry, waiting);
      }
      return;
    }
    if (life.removed !== null) {
      // A name removed, then another added for the same file: a rename (or a move).
      if (life.removed !== e.name && life.renames.length < TRACE_LIMITS.namesPerLife) life.renames.push({ from: life.removed, to: e.name, between: life.removedBetween });
      life.removed = null;
    } else if (life.records === 1) {
      // The first thing the log shows of the file is a name added: its creation.
      life.created = e.created;
      if (!life.isDirectory) this.countCreate(this.logBursts, e.parentEntry, e.parentSequence, e.created, lsn);
    }
    life.parentEntry = e.parentEntry;
    life.parentSequence = e.parentSequence;
  }

  // ---- candidates ----

  private volRel(volPath: string): string {
    const inner = volPath.replace(/^\//, '');
    return this.src.volumeRel ? `${this.src.volumeRel}/${inner}` : inner;
  }

  private windowsPath(volPath: string): string {
    return `${this.src.drive}:${volPath.replace(/\//g, '\\')}`;
  }

  /** The MFT record of a journal life: the same life in use, or freed (sequence + 1) or not yet reused. */
  private mftOf(life: { entry: number; sequence: number }): MftFacts | null {
    const live = this.liveStaged.get(life.entry);
    if (live && live.sequence === life.sequence) return live;
    const dead = this.deletedRecords.get(life.entry);
    if (dead && (dead.sequence === life.sequence || dead.sequence === ((life.sequence + 1) & 0xffff))) return dead;
    return null;
  }

  /** What of a staged file's life is gone and what remains: the records that tell it, and its MFT record (deleted, live, or reused). */
  private goneAndRemains(deleted: boolean, mft: MftFacts | null, records: string): { gone: string[]; remains: string[] } {
    const gone: string[] = deleted ? ['the file and its content'] : [];
    const remains = [records];
    if (mft && !mft.inUse) remains.push(`its deleted MFT record (entry ${mft.entry}-${mft.sequence}, ${mft.size} bytes)`);
    else if (mft) remains.push(`the file itself (MFT entry ${mft.entry}-${mft.sequence})`);
    else if (this.names && deleted) gone.push('its MFT record (reused)');
    return { gone, remains };
  }

  private lifeText(name: string, dir: string, life: Life, mft: MftFacts | null): string {
    const parts: string[] = [];
    const first = life.names[0] ?? name;
    parts.push(life.created ? `${first} was created in ${dir} at ${hhmm(life.created)}` : `${first} in ${dir} is first seen at ${hhmm(life.firstTime)}`);
    if (life.extends > 0) parts.push(`written ${life.extends} time${life.extends === 1 ? '' : 's'}${life.lastWrite ? ` until ${hhmm(life.lastWrite)}` : ''}${mft && mft.size > 0 ? ` (${mft.size} bytes)` : ''}`);
    for (const r of life.renames) parts.push(`renamed ${r.from} -> ${r.to} at ${hhmm(r.time)}`);
    if (life.deleted) parts.push(`deleted at ${hhmm(life.deleted)}`);
    return parts.join(', ');
  }

  lifeCandidates(): Candidate[] {
    const out: Candidate[] = [];
    const stagedInFolder = new Map<number, number>();
    const usnRel = this.src.usnRel ?? '$J';
    for (const life of this.lives.values()) {
      if (!life.staged || life.isDirectory || out.length >= TRACE_LIMITS.candidates) continue;
      const name = life.names[life.names.length - 1] ?? `entry-${life.entry}`;
      const dir = this.folderPath(life.parentEntry, life.parentSequence);
      const volPath = `${dir === '/' ? '' : dir}/${name}`;
      if (/^\/(\$recycle\.bin|recycler)\//i.test(volPath)) continue; // the Recycle Bin parsers own those
      const place = this.placeOf(volPath);
      const mft = this.mftOf(life);
      if (mft) this.deletedRecords.delete(life.entry);
      const hits: Hit[] = [];
      // The name the archive was made under: what the command that made it names (history, event log).
      const madeAs = life.names.find((n) => stagedNameKind(n) !== null) ?? name;
      const what = stagedWhat(stagedNameKind(madeAs));
      if (life.deleted) {
        hits.push({ rule: 'ntfs-archive-deleted', message: `${what} ${name} deleted at ${hhmm(life.deleted)} without the Recycle Bin (USN journal${mft && !mft.inUse ? ', deleted MFT record' : ''})` });
        if (place) hits.push({ rule: 'ntfs-archive-deleted-from-staging-place', score: 10 + place.weight, message: `deleted from ${place.label}` });
        const born = isoMs(life.created);
        const gone = isoMs(life.deleted);
        if (place && place.weight >= SHORT_LIFE_MIN_WEIGHT && born !== null && gone !== null && life.extends > 0 && gone - born <= SHORT_LIFE_MS)
          hits.push({ rule: 'ntfs-archive-short-life', message: `created, written and deleted within ${Math.max(1, Math.round((gone - born) / 60_000))} minutes` });
      } else if (place && life.created) {
        hits.push({ rule: 'ntfs-archive-created-in-staging-place', message: `${what} ${name} created in ${place.label} at ${hhmm(life.created)} (USN journal)` });
      }
      for (const r of life.renames) {
        if (renameHidesArchive(r.from, r.to)) hits.push({ rule: 'ntfs-archive-extension-hidden', message: `renamed ${r.from} -> ${r.to} at ${hhmm(r.time)}: the archive extension is hidden` });
      }
      if (hits.length === 0) continue;
      const parentKey = lifeKey(life.parentEntry, life.parentSequence);
      stagedInFolder.set(parentKey, (stagedInFolder.get(parentKey) ?? 0) + 1);
      const { gone, remains } = this.goneAndRemains(life.deleted !== null, mft, `${life.records} USN journal records`);
      const events: TimelineEvent[] = [];
      const first = life.names[0] ?? name;
      if (life.created) events.push({ time: life.created, type: 'created', description: `${first} created in ${dir} (USN journal)` });
      for (const r of life.renames) if (r.time) events.push({ time: r.time, type: 'renamed', description: `${r.from} renamed to ${r.to} (USN journal)` });
      if (life.deleted) events.push({ time: life.deleted, type: 'deleted', description: `${name} deleted from ${dir} (USN journal)` });
      out.push({
        kind: 'usn-record',
        path: this.volRel(volPath),
        usn: life.firstUsn,
        originalPath: this.windowsPath(`${dir === '/' ? '' : dir}/${madeAs}`),
        deletedAt: life.deleted,
        hits,
        size: mft ? mft.size : null,
        format: null,
        times: { born: life.created ?? life.firstTime, modified: life.lastWrite, changed: null, accessed: null },
        events,
        details: {
          source: usnRel,
          entry: life.entry,
          sequence: life.sequence,
          names: life.names,
          writes: life.extends,
          firstUsn: life.firstUsn,
          lastUsn: life.lastUsn,
          life: this.lifeText(name, dir, life, mft),
          gone,
          remains,
          ...(mft ? { mft: mftDetails(mft) } : {}),
        },
      });
    }
    const folderLife = new Map<number, Life>();
    for (const life of this.lives.values()) if (life.isDirectory) folderLife.set(lifeKey(life.entry, life.sequence), life);
    const journalFolders = this.folderCandidates({
      source: 'USN journal',
      rel: this.src.usnRel ?? '$J',
      burstHow: '',
      bursts: this.bursts,
      stagedIn: stagedInFolder,
      lifeOf: (key, best) => {
        const life = folderLife.get(key);
        return {
          created: life?.created ?? null,
          deleted: life?.deleted ? { text: ` at ${hhmm(life.deleted)}`, at: life.deleted } : null,
          locators: { kind: 'usn-record', usn: life?.firstUsn ?? best?.usn ?? 0 },
          details: {},
        };
      },
    });
    for (const c of journalFolders) out.push(c);
    return out;
  }

  /**
   * Staged files whose life the $LogFile shows: added to a journal life of the same file (the log
   * confirms it), else a `logfile-record` candidate of their own (a journal cleared or purged),
   * merged with the file's MFT record as a journal life is. Run after lifeCandidates, before
   * mftCandidates (a merged deleted record is not reported again).
   */
  logFileCandidates(existing: readonly Candidate[]): Candidate[] {
    const out: Candidate[] = [];
    if (this.logLives.size === 0) return out;
    const logRel = this.src.logFileRel ?? '$LogFile';
    const journalLives = new Map<number, Candidate>();
    for (const c of existing) {
      if (c.kind === 'usn-record' && typeof c.details?.entry === 'number' && typeof c.details.sequence === 'number') journalLives.set(lifeKey(c.details.entry, c.details.sequence), c);
    }
    for (const life of this.logLives.values()) {
      if (!life.staged || life.isDirectory || out.length >= TRACE_LIMITS.candidates) continue;
      const deleted = life.removed !== null;
      const logFacts = {
        source: logRel,
        records: life.records,
        firstLsn: life.firstLsn,
        lastLsn: life.lastLsn,
        names: life.names,
        ...(life.renames.length > 0 ? { renames: life.renames } : {}),
        ...(life.lastWritten ? { lastWritten: life.lastWritten } : {}),
        ...(deleted ? { deleted: true, deletedBetween: life.removedBetween } : {}),
      };
      const journal = journalLives.get(lifeKey(life.entry, life.sequence));
      if (journal?.details) {
        journal.details.logFile = logFacts;
        if (Array.isArray(journal.details.remains)) (journal.details.remains as string[]).push(`${life.records} $LogFile records`);
        continue;
      }
      const name = deleted ? life.removed! : (life.names[life.names.length - 1] ?? `entry-${life.entry}`);
      const dir = this.folderPath(life.parentEntry, life.parentSequence);
      const volPath = `${dir === '/' ? '' : dir}/${name}`;
      if (/^\/(\$recycle\.bin|recycler)\//i.test(volPath)) continue;
      const place = this.placeOf(volPath);
      const madeAs = life.names.find((n) => stagedNameKind(n) !== null) ?? name;
      const what = stagedWhat(stagedNameKind(madeAs));
      const hits: Hit[] = [];
      if (deleted) {
        hits.push({ rule: 'ntfs-archive-deleted', message: `${what} ${name} deleted without the Recycle Bin: the $LogFile records its name removed from ${dir}${life.freed ? ' and its MFT record freed' : ''} (${bracketText(life.removedBetween) || 'no time: the log keeps none'})` });
        if (place) hits.push({ rule: 'ntfs-archive-deleted-from-staging-place', score: 10 + place.weight, message: `deleted from ${place.label}` });
        // The deletion came before the next creation the log shows: an upper bound of the life. Content: the size its last index entry carried.
        const gone = life.removedBetween;
        const born = isoMs(life.created);
        const by = isoMs(gone.at ?? gone.before);
        if (place && place.weight >= SHORT_LIFE_MIN_WEIGHT && born !== null && by !== null && life.size > 0 && by - born <= SHORT_LIFE_MS) {
          const within = `created (${life.size} bytes) and deleted within ${Math.max(1, Math.round((by - born) / 60_000))} minutes`;
          hits.push({ rule: 'ntfs-archive-short-life', message: gone.at ? `${within} ($LogFile)` : `${within} (deleted before ${hhmm(gone.before)}, by the $LogFile's order)` });
        }
      } else if (place && life.initialised) {
        hits.push({ rule: 'ntfs-archive-created-in-staging-place', message: `${what} ${name} created in ${place.label} at ${hhmm(life.created)} ($LogFile)` });
      }
      for (const r of life.renames) if (renameHidesArchive(r.from, r.to)) hits.push({ rule: 'ntfs-archive-extension-hidden', message: `renamed ${r.from} -> ${r.to}${withBracket(r.between)} ($LogFile): the archive extension is hidden` });
      if (hits.length === 0) continue;
      const mft = this.mftOf(life);
      if (mft) this.deletedRecords.delete(life.entry);
      const { gone, remains } = this.goneAndRemains(deleted, mft, `${life.records} $LogFile records`);
      const first = life.names[0] ?? name;
      const story = [life.initialised && life.created ? `${first} was created in ${dir} at ${hhmm(life.created)}` : `${first} in ${dir}${life.created ? ` (its name says created at ${hhmm(life.created)})` : ''}`];
      if (life.lastWritten) story.push(`written until ${hhmm(life.lastWritten)}`);
      for (const r of life.renames) story.push(`renamed ${r.from} -> ${r.to}${withBracket(r.between)}`);
      if (deleted) story.push(`deleted${withBracket(life.removedBetween)}${life.freed ? ' (its MFT record freed)' : ''}`);
      out.push({
        kind: 'logfile-record',
        path: this.volRel(volPath),
        mftEntry: life.entry,
        mftSequence: life.sequence,
        originalPath: this.windowsPath(`${dir === '/' ? '' : dir}/${madeAs}`),
        deletedAt: deleted ? life.removedBetween.at : null,
        hits,
        size: mft ? mft.size : life.size,
        format: null,
        times: { born: life.created, modified: life.lastWritten, changed: null, accessed: null },
        events: logLifeEvents(life, first, name, dir),
        details: {
          ...logFacts,
          entry: life.entry,
          sequence: life.sequence,
          life: `${story.join(', ')} (in $LogFile order, LSN ${life.firstLsn} to ${life.lastLsn})`,
          gone,
          remains,
          ...(mft ? { mft: mftDetails(mft) } : {}),
        },
      });
    }
    // The folders: only where the journal gave nothing (it has their lives, with times, when it has any).
    if (this.usnRecords === 0) for (const c of this.logFolderCandidates()) out.push(c);
    return out;
  }

  /** Bursts of creates into one staging folder and staging folders deleted, as the $LogFile shows them. */
  private logFolderCandidates(): Candidate[] {
    const stagedIn = new Map<number, number>();
    const folders = new Map<number, LogLife>();
    for (const [key, l] of this.logLives) {
      if (l.isDirectory) folders.set(key, l);
      else if (l.staged) stagedIn.set(lifeKey(l.parentEntry, l.parentSequence), (stagedIn.get(lifeKey(l.parentEntry, l.parentSequence)) ?? 0) + 1);
    }
    return this.folderCandidates({
      source: '$LogFile',
      rel: this.src.logFileRel ?? '$LogFile',
      burstHow: ', by their $FILE_NAME creation times',
      bursts: this.logBursts,
      stagedIn,
      lifeOf: (key, best) => {
        const folder = folders.get(key);
        const deleted = folder !== undefined && folder.removed !== null;
        return {
          created: folder?.created ?? null,
          deleted: deleted ? { text: withBracket(folder.removedBetween), at: folder.removedBetween.at } : null,
          locators: { kind: 'logfile-record', mftEntry: Math.floor(key / 65536), mftSequence: key % 65536 },
          details: { firstLsn: folder?.firstLsn ?? best?.usn ?? 0, ...(deleted ? { deleted: true, deletedBetween: folder.removedBetween } : {}) },
        };
      },
    });
  }

  /**
   * Create bursts into one staging folder, and staging folders deleted afterwards, as one source
   * (the journal or the $LogFile) shows them: the folders with a burst or a staged archive, in a
   * staging place.
   */
  private folderCandidates(src: FolderSource): Candidate[] {
    const out: Candidate[] = [];
    const keys = new Set<number>();
    for (const [k, b] of src.bursts) if (b.best && b.best.count >= BURST_MIN_CREATES) keys.add(k);
    for (const k of src.stagedIn.keys()) keys.add(k);
    for (const key of keys) {
      if (out.length >= TRACE_LIMITS.candidates) break;
      const entry = Math.floor(key / 65536);
      const sequence = key % 65536;
      const volPath = this.folderPath(entry, sequence);
      if (volPath === '/') continue;
      const place = this.placeOf(`${volPath}/x`);
      if (!place) continue;
      const b = src.bursts.get(key)?.best ?? null;
      const burst = b && b.count >= BURST_MIN_CREATES ? b : null;
      const life = src.lifeOf(key, b);
      const hits: Hit[] = [];
      if (burst)
        hits.push({ rule: 'ntfs-journal-create-burst', message: `${burst.count} files created in ${volPath} within ${Math.max(1, Math.round((burst.end - burst.start) / 60_000))} minutes from ${hhmm(new Date(burst.start).toISOString())} (${src.source}${src.burstHow})` });
      if (life.deleted) {
        const why = [burst ? `received a burst of ${burst.count} files` : '', src.stagedIn.get(key) ? `held ${src.stagedIn.get(key)} staged archive(s)` : ''].filter(Boolean).join(' and ');
        hits.push({ rule: 'ntfs-staging-folder-deleted', message: `the folder ${volPath} in ${place.label} ${why}, then was deleted${life.deleted.text} (${src.source})` });
      }
      if (hits.length === 0) continue;
      const events: TimelineEvent[] = [];
      if (burst) {
        events.push({ time: new Date(burst.start).toISOString(), type: 'burst-start', description: `${burst.count} files start arriving in ${volPath} (${src.source})` });
        events.push({ time: new Date(burst.end).toISOString(), type: 'burst-end', description: `last of ${burst.count} files arrives in ${volPath} (${src.source})` });
      }
      if (life.deleted?.at) events.push({ time: life.deleted.at, type: 'deleted', description: `folder ${volPath} deleted (${src.source})` });
      out.push({
        ...life.locators,
        path: this.volRel(volPath),
        originalPath: this.windowsPath(volPath),
        deletedAt: life.deleted?.at ?? null,
        hits,
        size: null,
        times: { born: life.created, modified: b ? new Date(b.end).toISOString() : null, changed: null, accessed: null },
        events,
        details: {
          source: src.rel,
          entry,
          sequence,
          folder: true,
          ...life.details,
          life: `the folder ${volPath}${burst ? ` received ${burst.count} new files` : ''}${life.deleted ? ` and was deleted${life.deleted.text}` : ''}`,
          gone: life.deleted ? ['the folder and its files'] : [],
          remains: [`${src.source} records`],
        },
      });
    }
    return out;
  }

  /** Deleted MFT records of staged archives the journal did not account for, and timestomped files. */
  mftCandidates(): Candidate[] {
    const out: Candidate[] = [];
    const mftRel = this.src.mftRel ?? '$MFT';
    for (const d of this.deletedRecords.values()) {
      if (out.length >= TRACE_LIMITS.candidates) break;
      const kind = stagedNameKind(d.name);
      if (!kind || /^\/(\$recycle\.bin|recycler)\//i.test(d.path)) continue;
      const place = this.placeOf(d.path);
      const hits: Hit[] = [{ rule: 'ntfs-archive-deleted', message: `deleted MFT record of ${stagedWhat(kind)} ${d.name} (${d.size} bytes): deleted without the Recycle Bin` }];
      if (place) hits.push({ rule: 'ntfs-archive-deleted-from-staging-place', score: 10 + place.weight, message: `deleted from ${place.label}` });
      out.push(this.mftCandidate(d, hits, mftRel, ['the file and its content'], [`its deleted MFT record (entry ${d.entry}-${d.sequence})`]));
    }
    for (const t of this.timestomped) {
      if (out.length >= TRACE_LIMITS.candidates) break;
      const signs = t.timestomp.filter((x) => x === 'siCreatedBeforeFn' || x === 'siModifiedBeforeFn');
      out.push(this.mftCandidate(t, [{ rule: 'ntfs-timestomp-signs', message: `$STANDARD_INFORMATION times earlier than $FILE_NAME creation (${signs.join(', ')}): $SI created ${hhmm(t.siCreated)}, $FN created ${hhmm(t.fnCreated)}` }], mftRel, [], ['the file']));
    }
    return out;
  }

  private mftCandidate(d: MftFacts, hits: Hit[], mftRel: string, gone: string[], remains: string[]): Candidate {
    return {
      kind: 'mft-record',
      path: this.volRel(d.path),
      mftEntry: d.entry,
      mftSequence: d.sequence,
      originalPath: this.windowsPath(d.path),
      hits,
      size: d.size,
      times: { born: d.fnCreated ?? d.siCreated, modified: d.siModified, changed: null, accessed: null },
      details: { source: mftRel, life: `${d.name} in ${dirOf(d.path)}: ${hits[0]!.message}`, gone, remains, mft: mftDetails(d) },
    };
  }

  private onDirectory(entry: number, sequence: number, slack: readonly IndexEntry[], hasIndexAllocation: boolean): void {
    for (const e of slack) this.slackNames.note(entry, e, 'MFT record slack');
    if (hasIndexAllocation && this.src.openIndex && this.indexedDirectories.length < 2 * TRACE_LIMITS.indexedDirectories) this.indexedDirectories.push(entry, sequence);
  }

  /**
   * The in-use directories the pass passed over (plain records) whose index has slack: read one
   * record at a time (spread over the $MFT, they would make the pass read nearly every window).
   */
  readDirectoryRecords(mft: ByteSource): void {
    const recordSize = mftRecordSize(mft);
    if (!recordSize) return;
    let read = 0;
    for (const entry of this.indexDirectories) {
      if (this.directoriesRead.has(entry)) continue;
      if (++read > TRACE_LIMITS.indexedDirectories) break;
      const rec = parseMftRecord(mft.read(entry * recordSize, recordSize), entry);
      if (rec?.inUse && rec.isDirectory && !rec.base) this.onDirectory(entry, rec.sequence, ownIndexSlack(rec), hasIndexAllocation(rec));
    }
  }

  /**
   * The slack of every INDX block of the directories the $MFT pass queued (an image's), a batch of
   * directories at a time: a batch's indexes are opened and hinted to the image's read-ahead first,
   * so that their blocks are decoded on the other core while the ones before are searched.
   */
  async readIndexes(): Promise<void> {
    const open = this.src.openIndex;
    if (!open) return;
    const warnings: string[] = [];
    const dirs = this.indexedDirectories;
    type Opened = { entry: number; src: ByteSource };
    const openBatch = (from: number): Opened[] => {
      const out: Opened[] = [];
      // No more hinted at once than the image's block cache keeps until it is read.
      let hintBudget = INDEX_HINT_BYTES;
      for (let i = from; i < Math.min(dirs.length, from + 2 * INDEX_BATCH); i += 2) {
        try {
          const src = open(dirs[i]!, dirs[i + 1]!);
          if (!src) continue;
          if (hintBudget > 0 && src.willRead) {
            src.willRead(0, Math.min(src.size, hintBudget));
            hintBudget -= src.size;
          }
          out.push({ entry: dirs[i]!, src });
        } catch (err) {
          warnings.push(`MFT entry ${dirs[i]} $I30: ${(err as Error).message}`);
        }
      }
      return out;
    };
    let next = openBatch(0);
    let budget = TRACE_LIMITS.indexBytes;
    for (let from = 0; from < dirs.length && budget > 0; from += 2 * INDEX_BATCH) {
      const batch = next;
      next = openBatch(from + 2 * INDEX_BATCH);
      for (const { entry, src } of batch) {
        budget -= Math.min(src.size, LIMITS.maxIndexStreamBytes);
        if (budget < 0) {
          this.warn(`$I30: more than ${TRACE_LIMITS.indexBytes} bytes of directory indexes; the slack of the rest is not searched`);
          break;
        }
        try {
          for (const e of readIndexStream(src, warnings, { slackOnly: true, keep: isStagedName }).entries) this.slackNames.note(entry, e, 'INDX slack');
        } catch (err) {
          warnings.push(`MFT entry ${entry} $I30: ${(err as Error).message}`);
        }
      }
      await this.src.yieldNow?.();
    }
    for (const w of warnings.slice(0, 20)) this.warn(`$I30: ${w}`);
    if (warnings.length > 20) this.warn(`$I30: ${warnings.length - 20} more warnings`);
  }

  /**
   * Staged names the slack of a folder's $I30 index keeps while no live file of the folder has the
   * name and the entry's MFT record no longer holds that file. Where a journal life or a deleted
   * MFT record already tells of the same file, the name in slack is added to what remains of it.
   */
  slackCandidates(existing: Candidate[]): Candidate[] {
    const out: Candidate[] = [];
    const byRef = new Map<string, Candidate>();
    const byPath = new Map<string, Candidate>();
    for (const c of existing) {
      const entry = c.kind === 'usn-record' ? (c.details?.entry as number | undefined) : c.mftEntry;
      const sequence = c.kind === 'usn-record' ? (c.details?.sequence as number | undefined) : c.mftSequence;
      if (entry !== undefined && sequence !== undefined) byRef.set(`${entry}-${sequence}`, c);
      byPath.set(c.path.toLowerCase(), c);
    }
    const mftRel = this.src.mftRel ?? '$MFT';
    for (const s of this.slackNames.values()) {
      if (out.length >= TRACE_LIMITS.candidates) break;
      const dir = this.names?.resolve(s.directory).path ?? `${ORPHAN_ROOT}/folder-${s.directory}`;
      const volPath = `${dir === '/' ? '' : dir}/${s.name}`;
      // A live file of the folder has the name (the key is a stale copy of its entry), or the file the
      // entry names lives on (moved or renamed): not gone.
      if (this.liveStagedNames.has(`${s.directory}/${s.name.toLowerCase()}`) || /^\/(\$recycle\.bin|recycler)\//i.test(volPath)) continue;
      if (s.file ? this.names?.inUseWith(s.file.entry, s.file.sequence) : this.liveStagedNamesFull) continue;
      const remains = `its name in the $I30 index slack of ${dir} (${s.where})`;
      const known = (s.file && (byRef.get(`${s.file.entry}-${s.file.sequence}`) ?? byRef.get(`${s.file.entry}-${(s.file.sequence + 1) & 0xffff}`))) || byPath.get(this.volRel(volPath).toLowerCase());
      if (known) {
        const details = (known.details ??= {});
        if (Array.isArray(details.remains)) (details.remains as string[]).push(remains);
        details.i30 = slackDetails(s);
        continue;
      }
      const what = stagedWhat(s.kind);
      const place = this.placeOf(volPath);
      const hits: Hit[] = [
        { rule: 'ntfs-archive-deleted', message: `${what} ${s.name} is gone from ${dir}: its name remains in the folder's $I30 index slack${s.file ? ` (MFT entry ${s.file.entry}-${s.file.sequence} no longer holds it)` : ''}` },
      ];
      if (place) hits.push({ rule: 'ntfs-archive-deleted-from-staging-place', score: 10 + place.weight, message: `deleted from ${place.label}` });
      const fn = s.entry.fn;
      out.push({
        kind: 'i30-entry',
        path: this.volRel(volPath),
        ...(s.file ? { mftEntry: s.file.entry, mftSequence: s.file.sequence } : {}),
        originalPath: this.windowsPath(volPath),
        hits,
        size: fn.dataSize,
        times: { born: filetimeToIso(fn.created), modified: filetimeToIso(fn.modified), changed: null, accessed: null },
        details: {
          // the index read: the folder's $I30 stream (an image), or the $MFT holding the folder's record
          source: s.where === 'INDX slack' ? `${dir}:$I30` : mftRel,
          life: `${s.name} in ${dir}: ${hits[0]!.message}`,
          gone: ['the file and its MFT record'],
          remains: [remains],
          i30: slackDetails(s),
        },
      });
    }
    if (this.slackNames.dropped > 0) this.warn(`$I30 slack: ${this.slackNames.dropped} more staged names than kept`);
    if (this.liveStagedNamesFull) this.warn(`$I30 slack: more than ${TRACE_LIMITS.liveStagedNames} live files with archive names; names in slack without an MFT reference are not reported`);
    return out;
  }

  /**
   * Deleted staged files whose MFT record still names their clusters (image scans): whether those
   * clusters are still free ($Bitmap) and, when they are, what the content is (fingerprinted like
   * a file). A deleted archive whose content is still there, unallocated, is recoverable (icat);
   * one whose clusters were given to other files is said to be overwritten. Adds to the candidates.
   */
  async recoverDeleted(candidates: readonly Candidate[]): Promise<void> {
    if (!this.src.openDeleted) return;
    let looked = 0;
    for (const c of candidates) {
      const mft = c.details?.mft as { entry: number; sequence: number; inUse: boolean } | undefined;
      if (!mft || mft.inUse || (c.kind !== 'usn-record' && c.kind !== 'mft-record')) continue;
      if (looked++ >= TRACE_LIMITS.deletedContents) {
        this.warn(`more than ${TRACE_LIMITS.deletedContents} deleted archives: the content of the rest is not looked for`);
        return;
      }
      let opened: { src: ByteSource; use: DeletedClusterUse } | null = null;
      try {
        opened = this.src.openDeleted(mft.entry, mft.sequence);
      } catch (err) {
        this.warn(`${c.path}: deleted content not read: ${(err as Error).message}`);
      }
      if (!opened) continue;
      const { src, use } = opened;
      const reused = use.allocated + use.unchecked;
      const state = use.resident ? 'in its MFT record' : use.clusters === 0 ? 'empty' : reused === 0 ? 'unallocated' : reused >= use.clusters ? 'overwritten' : 'partly overwritten';
      const recovered: Record<string, unknown> = { content: state, clusters: use.clusters, reusedClusters: use.allocated, ...(use.unchecked > 0 ? { uncheckedClusters: use.unchecked } : {}) };
      const details = c.details as { gone: string[]; remains: string[]; recovered?: Record<string, unknown> };
      if ((state === 'unallocated' || state === 'in its MFT record') && src.size > 0) {
        const name = baseOf(c.path);
        let fp: Awaited<ReturnType<typeof fingerprint>>;
        try {
          fp = await fingerprint(src, src.read(0, LIMITS.headBytes), name);
        } catch (err) {
          this.warn(`${c.path}: deleted content not read: ${(err as Error).message}`);
          details.recovered = { ...recovered, notRead: (err as Error).message };
          continue;
        }
        recovered.format = fp.format;
        recovered.description = fp.description;
        recovered.classification = fp.classification;
        recovered.entropy = fp.entropy === null ? null : Math.round(fp.entropy * 1000) / 1000;
        const where = state === 'unallocated' ? `${use.clusters} unallocated cluster${use.clusters === 1 ? '' : 's'}, none reused` : 'in its MFT record';
        onlyTheFileGone(details);
        details.remains.push(`its content (${where}; recoverable by MFT entry ${mft.entry}, as icat reads it)`);
        const archive = await this.archiveOf(src, name, fp.format, c.path);
        if (archive) recovered.archive = archive;
        const verdict = stagedContent(fp);
        if (verdict) {
          const what = archive ? `${archive.description} (${fp.description})` : verdict;
          // Points only where the deletion is already staging evidence: an ordinary deleted download whose clusters are still free stays low.
          const staged = c.hits.some((h) => STAGING_TRACE_RULES.has(h.rule));
          c.hits.push({ rule: 'ntfs-deleted-content-recoverable', ...(staged ? {} : { score: 0 }), message: `its content is still on the volume (${where}): ${what}` });
          // The bytes as the analyst will carve them (icat), for the case file: staging evidence only, within --hash's cap and a per-volume budget.
          if (staged && this.recoveredHashes) Object.assign(recovered, await this.recoveredHashes.hash(src, this.src.yieldNow));
        }
      } else if (state === 'overwritten' || state === 'partly overwritten') {
        onlyTheFileGone(details);
        details.gone.push(`its content (${use.allocated + use.unchecked} of ${use.clusters} clusters since given to other files)`);
      }
      details.recovered = recovered;
      await this.src.yieldNow?.();
    }
  }

  /** A recovered content read by the archive parser that claims it, as a file of the walk is: what it says of the archive, or null. */
  private async archiveOf(src: ByteSource, name: string, format: string | null, path: string): Promise<Record<string, unknown> | null> {
    try {
      const ctx = { relPath: path, name, head: src.read(0, LIMITS.headBytes), size: src.size, format };
      const parser = ARCHIVE_PARSERS.find((p) => p.matches(ctx));
      if (!parser) return null;
      const result = await parser.parse(src, ctx);
      const s = result?.facts;
      if (!result || !s) return null;
      // The first names it lists (what was staged), shown as the archive finding shows them.
      const names = contentNames(result.records, RECOVERED_NAMES);
      return { format: s.format, description: describeArchive(s, { name }), entries: s.entryCount, encryptedEntries: s.encryptedEntryCount, headersEncrypted: s.headersEncrypted, encryption: s.encryption, ...(names.length > 0 ? { names } : {}), ...(result.corrupted ? { damaged: true } : {}) };
    } catch (err) {
      this.warn(`${path}: deleted content not read as an archive: ${(err as Error).message}`);
      return null;
    }
  }

  /** Archives and encrypted blobs hidden in alternate data streams (content when readable, else the stream's name). */
  async adsCandidates(): Promise<Candidate[]> {
    const out: Candidate[] = [];
    const mftRel = this.src.mftRel ?? '$MFT';
    for (const a of this.ads) {
      let src: ByteSource | null = a.resident ? bufferSource(a.resident, a.stream) : null;
      if (!src && this.src.openStream) {
        try {
          src = this.src.openStream(a.entry, a.sequence, a.stream);
        } catch (err) {
          this.warn(`${a.path}:${a.stream}: ${(err as Error).message}`);
        }
      }
      let verdict: string | null = null;
      let format: string | null = null;
      let entropy: number | null = null;
      if (src && src.size > 0) {
        const fp = await fingerprint(src, src.read(0, LIMITS.headBytes), a.stream);
        format = fp.format;
        entropy = fp.entropy === null ? null : Math.round(fp.entropy * 1000) / 1000;
        const content = stagedContent(fp);
        if (content) verdict = `${content} (${a.size} bytes)`;
      } else if (!src && stagedNameKind(a.stream) !== null && a.size > 0) {
        verdict = `a stream named like an archive (${a.size} bytes; its content is not in a collected $MFT)`;
      }
      if (!verdict) continue;
      out.push({
        kind: 'mft-record',
        path: this.volRel(a.path),
        mftEntry: a.entry,
        mftSequence: a.sequence,
        originalPath: `${this.windowsPath(a.path)}:${a.stream}`,
        hits: [{ rule: 'ntfs-archive-in-ads', message: `alternate data stream ${baseOf(a.path)}:${a.stream} holds ${verdict}` }],
        size: a.size,
        format,
        entropy,
        details: { source: mftRel, stream: a.stream, life: `${baseOf(a.path)} hides ${verdict} in its stream ${a.stream}`, gone: [], remains: ['the stream'] },
      });
      if (out.length >= TRACE_LIMITS.candidates) break;
    }
    return out;
  }
}

function mftDetails(d: MftFacts): Record<string, unknown> {
  return {
    entry: d.entry,
    sequence: d.sequence,
    inUse: d.inUse,
    size: d.size,
    siCreated: d.siCreated,
    siModified: d.siModified,
    fnCreated: d.fnCreated,
    timestomp: d.timestomp,
    ...(d.zone ? { zoneIdentifier: d.zone } : {}),
  };
}

const YIELD_EVERY = 65_536;

/** What fingerprinted content is, when it is what staging leaves (an archive, a compressed stream, an encrypted container, random data); else null. */
function stagedContent(fp: Awaited<ReturnType<typeof fingerprint>>): string | null {
  if (fp.classification === 'high-entropy-unknown') return 'likely encrypted data';
  return fp.classification === 'archive' || fp.classification === 'compressed' || fp.classification === 'encrypted' ? fp.description : null;
}

/** A deleted file whose content is accounted for apart: what is gone is the file itself. */
function onlyTheFileGone(details: { gone: string[] }): void {
  details.gone = details.gone.map((g) => (g === 'the file and its content' ? 'the file' : g));
}

/** Entry names of a recovered archive kept in `details.recovered.archive.names`. */
const RECOVERED_NAMES = 20;

/** A deleted archive's reasons that make it staging evidence (strong rules of docs/ntfs.md): its recovered content then counts. */
const STAGING_TRACE_RULES: ReadonlySet<string> = new Set(['ntfs-archive-deleted-from-staging-place', 'ntfs-archive-short-life', 'ntfs-archive-extension-hidden']);

const isStagedName = (name: string): boolean => stagedNameKind(name) !== null;
/** A $LogFile life's timeline rows: its creation, and the renames and deletion whose folder's times give them. */
function logLifeEvents(life: LogLife, first: string, name: string, dir: string): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  if (life.initialised && life.created) events.push({ time: life.created, type: 'created', description: `${first} created in ${dir} ($LogFile)` });
  for (const r of life.renames) if (r.between.at) events.push({ time: r.between.at, type: 'renamed', description: `${r.from} renamed to ${r.to} ($LogFile)` });
  if (life.removed !== null && life.removedBetween.at) events.push({ time: life.removedBetween.at, type: 'deleted', description: `${name} deleted from ${dir} ($LogFile)` });
  return events;
}

/** "at 02:40:00 UTC", "between 2024-05-01 02:14:05 UTC and 02:50:00 UTC", "after ...", "before ...", or '' when the log shows no time around it. */
function bracketText(b: TimeBracket): string {
  if (b.at) return `at ${hhmm(b.at)}`;
  if (b.after && b.before) return `between ${hhmm(b.after)} and ${hhmm(b.before)}`;
  if (b.after) return `after ${hhmm(b.after)}`;
  return b.before ? `before ${hhmm(b.before)}` : '';
}

function withBracket(b: TimeBracket): string {
  const text = bracketText(b);
  return text ? ` ${text}` : '';
}

/** How a finding names a staged file by its kind of name. */
function stagedWhat(kind: ReturnType<typeof stagedNameKind>): string {
  return kind === 'encrypted' ? 'encrypted container' : kind === 'volume' ? 'archive volume' : 'archive';
}
/** Directories whose indexes are opened and hinted to an image's read-ahead together, before the batch before them is searched. */
const INDEX_BATCH = 32;
const INDEX_HINT_BYTES = 4 * 1024 * 1024;

/** The first warnings of one source, and how many more (its own parser's walk would say as much). */
function sayWarnings(state: TraceState, source: string, warnings: readonly string[]): void {
  for (const w of warnings.slice(0, SOURCE_WARNINGS)) state.warn(`${source}: ${w}`);
  if (warnings.length > SOURCE_WARNINGS) state.warn(`${source}: ${warnings.length - SOURCE_WARNINGS} more warnings`);
}
const SOURCE_WARNINGS = 20;

/** Streams the $MFT and the journal through the detectors; memory is bounded by TRACE_LIMITS, not by their size. */
export async function ntfsTraceCandidates(src: TraceSources): Promise<TraceResult> {
  const state = new TraceState(src);
  let n = 0;
  if (src.mft) {
    const warnings: string[] = [];
    // Summaries only: the detectors read no JSON record (its ISO times cost more than the parse).
    const summaries = mftSummaries(
      src.mft,
      warnings,
      (index) => {
        state.names = index.names;
        state.plain = index.plain;
        state.indexDirectories = index.directories;
      },
      src.readEveryRecord ? undefined : (entry) => state.passesOver(entry),
    );
    for (let r = summaries.next(); !r.done; r = summaries.next()) {
      state.onMftRecord(r.value);
      if (++n % YIELD_EVERY === 0) await src.yieldNow?.();
    }
    sayWarnings(state, src.mftRel ?? '$MFT', warnings);
    state.readDirectoryRecords(src.mft);
  }
  if (src.usn) {
    const warnings: string[] = [];
    for (const r of walkUsnJournal(src.usn, warnings)) {
      state.onUsnRecord(r);
      if (++n % YIELD_EVERY === 0) await src.yieldNow?.();
    }
    sayWarnings(state, src.usnRel ?? '$J', warnings);
  }
  if (src.logFile) {
    const warnings: string[] = [];
    for (const r of walkLogFile(src.logFile, warnings, src.geometry)) {
      state.onLogFileRecord(r);
      if (++n % YIELD_EVERY === 0) await src.yieldNow?.();
    }
    sayWarnings(state, src.logFileRel ?? '$LogFile', warnings);
  }
  await state.readIndexes();
  const candidates = state.lifeCandidates();
  for (const c of state.logFileCandidates(candidates)) candidates.push(c);
  for (const c of state.mftCandidates()) candidates.push(c);
  await state.recoverDeleted(candidates);
  for (const c of await state.adsCandidates()) candidates.push(c);
  for (const c of state.slackCandidates(candidates)) candidates.push(c);
  return {
    candidates,
    warnings: state.warnings,
    stats: { mftRecords: state.mftRecords, mftRecordsRead: state.mftRecordsRead, usnRecords: state.usnRecords, logFileRecords: state.logFileRecords, stagedLives: [...state.lives.values()].filter((l) => l.staged).length, trackedFiles: state.lives.size },
  };
}
