/**
 * The NTFS trace stage (issue 13, docs/ntfs.md "Staging traces"): once per root, before
 * correlation, the $MFT and the USN journal are streamed through the staging detectors of
 * src/artifacts/ntfs/traces.ts. Where they come from:
 *   - an NTFS file system of a disk image: its own `$MFT`, `$Extend/$UsnJrnl:$J` and `$LogFile`, and its
 *     alternate data streams opened through the EvidenceFs;
 *   - a directory root holding a collection (KAPE `C/$MFT` + `C/$Extend/$UsnJrnl%3A$J` + `C/$LogFile`,
 *     Velociraptor, CyLR): each volume folder (the root itself or one level down) with a `$MFT`
 *     and/or a `$J`, the journal's paths resolved through the `$MFT` beside it.
 */
import type { EvidenceFs, FsEntry, OpenedSource } from '../evidence/fs.js';
import { NtfsFs } from '../evidence/image/fs/ntfs.js';
import { hotspotsFor, loadBuiltinHotspots, type Hotspot } from '../hotspots/catalog.js';
import type { DirEntryInfo } from '../model/evidence.js';
import type { Candidate } from '../rules/types.js';
import { ntfsTraceCandidates } from '../artifacts/ntfs/traces.js';
import type { HashSettings } from '../evidence/hash-source.js';

/** NTFS volumes are Windows volumes: their paths are matched against the Windows hotspots (and the user's). */
export function ntfsHotspots(extra: readonly Hotspot[] = []): Hotspot[] {
  return hotspotsFor([...loadBuiltinHotspots(), ...extra], 'windows');
}

export interface TraceStageResult {
  candidates: Candidate[];
  warnings: string[];
}

/** Where the trace stage finds an NTFS volume's own $MFT (root-relative, as the walk names files). */
const OWN_MFT = '$MFT';
/** The standalone parser of each trace source, which the trace stage's reading of the same file makes redundant in the walk. */
const SOURCE_PARSER = { mft: new Set(['mft']), usn: new Set(['usnjrnl']), logFile: new Set(['logfile']) } as const;
/** An image volume's own $MFT and $LogFile (its $J is a stream, which the walk does not open). */
const OWN_TRACE_PARSERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [OWN_MFT, SOURCE_PARSER.mft],
  ['$LogFile', SOURCE_PARSER.logFile],
]);

/**
 * Parsers the walk leaves out for a file of an image's file system because the trace stage reads
 * it: the volume's own $MFT, streamed through the staging detectors with its record warnings, is not
 * read a second time for the standalone parser's counts (they went nowhere: the $MFT is no finding).
 * A collected $MFT in a directory root is parsed as any file is.
 */
export function parsersLeftToTraces(fs: EvidenceFs, relPath: string): ReadonlySet<string> | undefined {
  return fs instanceof NtfsFs ? OWN_TRACE_PARSERS.get(relPath) : undefined;
}

/** The image's own $MFT and $J, and the alternate data streams the $MFT names (opened by record). */
/** `hashRecovered`: --hash's algorithms and size cap, for the recovered content of deleted staged archives (absent with --hash none). */
export async function imageNtfsTraces(fs: EvidenceFs, hotspots: readonly Hotspot[], yieldNow: () => Promise<void>, hashRecovered?: HashSettings): Promise<TraceStageResult> {
  if (!(fs instanceof NtfsFs)) return { candidates: [], warnings: [] };
  const warnings: string[] = [];
  const openNamed = (path: string, stream?: string) => {
    const e = fs.lookup(path);
    if (!e || e.type !== 'file') return null;
    try {
      return fs.open(e, stream);
    } catch (err) {
      warnings.push(`${path}${stream ? `:${stream}` : ''}: ${(err as Error).message}`);
      return null;
    }
  };
  const mft = openNamed(`/${OWN_MFT}`);
  const usn = openNamed('/$Extend/$UsnJrnl', '$J');
  const logFile = openNamed('/$LogFile');
  if (!mft && !usn && !logFile) return { candidates: [], warnings };
  try {
    const result = await ntfsTraceCandidates({
      mft,
      mftRel: '$MFT',
      usn,
      usnRel: '$Extend/$UsnJrnl:$J',
      logFile,
      logFileRel: '$LogFile',
      geometry: fs.geometry,
      volumeRel: '',
      drive: 'C',
      hotspots,
      openStream: (entry, sequence, stream) => fs.openRecordStream(entry, sequence, stream),
      openIndex: (entry, sequence) => fs.openRecordIndex(entry, sequence),
      openDeleted: (entry, sequence) => fs.openDeletedContent(entry, sequence),
      ...(hashRecovered ? { hashRecovered } : {}),
      yieldNow,
    });
    for (const w of result.warnings) warnings.push(w);
    return { candidates: result.candidates, warnings };
  } finally {
    mft?.close();
    usn?.close();
    logFile?.close();
  }
}

