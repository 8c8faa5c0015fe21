/**
 * The fingerprint stage: WHAT a file is, from its head bytes and (only when needed) a few
 * bounded samples. Magic tiers: own detectors (certain/high), then file-type on the head the
 * caller read with its own handle (never fileTypeFromFile: it opens the file and moves atime),
 * then text heuristics; entropy and chi-square are a hint that decides only when no magic does.
 * Pure: reads only through the ByteSource, never throws for bad input.
 */
import type { ByteSource } from '../util/byte-source.js';
import { LIMITS } from '../util/limits.js';
import { hasBytesAt } from '../util/bytes.js';
import { detectLateMagic, detectOwnMagic, type MagicMatch } from './detectors.js';
import {
  byteStats, histogramOfParts, scratchHistogramOf, shannonEntropy, CHI_CLEARLY_EVEN, CHI_CLEARLY_UNEVEN, CHI_RANDOM_HIGH, CHI_RANDOM_LOW, type ByteStats,
} from './entropy.js';
import { classifyFormat, WEAK_MAGIC_FORMATS, type Classification } from './formats.js';
import { checkExtension, type ExtensionMismatch } from './extensions.js';
import { describeFileType } from './describe.js';
import { asciiControlCount, detectText } from './text.js';
import { fingerprintHits } from './predicates.js';
import { zipHeadType } from './zip-head.js';
import { fileTypeOfHead } from './file-type.js';
import type { Hit } from '../rules/types.js';

export type { Classification } from './formats.js';
export type { ExtensionMismatch } from './extensions.js';
export { sensitiveKind, type SensitiveKind } from './predicates.js';

export type MagicSource = 'file-type' | 'custom' | 'text' | 'none';
export type MagicConfidenceTier = 'certain' | 'high' | 'low' | 'none';
export type ClassConfidence = 'high' | 'medium' | 'low';

export interface SampleRange {
  offset: number;
  length: number;
}

export interface Fingerprint {
  /** file-type's ext, or an own detector id ('regf', 'ese', 'age', 'txt', ...); null when unknown. */
  format: string | null;
  mime: string | null;
  description: string;
  magicSource: MagicSource;
  confidence: MagicConfidenceTier;
  /** Shannon entropy, bits/byte, over `samples`; null for empty files. */
  entropy: number | null;
  /** Pearson chi-square over `samples` (as `ent` prints it); null for empty files. */
  chiSquare: number | null;
  /** Upper-tail probability of chiSquare (255 df): random data lies in 0.01..0.99. */
  chiSquareP: number | null;
  /** Byte ranges the statistics were computed over. */
  samples: SampleRange[];
  classification: Classification;
  classConfidence: ClassConfidence;
  extensionMismatch: ExtensionMismatch | null;
  /** Facts from headers: 'rar-headers-encrypted', 'cfb-encrypted-package', 'zip-encrypted-entry', 'regf-dirty', ... */
  hints: string[];
  /** Location-independent rule hits of this stage (rules in src/rules/data/fingerprint.json). */
  hits: Hit[];
  /** Read errors and other trouble; the fingerprint is still usable. */
  warnings: string[];
  /**
   * Set when the caller asked for statistics only when needed and the verdict did not read them:
   * entropy, chiSquare and chiSquareP are then null although `samples` names the head, and
   * `headEntropy(head)` gives the entropy the fingerprint would have held.
   */
  statisticsDeferred?: true;
}

export interface FingerprintOptions {
  /** Always sample head, middle and tail (whole file when <= 3 samples long); for `explain`. */
  deep?: boolean;
  /**
   * 'when-needed' (the scan): the head's entropy and chi-square are computed only when the verdict
   * reads them (no magic, a loose one, or an archive-like class whose entropy asks for more
   * samples); a confident magic leaves them to `headEntropy`, for the files a scan keeps as
   * candidates (2-3 µs per file otherwise: docs/performance.md "Session 37"). Default 'always'.
   */
  statistics?: 'always' | 'when-needed';
}

interface Magic extends MagicMatch {
  source: 'custom' | 'file-type' | 'text';
  structured?: boolean;
}

