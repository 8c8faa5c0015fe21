/**
 * Scanning a disk image: each readable file system (`case.E01#p2`) is scanned as its own root
 * through the same stages as a mounted directory (hotspots, inspect, directory rules, correlate,
 * score), reading only through EvidenceFs. Differences from a directory root: hotspot patterns are
 * matched against the walked paths (no host glob), the whole file system is listed once (metadata
 * only) and the files in scope are inspected, deleted entries are skipped, and --hash reopens the
 * file behind a finding by its entry while the image is still open.
 */
import { hostIdLabel, labelWithHost } from './hosts.js';
import { relDirOf, type DirEntryInfo, type OsKind } from '../model/evidence.js';
import type { AtimeAudit } from '../evidence/reader.js';
import type { EvidenceFs, FsEntry, FsTime } from '../evidence/fs.js';
import { walkFs } from '../evidence/image/bodyfile.js';
import { openDiskImage, type DiskImage } from '../evidence/image/index.js';
import { detectFsOs } from '../evidence/os-layout.js';
import { RootError } from '../evidence/root.js';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots } from '../hotspots/catalog.js';
import { expandRoot, HotspotIndex } from '../hotspots/expand.js';
import { correlate } from '../correlate/links.js';
import type { FileTimes } from '../model/finding.js';
import type { RootMeta, ScanError } from '../model/report.js';
import { burstHits, hiddenDirHits, type DirFileFact } from '../rules/directory-rules.js';
import type { Candidate } from '../rules/types.js';
import { LIMITS } from '../util/limits.js';
import { isoFromMs } from '../util/filetime.js';
import { inspectFile } from './inspect.js';
import { imageNtfsTraces, ntfsHotspots } from './ntfs-traces.js';
import { scoreCandidates, type ScoredFindings } from './score.js';
import type { ScanOptions } from './scan.js';

export interface ImageScanResult extends ScoredFindings {
  roots: RootMeta[];
  errors: ScanError[];
  /** The file behind a finding (root label + path), for --hash to reopen by its entry; valid until close(). */
  entryOf(root: string, relPath: string): { fs: EvidenceFs; entry: FsEntry } | null;
  close(): void;
}

const msOf = (t?: FsTime): number => (t ? t.sec * 1000 + Math.floor(t.nsec / 1e6) : 0);
/** The one output format (util/filetime.ts) with the file system's own sub-second digits (100 ns). */
const isoOf = (t?: FsTime): string | null => {
  const ms = msOf(t);
  if (!t || !(ms > 0) || ms >= 8.64e15) return null; // as statTimes: no time, or none worth showing
  return `${isoFromMs(t.sec * 1000).slice(0, 19)}.${String(Math.floor(t.nsec / 100)).padStart(7, '0')}Z`;
};

function fileTimes(e: FsEntry): FileTimes {
  return { modified: isoOf(e.times.mtime), accessed: isoOf(e.times.atime), changed: isoOf(e.times.ctime), born: isoOf(e.times.crtime) };
}