/** Collection names of the journal stream, in the order looked for. */
const USN_NAMES = ['$Extend/$UsnJrnl%3A$J', '$Extend/$UsnJrnl:$J', '$Extend/$J', '$UsnJrnl%3A$J', '$J'];
/** Volume folders looked at below the root (KAPE: one per drive letter; Velociraptor: `C%3A`, `\\.\C:`). */
const MAX_VOLUME_FOLDERS = 64;

interface CollectedVolume {
  volumeRel: string;
  mft: FsEntry | null;
  usn: FsEntry | null;
  logFile: FsEntry | null;
}

/** Volume folders of a collection: the root and its direct subfolders that hold a `$MFT` or a `$J` (regular files, looked up through the root's EvidenceFs). */
function findCollectedVolumes(fs: EvidenceFs, crossMounts: boolean, listDirectory: (relDir: string) => DirEntryInfo[] | null): CollectedVolume[] {
  const folders = [''];
  for (const e of listDirectory('') ?? []) if (e.isDirectory && folders.length <= MAX_VOLUME_FOLDERS) folders.push(e.name);
  const out: CollectedVolume[] = [];
  for (const folder of folders) {
    const at = (name: string): FsEntry | null => {
      const e = fs.lookup(folder ? `${folder}/${name}` : name, true);
      return e && e.type === 'file' && (!e.otherDevice || crossMounts) ? e : null;
    };
    const mft = at('$MFT');
    let usn: FsEntry | null = null;
    for (const n of USN_NAMES) if (!usn) usn = at(n);
    const logFile = at('$LogFile');
    if (mft || usn || logFile) out.push({ volumeRel: folder, mft, usn, logFile });
  }
  return out;
}

function driveOf(folder: string): string {
  const m = /^([a-z])(?:$|%3a|:)/i.exec(folder.replace(/^\\\\\.\\/, ''));
  return m ? m[1]!.toUpperCase() : 'C';
}

/**
 * A directory root's collected $MFT, $J and $LogFile files (a KAPE collection's `C/$MFT`...), found
 * once, when first asked: the trace stage reads them, and the walk leaves their standalone parsers
 * out (the files are read once; their warnings are the trace stage's).
 */
export class CollectedNtfsFiles {
  private found: CollectedVolume[] | null = null;
  private byPath: Map<string, ReadonlySet<string>> | null = null;

  constructor(
    private readonly fs: EvidenceFs,
    private readonly crossMounts: boolean,
    private readonly listDirectory: (relDir: string) => DirEntryInfo[] | null,
  ) {}

  volumes(): readonly CollectedVolume[] {
    this.found ??= findCollectedVolumes(this.fs, this.crossMounts, this.listDirectory);
    return this.found;
  }

  /** The parsers the walk leaves out for the file at `relPath`: the one of the trace source it is, or undefined. */
  parsersLeft(relPath: string): ReadonlySet<string> | undefined {
    return this.sources().get(relPath);
  }

  /** Every file `parsersLeft` names (the pool's workers defer them to the main thread). */
  paths(): string[] {
    return [...this.sources().keys()];
  }

  /** Root-relative path -> the parser of the trace source it is. */
  private sources(): ReadonlyMap<string, ReadonlySet<string>> {
    if (!this.byPath) {
      this.byPath = new Map();
      for (const v of this.volumes()) {
        for (const source of ['mft', 'usn', 'logFile'] as const) {
          const entry = v[source];
          if (entry) this.byPath.set(entry.path.slice(1), SOURCE_PARSER[source]);
        }
      }
    }
    return this.byPath;
  }
}

/** Collected $MFT / $J files of a directory root, read through its EvidenceFs (no links, same device). */
export async function collectedNtfsTraces(
  fs: EvidenceFs,
  collected: CollectedNtfsFiles,
  opts: { hotspots: readonly Hotspot[]; yieldNow(): Promise<void> },
): Promise<TraceStageResult> {
  const candidates: Candidate[] = [];
  const warnings: string[] = [];
  const open = (entry: FsEntry | null): OpenedSource | null => {
    if (!entry) return null;
    try {
      return fs.open(entry);
    } catch (err) {
      warnings.push(`${entry.path.slice(1)}: ${(err as Error).message}`);
      return null;
    }
  };
  for (const v of collected.volumes()) {
    const mft = open(v.mft);
    const usn = open(v.usn);
    const logFile = open(v.logFile);
    try {
      if (!mft && !usn && !logFile) continue;
      const result = await ntfsTraceCandidates({
        mft,
        mftRel: mft ? v.mft!.path.slice(1) : null,
        usn,
        usnRel: usn ? v.usn!.path.slice(1) : null,
        logFile,
        logFileRel: logFile ? v.logFile!.path.slice(1) : null,
        volumeRel: v.volumeRel,
        drive: driveOf(v.volumeRel),
        hotspots: opts.hotspots,
        yieldNow: opts.yieldNow,
      });
      for (const c of result.candidates) candidates.push(c);
      for (const w of result.warnings) warnings.push(w);
    } finally {
      mft?.close();
      usn?.close();
      logFile?.close();
    }
  }
  return { candidates, warnings };
}