/** PE verification for file-type's two-byte "MZ" match. */
const PE = {
  lfanewOffset: 0x3c, // 0x3C e_lfanew (u32): offset of "PE\0\0"
  signature: 0x00004550, // "PE\0\0" as u32 LE
  characteristics: 0x16, // +0x16 COFF Characteristics (u16); 0x2000 = DLL
  optionalMagic: 0x18, // +0x18 optional header magic (u16): 0x10b PE32, 0x20b PE32+
  dllFlag: 0x2000,
} as const;

function verifyPe(head: Buffer, base: MagicMatch): MagicMatch {
  if (head.length < PE.lfanewOffset + 4) return { ...base, confidence: 'low', description: 'MS-DOS executable (MZ), truncated' };
  const at = head.readUInt32LE(PE.lfanewOffset);
  if (at + PE.optionalMagic + 2 > head.length) return { ...base, confidence: 'low', description: 'MS-DOS executable (MZ), PE header beyond the head' };
  if (head.readUInt32LE(at) !== PE.signature) return { ...base, confidence: 'low', description: 'MS-DOS executable (MZ, no PE header)' };
  const plus = head.readUInt16LE(at + PE.optionalMagic) === 0x20b;
  const dll = (head.readUInt16LE(at + PE.characteristics) & PE.dllFlag) !== 0;
  return { ...base, confidence: 'certain', description: `PE32${plus ? '+' : ''} executable${dll ? ' (DLL)' : ''} for MS Windows` };
}

/** ZIP local header facts visible in the head: encrypted entry (GP bit 0), AES (method 99). */
const ZIP_LOCAL = { signature: 0x04034b50, flags: 0x06, method: 0x08, encryptedBit: 0x0001, aesMethod: 99 } as const;

function zipHints(head: Buffer): string[] {
  if (head.length < ZIP_LOCAL.method + 2 || head.readUInt32LE(0) !== ZIP_LOCAL.signature) return [];
  const hints: string[] = [];
  if (head.readUInt16LE(ZIP_LOCAL.flags) & ZIP_LOCAL.encryptedBit) hints.push('zip-encrypted-entry');
  if (head.readUInt16LE(ZIP_LOCAL.method) === ZIP_LOCAL.aesMethod) hints.push('zip-aes');
  return hints;
}

/** file-type's answer as our MagicMatch (weak magics low, PE verified, ZIP header hints). */
function fromFileType(ext: string, mime: string, head: Buffer): MagicMatch {
  const base: MagicMatch = {
    format: ext,
    mime,
    description: describeFileType(ext, mime),
    confidence: WEAK_MAGIC_FORMATS.has(ext) ? 'low' : 'high',
    hints: zipHints(head),
  };
  return ext === 'exe' ? verifyPe(head, base) : base;
}

async function fileTypeMagic(head: Buffer, warnings: string[]): Promise<MagicMatch | null> {
  let result;
  try {
    result = await fileTypeOfHead(head);
  } catch (err) {
    warnings.push(`file-type failed: ${(err as Error).message}`);
    return null;
  }
  return result ? fromFileType(result.ext, result.mime, head) : null;
}

/** How text that file-type (or our armored-PGP check) can name more precisely than "text" starts. */
const TEXT_WITH_MAGIC = ['%PDF', '%!', '{\\rtf', '-----BEGIN', 'BEGIN:', 'WEBVTT', '<', '\xef\xbb\xbf<', '\xff\xfe', '\xfe\xff'].map((p) => Buffer.from(p, 'latin1'));
/** Their first bytes: a head that starts otherwise (most text) is not compared further. */
const TEXT_WITH_MAGIC_FIRST = new Set(TEXT_WITH_MAGIC.map((p) => p[0]!));

function startsLikeTextWithMagic(head: Buffer): boolean {
  return head.length > 0 && TEXT_WITH_MAGIC_FIRST.has(head[0]!) && TEXT_WITH_MAGIC.some((p) => hasBytesAt(head, p));
}

function textMagic(head: Buffer, asciiControls?: number): Magic | null {
  const text = detectText(head, asciiControls);
  if (!text) return null;
  const confidence = head.length >= 64 ? 'high' : 'low';
  return { format: text.format, mime: text.mime, description: text.description, confidence, hints: [], source: 'text', structured: text.structured };
}

/**
 * "MZ" with a PE header inside the head: file-type answers 'exe' from those two bytes (its
 * 2-byte checks before MZ are BM, 0B77 and 7801), so its verdict is known without asking it.
 */
