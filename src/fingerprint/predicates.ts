/**
 * Questions the rules ask about a fingerprint, and the location-independent hits of this stage
 * (rule ids in src/rules/data/fingerprint.json). Location context (hotspots, homes of hives)
 * is the file rules' job (src/rules/file-rules.ts).
 */
import type { Hit } from '../rules/types.js';
import type { Classification } from './formats.js';
import { NOT_ARCHIVE } from './extensions.js';

/** The subset of a Fingerprint these helpers read (keeps them usable on stored findings too). */
export interface FingerprintFacts {
  format: string | null;
  classification: Classification;
  classConfidence: 'high' | 'medium' | 'low';
  hints: readonly string[];
  entropy: number | null;
  chiSquare: number | null;
  extensionMismatch: { extension: string; expected: readonly string[]; actual: string } | null;
}

export type SensitiveKind = 'registry-hive' | 'registry-log' | 'ese-database' | 'memory-dump' | 'mail-store' | 'password-database';

const SENSITIVE: Readonly<Record<string, SensitiveKind>> = {
  regf: 'registry-hive',
  'regf-log': 'registry-log',
  ese: 'ese-database',
  mdmp: 'memory-dump',
  crashdump: 'memory-dump',
  pst: 'mail-store',
  ost: 'mail-store',
  kdbx: 'password-database',
  kdb: 'password-database',
};

/** What kind of sensitive system data the content is by magic, or null. */
export function sensitiveKind(fp: Pick<FingerprintFacts, 'format'>): SensitiveKind | null {
  return fp.format ? SENSITIVE[fp.format] ?? null : null;
}

/** Archive, single-stream compressed, or encrypted container: what staging produces. */
export function isArchiveLike(fp: Pick<FingerprintFacts, 'classification'>): boolean {
  return fp.classification === 'archive' || fp.classification === 'compressed' || fp.classification === 'encrypted';
}

/** High entropy without a header, confident enough to score (medium or high tier). */
export function isLikelyEncryptedBlob(fp: Pick<FingerprintFacts, 'classification' | 'classConfidence'>): boolean {
  return fp.classification === 'high-entropy-unknown' && fp.classConfidence !== 'low';
}

const EXECUTABLE_FORMATS = new Set(['exe', 'elf', 'macho']);

function figures(fp: FingerprintFacts): string {
  return fp.entropy === null ? '' : ` (entropy ${fp.entropy.toFixed(3)} bits/byte, chi-square ${fp.chiSquare?.toFixed(1)})`;
}

function mismatchHit(fp: FingerprintFacts): Hit | null {
  const m = fp.extensionMismatch;
  if (!m) return null;
  const said = `.${m.extension} file holds ${m.actual}`;
  // An encrypted container under a generic name (.bin, .dat) is scored by the container rule alone.
  const genericName = m.expected.length === 1 && m.expected[0] === NOT_ARCHIVE;
  if (fp.classification === 'encrypted' && genericName) return null;
  if (isArchiveLike(fp)) return { rule: 'fingerprint-archive-disguised', message: `${said}: ${fp.classification} content under a non-archive name` };
  if (fp.format && EXECUTABLE_FORMATS.has(fp.format)) return { rule: 'fingerprint-executable-disguised', message: `${said}: an executable under a non-executable name` };
  return { rule: 'fingerprint-extension-mismatch', message: `${said}, expected ${m.expected.join('/')}` };
}

/** Medium-tier blobs score less than high-tier ones (fewer bytes behind the verdict). */
const MEDIUM_TIER_BLOB_SCORE = 30;
/** Encrypted office documents are common and legitimate; they only add context. */
const ENCRYPTED_DOCUMENT_HINT = 'cfb-encrypted-package';

/**
 * Hits this stage can justify from content alone. Sensitive-system-data hits are not here: they
 * depend on where the file sits (files.json `sensitive-system-data-copy`, via sensitiveKind()).
 */
export function fingerprintHits(fp: FingerprintFacts): Hit[] {
  const hits: Hit[] = [];
  if (isLikelyEncryptedBlob(fp)) {
    const hit: Hit = { rule: 'fingerprint-high-entropy-unknown', message: `no known header and random-looking bytes${figures(fp)}: likely encrypted` };
    if (fp.classConfidence === 'medium') hit.score = MEDIUM_TIER_BLOB_SCORE;
    hits.push(hit);
  }
  if (fp.classification === 'encrypted') {
    if (fp.hints.includes(ENCRYPTED_DOCUMENT_HINT)) {
      hits.push({ rule: 'fingerprint-encrypted-document', message: 'password-protected Office document (EncryptedPackage stream)' });
    } else {
      const what = fp.hints.includes('rar-headers-encrypted') ? 'RAR archive with encrypted headers' : `${fp.format} encrypted container`;
      hits.push({ rule: 'fingerprint-encrypted-container', message: `${what} by magic bytes` });
    }
  }
  const mismatch = mismatchHit(fp);
  if (mismatch) hits.push(mismatch);
  return hits;
}
