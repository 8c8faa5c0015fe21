/**
 * Multi-volume naming shared by every archive parser: which names mark a part of a split set,
 * and which part. Name-only evidence; the parsers add what the headers say.
 */
import type { ArchiveVolume } from './summary.js';
import { siblingNamed } from '../sibling-index.js';

interface VolumePattern {
  format: string;
  re: RegExp;
  /** 0-based index from the regexp match. */
  index(m: RegExpMatchArray): number;
}

// Order matters: the most specific patterns first.
const PATTERNS: VolumePattern[] = [
  { format: 'rar', re: /\.part0*(\d{1,4})\.rar$/i, index: (m) => Number(m[1]) - 1 },
  // WinRAR old style: .rar is the first volume, .r00 the second
  { format: 'rar', re: /\.r(\d{2,3})$/i, index: (m) => Number(m[1]) + 1 },
  { format: 'zip', re: /\.z(\d{2,3})$/i, index: (m) => Number(m[1]) - 1 },
  { format: 'zip', re: /\.zip\.(\d{3})$/i, index: (m) => Number(m[1]) - 1 },
  { format: '7z', re: /\.7z\.(\d{3})$/i, index: (m) => Number(m[1]) - 1 },
  { format: 'rar', re: /\.rar\.(\d{3})$/i, index: (m) => Number(m[1]) - 1 },
  { format: 'tar', re: /\.(?:tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst)\.(\d{3})$/i, index: (m) => Number(m[1]) - 1 },
  { format: 'unknown', re: /\.(\d{3})$/, index: (m) => Number(m[1]) - 1 },
  // split -b default naming: name.aa, name.ab ... only after an archive extension
  { format: 'unknown', re: /\.(?:zip|7z|rar|tar|tgz|gz|cab)\.?([a-z]{2})$/i, index: (m) => twoLetterIndex(m[1]!) },
];

function twoLetterIndex(s: string): number {
  const a = s.toLowerCase().charCodeAt(0) - 97;
  const b = s.toLowerCase().charCodeAt(1) - 97;
  return a * 26 + b;
}

export interface VolumeName {
  /** Format the name implies ('zip', 'rar', '7z', 'tar' or 'unknown'). */
  format: string;
  volume: ArchiveVolume;
}

/** The split-set part a file name denotes, or null for an ordinary name. */
export function volumeFromName(name: string): VolumeName | null {
  for (const p of PATTERNS) {
    const m = name.match(p.re);
    if (!m) continue;
    const index = p.index(m);
    if (!Number.isFinite(index) || index < 0) continue;
    return { format: p.format, volume: { index, multiVolume: true } };
  }
  return null;
}

/** True when the name is the last part of a ZIP split set (.zip next to .z01 siblings). */
export function zipHasSplitSiblings(name: string, siblings: readonly { name: string }[] | undefined): boolean {
  if (!siblings || !/\.zip$/i.test(name)) return false;
  const stem = name.slice(0, -4).toLowerCase();
  return siblingNamed(siblings, `${stem}.z01`) !== undefined;
}