function fastPe(head: Buffer): Magic | null {
  if (head.length < 2 || head[0] !== 0x4d || head[1] !== 0x5a) return null;
  const pe = fromFileType('exe', 'application/x-msdownload', head);
  return pe.confidence === 'certain' ? { ...pe, source: 'file-type' } : null;
}

/** What the synchronous fast path could not settle: only file-type can. */
interface Unsettled {
  own: MagicMatch | null;
  text: Magic | null;
}

/**
 * The fast path (issue 17): the table of leading bytes and the own detectors, plain text,
 * verified PE and ZIP heads settle most files synchronously; the rest (media file-type knows,
 * random blobs, ZIP heads only file-type can judge) is left to file-type. Returns the verdict, or what the slow path needs.
 */
function detectMagicFast(head: Buffer, name: string, size: number): { magic: Magic | null } | Unsettled {
  const own = detectOwnMagic(head, name, size);
  if (own && own.confidence !== 'low') return { magic: { ...own, source: 'custom' } };
  // Plain text is most of a disk: skip file-type for it unless it starts like a text-based format.
  // An ASCII head's controls counted in one pass that stops at a zero or a byte >= 0x80 (PE, ZIP,
  // blobs and UTF-8 prose: the check's own scans then decide); no histogram unless the statistics are read.
  const text = textMagic(head, asciiControlCount(head));
  if (text && !startsLikeTextWithMagic(head)) return { magic: text };
  const pe = fastPe(head);
  if (pe) return { magic: pe };
  // ZIP and its documents: file-type's ZIP verdict, walked here without its 256 KiB buffer (zip-head.ts).
  const zip = zipHeadType(head);
  if (zip) return { magic: resolveMagic(head, name, size, { own, text }, fromFileType(zip.ext, zip.mime, head)) };
  return { own, text };
}

/** After file-type: loose own magics, then file-type, then our low matches; clean text beats loose magic. */
function resolveMagic(head: Buffer, name: string, size: number, { own, text }: Unsettled, ft: MagicMatch | null): Magic | null {
  // file-type knows armored PGP only by its BEGIN line; ours also tells encrypted from signed.
  const late = !ft || ft.confidence === 'low' || ft.format === 'pgp' ? detectLateMagic(head, name, size) : null;
  const found = [late, ft, own].filter((m): m is MagicMatch => m !== null);
  const best = found.find((m) => m.confidence !== 'low') ?? found[0];
  const magic: Magic | null = best ? { ...best, source: best === ft ? 'file-type' : 'custom' } : null;
  // Loose two-byte magic loses to text that decodes cleanly ("BM..." prose is not a bitmap).
  if ((!magic || magic.confidence === 'low') && text) return text;
  return magic;
}

/**
 * The reference path: file-type asked for every head the own detectors (without the fast table)
 * leave open, text included. Only for the equivalence test of the fast path.
 */
async function detectMagicReference(head: Buffer, name: string, size: number, warnings: string[]): Promise<Magic | null> {
  const own = detectOwnMagic(head, name, size, false);
  if (own && own.confidence !== 'low') return { ...own, source: 'custom' };
  const ft = await fileTypeMagic(head, warnings);
  return resolveMagic(head, name, size, { own, text: textMagic(head) }, ft);
}

/** Middle and tail samples plus a longer head: only for high-entropy content magic cannot explain. */
function needsMoreSamples(magic: Magic | null, cls: Classification | null, headStats: ByteStats): boolean {
  if (!headStats.highEntropy) return false;
  if (!magic || magic.confidence === 'low') return true;
  // Multi-entry archives are left alone: their entropy decides nothing and they are common.
  return cls === 'encrypted' || cls === 'compressed';
}

/** Sample plan: whole file when it fits in three samples, else head, middle and tail. */
export function planSamples(size: number, sampleBytes = LIMITS.entropySampleBytes): SampleRange[] {
  if (size <= 0) return [];
  if (size <= 3 * sampleBytes) return [{ offset: 0, length: size }];
  const middle = Math.floor((size - sampleBytes) / 2);
  return [
    { offset: 0, length: sampleBytes },
    { offset: middle, length: sampleBytes },
    { offset: size - sampleBytes, length: sampleBytes },
  ];
}

