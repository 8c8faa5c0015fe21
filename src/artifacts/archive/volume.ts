/**
 * Archive volume naming: the ONE place that says which names mark a part of a split set, which
 * part, and which set (parsers, the split-volume file rule, history/Recycle Bin name traits,
 * correlation and volume counting all ask here; test/artifacts/archive/volume.test.ts is the
 * table). Name-only evidence; the parsers add what the headers say.
 */
import type { ArchiveVolume } from './summary.js';
import { siblingNamed } from '../sibling-index.js';

/**
 * 'named': the name says archive (`.part2.rar`, `.r00`, `.z01`, `.7z.001`, `.cab.002`, `.zip.aa`).
 * 'bare': only a three-digit number (`data.001`), as `split -d` or HJSplit leave: weak alone, so
 * a rule must also look at the content.
 */
export type VolumeNaming = 'named' | 'bare';

export interface VolumeName {
  /** Format the name implies ('zip', 'rar', '7z', 'tar' or 'unknown'). */
  format: 'zip' | 'rar' | '7z' | 'tar' | 'unknown';
  volume: ArchiveVolume;
  naming: VolumeNaming;
  /** The whole set's name, lower-cased: 'BK.part2.rar' -> 'bk.rar', 'x.r00' -> 'x.rar', 'x.z01' -> 'x.zip', 'x.7z.001' -> 'x.7z', 'data.001' -> 'data'. */
  setName: string;
}

interface VolumePattern {
  format: VolumeName['format'];
  naming: VolumeNaming;
  re: RegExp;
  /** 0-based index from the regexp match. */
  index(m: RegExpMatchArray): number;
  /** What replaces the matched suffix in the set name; null: only the last extension (the part number) goes. */
  setSuffix: string | null;
}

const fromOne = (m: RegExpMatchArray): number => Number(m[1]) - 1;

// Order matters: the most specific patterns first.
const PATTERNS: readonly VolumePattern[] = [
  { format: 'rar', naming: 'named', re: /\.part0*(\d{1,4})\.rar$/i, index: fromOne, setSuffix: '.rar' },
  // WinRAR old style: .rar is the first volume, .r00 the second
  { format: 'rar', naming: 'named', re: /\.r(\d{2,3})$/i, index: (m) => Number(m[1]) + 1, setSuffix: '.rar' },
  // Zip split: .z01, .z02, ... then .zip last
  { format: 'zip', naming: 'named', re: /\.z(\d{2,3})$/i, index: fromOne, setSuffix: '.zip' },
  { format: 'zip', naming: 'named', re: /\.zip\.(\d{3})$/i, index: fromOne, setSuffix: null },
  { format: '7z', naming: 'named', re: /\.7z\.(\d{3})$/i, index: fromOne, setSuffix: null },
  { format: 'rar', naming: 'named', re: /\.rar\.(\d{3})$/i, index: fromOne, setSuffix: null },
  { format: 'tar', naming: 'named', re: /\.(?:tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst)\.(\d{3})$/i, index: fromOne, setSuffix: null },
  // 7-Zip -v on a single stream or a cabinet: the format is the content's, not the name's.
  { format: 'unknown', naming: 'named', re: /\.(?:gz|bz2|xz|zst|cab)\.(\d{3})$/i, index: fromOne, setSuffix: null },
  { format: 'unknown', naming: 'bare', re: /\.(\d{3})$/, index: fromOne, setSuffix: null },
  // `split -b 100m x.zip x.zip.`: x.zip.aa, x.zip.ab ... (only after an archive extension and a
  // dot: 'x.gzip' or 'x.cabal' are not volumes; nor is a compressor's own extension: x.tar.gz, x.tar.xz)
  { format: 'unknown', naming: 'named', re: /\.(?:zip|7z|rar|tar|tgz|gz|cab)(\.(?!(?:gz|xz|lz|bz|br)$)[a-z]{2})$/i, index: (m) => twoLetterIndex(m[1]!.slice(1)), setSuffix: null },
];

function twoLetterIndex(s: string): number {
  const a = s.toLowerCase().charCodeAt(0) - 97;
  const b = s.toLowerCase().charCodeAt(1) - 97;
  return a * 26 + b;
}

/**
 * The last extensions a volume name can end with (every pattern above ends so: `.rar`, `.r00`,
 * `.z01`, three digits, two letters): an ordinary name (`.log`, `.jpg`, `.dll`) is settled without
 * the patterns, which every walked archive, compressed file and opaque blob asks about.
 */
const VOLUME_LAST_EXTENSION = /\.(?:rar|[rz]\d{2,3}|\d{3}|[a-z]{2})$/i;

/** The split-set part a file name (or path: only its end is read) denotes, or null for an ordinary name. */
export function volumeFromName(name: string): VolumeName | null {
  if (!VOLUME_LAST_EXTENSION.test(name)) return null;
  for (const p of PATTERNS) {
    const m = name.match(p.re);
    if (!m || m.index === undefined) continue;
    const index = p.index(m);
    if (!Number.isFinite(index) || index < 0) continue;
    const setName = (p.setSuffix === null ? name.slice(0, name.lastIndexOf('.')) : `${name.slice(0, m.index)}${p.setSuffix}`).toLowerCase();
    return { format: p.format, naming: p.naming, volume: { index, multiVolume: true }, setName };
  }
  return null;
}

/** The set a name belongs to, lower-cased: the name itself when it is not a volume ('bk.rar' -> 'bk.rar'). */
export function volumeSetName(name: string): string {
  return volumeFromName(name)?.setName ?? name.toLowerCase();
}

/** True when the name is the last part of a ZIP split set (.zip next to .z01 siblings). */
export function zipHasSplitSiblings(name: string, siblings: readonly { name: string }[] | undefined): boolean {
  if (!siblings || !/\.zip$/i.test(name)) return false;
  const stem = name.slice(0, -4).toLowerCase();
  return siblingNamed(siblings, `${stem}.z01`) !== undefined;
}