const relOf = (e: FsEntry): string => e.path.replace(/^\//, '');
const infoOf = (e: FsEntry): DirEntryInfo => ({ name: e.name, isDirectory: e.type === 'directory', size: e.type === 'file' ? e.size : 0 });

/** Walks one file system as one root. */
async function scanFs(fs: EvidenceFs, label: string, opts: ScanOptions, yieldNow: () => Promise<void>, host?: string): Promise<{ scored: ScoredFindings; meta: RootMeta; errors: ScanError[]; files: Map<string, FsEntry> }> {
  const os: OsKind = opts.os === 'auto' ? detectFsOs(fs) : opts.os;
  const errors: ScanError[] = [];
  const issue = (path: string, op: string, code: string, message: string): void => {
    if (errors.length < 100_000) errors.push({ root: label, path, op, code, message });
  };
  // One metadata pass: directories (for hotspot matching) and each directory's live entries.
  const dirs = new Map<string, FsEntry[]>();
  const stats = { directories: 0, files: 0, symlinks: 0, special: 0 };
  dirs.set('', []);
  for (const e of walkFs(fs)) {
    if (e.deleted) continue;
    const rel = relOf(e);
    const parent = relDirOf(rel);
    dirs.get(parent)?.push(e);
    if (e.type === 'directory') {
      stats.directories++;
      dirs.set(rel, []);
    } else if (e.type === 'file') stats.files++;
    else if (e.type === 'symlink') stats.symlinks++;
    else stats.special++;
  }
  const locations = loadArtifactLocations().filter((l) => l.os === 'any' || os === 'unknown' || l.os === os);
  // The same pattern-directed expansion as a mounted directory (hotspots/expand.ts).
  const expansion = expandRoot(fs, hotspotsFor([...loadBuiltinHotspots(), ...(opts.extraHotspots ?? [])], os), locations, { crossMounts: false });
  const hotspots = new HotspotIndex(expansion.hotspotDirs);
  const artifactPaths = new Set(expansion.artifactFiles.map((f) => f.relPath));
  const listDirectory = (rel: string): DirEntryInfo[] | null => dirs.get(rel.replace(/^\/|\/$/g, ''))?.map(infoOf) ?? null;
  const candidates: Candidate[] = [];
  const sidNames = new Map<string, string>();
  let filesScanned = 0;
  let bytesRead = 0;

  for (const [dirRel, entries] of dirs) {
    const inScope = opts.scope === 'all' || hotspots.lookup(dirRel) !== null;
    const facts: DirFileFact[] = [];
    const siblings = entries.map(infoOf);
    for (const e of entries) {
      if (e.type !== 'file') continue;
      const rel = relOf(e);
      if (!inScope && !artifactPaths.has(rel)) continue;
      let src;
      try {
        src = fs.open(e);
      } catch (err) {
        issue(rel, 'open', 'ERROR', (err as Error).message);
        continue;
      }
      try {
        const head = src.read(0, LIMITS.headBytes);
        bytesRead += head.length;
        filesScanned++;
        const inspection = await inspectFile({ src, head, rel, name: e.name, size: e.size, times: fileTimes(e), hotspot: hotspots.lookup(rel), os, siblings, listDirectory, codepage: opts.codepage });
        for (const w of inspection.warnings) issue(rel, 'parse', 'WARN', w);
        for (const [sid, name] of Object.entries(inspection.sidNames)) sidNames.set(sid.toUpperCase(), name);
        const fc = inspection.fileCandidate;
        if (fc.hits.length > 0 || fc.names || fc.events) candidates.push(fc);
        for (const c of inspection.innerCandidates) candidates.push(c);
        const crt = msOf(e.times.crtime);
        facts.push({ name: e.name, mtimeMs: msOf(e.times.mtime), birthMs: crt > 0 ? crt : null, classification: inspection.fingerprint.classification });
      } catch (err) {
        issue(rel, 'read', 'ERROR', (err as Error).message);
      } finally {
        src.close();
      }
      if ((filesScanned & 255) === 0) {
        opts.onProgress?.({ root: label, files: filesScanned, bytes: bytesRead, findings: candidates.length, phase: 'walk' });
        await yieldNow();
      }
    }
    if (dirRel !== '' && inScope) {
      const name = dirRel.slice(dirRel.lastIndexOf('/') + 1);
      const burst = burstHits(facts);
      const hits = [...burst.hits, ...hiddenDirHits(dirRel, name, hotspots.lookup(dirRel))];
      if (hits.length) {
        const dirEntry = fs.lookup(dirRel);
        const events = burst.window
          ? [{ time: isoFromMs(burst.window.start), type: 'burst-start', description: `${burst.window.count} files start arriving in ${dirRel}` },
             { time: isoFromMs(burst.window.end), type: 'burst-end', description: `last of ${burst.window.count} files arrives in ${dirRel}` }]
          : undefined;
        candidates.push({ kind: 'directory', path: dirRel, hits, size: null, times: dirEntry ? fileTimes(dirEntry) : undefined, events, details: burst.window ? { files: facts.length, burst: { ...burst.window, start: isoFromMs(burst.window.start), end: isoFromMs(burst.window.end) } } : undefined });
      }
    }
  }
  // NTFS traces (issue 13): the volume's $MFT and USN journal, and its alternate data streams.
  const withStreams = new Map<string, FsEntry>();
  for (const entries of dirs.values()) for (const e of entries) if (e.type === 'file' && e.streams && e.streams.length > 0 && withStreams.size < 1_000_000) withStreams.set(e.id, e);
  const ntfs = await imageNtfsTraces(fs, ntfsHotspots(opts.extraHotspots), withStreams, yieldNow);
  for (const c of ntfs.candidates) candidates.push(c);
  for (const w of ntfs.warnings) issue('', 'parse', 'WARN', w);
  for (const w of fs.warnings) issue('', 'read', 'WARN', w);
  const windows = os === 'windows' || os === 'unknown';
  correlate(candidates, { windows, exists: (rel) => fs.lookup(rel, windows) !== null });
  const scored = scoreCandidates(candidates, { root: label, rootLabel: hostIdLabel(label, host), hotspotOf: (p) => hotspots.lookup(p), sidNames, foldLowAfter: opts.foldLowAfter });
  if (host !== undefined) labelWithHost(scored, host);
  const files = new Map<string, FsEntry>();
  const entryIds = new Map<string, string>();
  for (const entries of dirs.values())
    for (const e of entries) {
      entryIds.set(relOf(e), e.id);
      if (e.type === 'file') files.set(relOf(e), e);
    }
  // The entry behind each finding (the file, the archive or hive holding the item, or the directory).
  for (const f of scored.findings) {
    const id = entryIds.get(f.path);
    if (id !== undefined) f.fileId = id;
  }
  return {
    scored,
    errors,
    files,
    meta: { path: label, os, label, ...(host !== undefined ? { host } : {}), hotspotDirectories: hotspots.size, filesScanned, bytesRead, directories: stats.directories, symlinksSkipped: stats.symlinks, specialFilesSkipped: stats.special, otherDeviceSkipped: 0 },
  };
}

/** reports: the image file behind a root and the acquisition hashes it stores (E01), for the report's case header. */
function imageEvidence(given: string, img: DiskImage): NonNullable<RootMeta['image']> {
  const info = img.image.info as { storedMd5?: string; storedSha1?: string; mediaSize?: number };
  return { file: given, format: img.image.format, mediaSize: info.mediaSize ?? null, storedMd5: info.storedMd5 ?? null, storedSha1: info.storedSha1 ?? null };
}

/** Every readable file system of the image, each as a root. A file with none is a usage error. */
export async function scanImage(given: string, opts: ScanOptions, audit: AtimeAudit, yieldNow: () => Promise<void>): Promise<ImageScanResult> {
  let img;
  try {
    img = openDiskImage(given, audit);
  } catch (err) {
    throw new RootError(`evidence root is not a directory and cannot be read as a disk image: ${given}: ${(err as Error).message}`);
  }
  let keepOpen = false;
  try {
    const readable = img.volumes.filter((v) => v.fs);
    if (readable.length === 0) {
      // the container's own warnings often say why (a differencing disk without its parent, encryption)
      const why = img.warnings.slice(0, 3).map((w) => `; ${w}`).join('');
      throw new RootError(`evidence root is not a directory and no disk image with a readable file system: ${given} (${img.volumes.map((v) => `${v.label}: ${v.kind === 'unknown' ? 'no known file system' : v.kind}`).join(', ') || 'no partitions'})${why}`);
    }
    const byRoot = new Map<string, { fs: EvidenceFs; files: Map<string, FsEntry> }>();
    const opened = img;
    const out: ImageScanResult = {
      findings: [],
      timeline: [],
      roots: [],
      errors: img.warnings.map((w) => ({ root: given, path: '', op: 'read', code: 'WARN', message: w })),
      entryOf(root, relPath) {
        const r = byRoot.get(root);
        const entry = r?.files.get(relPath);
        return r && entry ? { fs: r.fs, entry } : null;
      },
      close: () => opened.close(),
    };
    for (const v of readable) {
      const r = await scanFs(v.fs!, v.label, opts, yieldNow, opts.hosts?.get(given));
      byRoot.set(v.label, { fs: v.fs!, files: r.files });
      for (const f of r.scored.findings) out.findings.push(f);
      for (const t of r.scored.timeline) out.timeline.push(t);
      out.roots.push({ ...r.meta, image: imageEvidence(given, opened) });
      for (const e of r.errors) out.errors.push(e);
    }
    keepOpen = true;
    return out;
  } finally {
    if (!keepOpen) img.close();
  }
}