function readSamples(src: ByteSource, plan: SampleRange[], warnings: string[]): { stats: ByteStats; samples: SampleRange[] } | null {
  const parts: Buffer[] = [];
  const samples: SampleRange[] = [];
  for (const range of plan) {
    try {
      const buf = src.read(range.offset, range.length);
      if (buf.length > 0) {
        parts.push(buf);
        samples.push({ offset: range.offset, length: buf.length });
      }
      if (buf.length < range.length) warnings.push(`short read at ${range.offset}: ${buf.length} of ${range.length} bytes (file changed size?)`);
    } catch (err) {
      warnings.push(`read failed at ${range.offset}: ${(err as Error).message}`);
    }
  }
  return parts.length ? { stats: byteStats(histogramOfParts(parts)), samples } : null;
}

interface Verdict { classification: Classification; classConfidence: ClassConfidence }

/** Classification from statistics alone (no magic, not text). */
export function classifyByStatistics(stats: ByteStats): Verdict {
  if (!stats.highEntropy) return { classification: 'unknown', classConfidence: stats.bytes >= 512 ? 'medium' : 'low' };
  if (stats.chiP < CHI_CLEARLY_UNEVEN) return { classification: 'compressed', classConfidence: 'low' };
  if (stats.chiP > CHI_CLEARLY_EVEN) return { classification: 'unknown', classConfidence: 'low' };
  const inBand = stats.chiP >= CHI_RANDOM_LOW && stats.chiP <= CHI_RANDOM_HIGH;
  const classConfidence: ClassConfidence = !inBand ? 'low' : stats.bytes >= 4096 ? 'high' : stats.bytes >= 1024 ? 'medium' : 'low';
  return { classification: 'high-entropy-unknown', classConfidence };
}

function classifyWithMagic(magic: Magic, stats: ByteStats | null): Verdict {
  if (magic.source === 'text') {
    return { classification: magic.structured ? 'structured' : 'text', classConfidence: magic.confidence === 'high' ? 'high' : 'low' };
  }
  const encrypted = magic.hints.includes('rar-headers-encrypted') || magic.hints.includes('cfb-encrypted-package');
  const cls = encrypted ? 'encrypted' : classifyFormat(magic.format, magic.mime, magic.hints);
  if (magic.confidence !== 'low') return { classification: cls, classConfidence: 'high' };
  // A loose magic on bytes that test as random is more likely chance than a real header.
  if (stats?.randomLike) return { classification: 'high-entropy-unknown', classConfidence: 'low' };
  return { classification: cls, classConfidence: 'low' };
}

function emptyFingerprint(): Fingerprint {
  return {
    format: null, mime: 'inode/x-empty', description: 'empty', magicSource: 'none', confidence: 'none',
    entropy: null, chiSquare: null, chiSquareP: null, samples: [], classification: 'empty', classConfidence: 'high',
    extensionMismatch: null, hints: [], hits: [], warnings: [],
  };
}

/** The entropy a fingerprint with `statisticsDeferred` would have held: the same sum over the same head. */
export function headEntropy(head: Uint8Array): number | null {
  return head.length === 0 ? null : shannonEntropy(scratchHistogramOf(head));
}

/**
 * Whether the verdict on `magic` reads the head's statistics: no magic or a loose one (the class
 * from the statistics, a loose magic on random bytes, more samples for high entropy), or a
 * confident archive-like class (high entropy asks for more samples: needsMoreSamples).
 */
function verdictReadsStatistics(magic: Magic | null): boolean {
  if (!magic || magic.confidence === 'low') return true;
  const cls = classifyWithMagic(magic, null).classification;
  return cls === 'encrypted' || cls === 'compressed';
}

/**
 * Fingerprints one file. `head` is the first bytes (up to LIMITS.headBytes) the caller already
 * read; more is read from `src` only for high-entropy content that magic does not explain,
 * or always with `{deep: true}`.
 */
export async function fingerprint(src: ByteSource, head: Buffer, name: string, options: FingerprintOptions = {}): Promise<Fingerprint> {
  return fingerprintMaybeSync(src, head, name, options);
}

/**
 * `fingerprint` without a promise for a head the fast path settles (most files: the scan's
 * inspectFileMaybeSync); a head only file-type can judge gets a promise that goes on from the
 * same detection, not a second one.
 */
export function fingerprintMaybeSync(src: ByteSource, head: Buffer, name: string, options: FingerprintOptions = {}): Fingerprint | Promise<Fingerprint> {
  if (src.size === 0 && head.length === 0) return emptyFingerprint();
  const fast = detectMagicFast(head, name, src.size);
  if ('magic' in fast) return finishFingerprint(src, head, name, fast.magic, [], options);
  return withFileType(src, head, name, fast, options);
}

async function withFileType(src: ByteSource, head: Buffer, name: string, fast: Unsettled, options: FingerprintOptions): Promise<Fingerprint> {
  const warnings: string[] = [];
  const magic = resolveMagic(head, name, src.size, fast, await fileTypeMagic(head, warnings));
  return finishFingerprint(src, head, name, magic, warnings, options);
}

/**
 * The synchronous fast path alone: the same Fingerprint as `fingerprint`, or null when the head
 * needs file-type (asynchronous). test/fingerprint/fast-path.test.ts holds both to the reference
 * path; the scan takes `fingerprintMaybeSync`, which goes on to file-type itself.
 */
export function fingerprintSync(src: ByteSource, head: Buffer, name: string, options: FingerprintOptions = {}): Fingerprint | null {
  if (src.size === 0 && head.length === 0) return emptyFingerprint();
  const fast = detectMagicFast(head, name, src.size);
  return 'magic' in fast ? finishFingerprint(src, head, name, fast.magic, [], options) : null;
}

/**
 * The reference path (file-type for every open head, the text check's own byte scans), for the
 * equivalence test only.
 */
export async function fingerprintReference(src: ByteSource, head: Buffer, name: string, options: FingerprintOptions = {}): Promise<Fingerprint> {
  if (src.size === 0 && head.length === 0) return emptyFingerprint();
  const warnings: string[] = [];
  const magic = await detectMagicReference(head, name, src.size, warnings);
  return finishFingerprint(src, head, name, magic, warnings, options);
}

/**
 * Statistics of the head (unless the scan leaves them to the verdict and it does not read them; more
 * samples only when the class needs them), classification, extension check, hits.
 */
function finishFingerprint(src: ByteSource, head: Buffer, name: string, magic: Magic | null, warnings: string[], options: FingerprintOptions): Fingerprint {
  const deferred = options.statistics === 'when-needed' && !options.deep && head.length > 0 && !verdictReadsStatistics(magic);
  let stats = deferred || head.length === 0 ? null : byteStats(scratchHistogramOf(head));
  let samples: SampleRange[] = head.length ? [{ offset: 0, length: head.length }] : [];
  const provisional = magic ? classifyWithMagic(magic, stats).classification : null;
  const wantMore = options.deep || (stats !== null && src.size > head.length && needsMoreSamples(magic, provisional, stats));
  if (wantMore) {
    const sampled = readSamples(src, planSamples(src.size), warnings);
    if (sampled) ({ stats, samples } = sampled);
  }
  const verdict = magic ? classifyWithMagic(magic, stats) : stats ? classifyByStatistics(stats) : { classification: 'unknown' as const, classConfidence: 'low' as const };
  const format = magic?.format ?? null;
  const confident = magic !== null && (magic.confidence === 'certain' || magic.confidence === 'high');
  const result: Fingerprint = {
    format,
    mime: magic?.mime ?? null,
    description: magic?.description ?? describeByStatistics(verdict.classification, stats),
    magicSource: magic?.source ?? 'none',
    confidence: magic?.confidence ?? 'none',
    entropy: stats ? stats.entropy : null,
    chiSquare: stats ? stats.chiSquare : null,
    chiSquareP: stats ? stats.chiP : null,
    samples,
    classification: verdict.classification,
    classConfidence: verdict.classConfidence,
    extensionMismatch: checkExtension(name, format, verdict.classification, confident),
    hints: magic?.hints ?? [],
    hits: [],
    warnings,
    // In the literal, not added after it: one shape for every fingerprint (undefined when computed).
    statisticsDeferred: deferred ? true : undefined,
  };
  result.hits = fingerprintHits(result);
  return result;
}

function describeByStatistics(cls: Classification, stats: ByteStats | null): string {
  if (!stats) return 'no data read';
  const figures = `entropy ${stats.entropy.toFixed(3)} bits/byte over ${stats.bytes} bytes, chi-square ${stats.chiSquare.toFixed(1)}`;
  if (cls === 'high-entropy-unknown') return `high-entropy data without a known header (likely encrypted); ${figures}`;
  if (cls === 'compressed') return `high-entropy, non-uniform data without a known header (compressor-like); ${figures}`;
  return `data; ${figures}`;
}
