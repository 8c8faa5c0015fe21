/**
 * Encrypted containers and files without a file list: OpenPGP, age, OpenSSL "Salted__",
 * password-protected Office (CFB), and headerless high-entropy blobs of 1 MiB or more.
 * Records: one `encrypted-container` record per file (docs/archives.md).
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { hasBytesAt } from '../../util/bytes.js';
import type { ArtifactContext, ParserClaims } from '../types.js';
import { byteRange, magicText } from '../claims.js';
import type { ArchiveResult, ArchiveSummary } from '../archive/summary.js';
import { emptySummary } from '../archive/build.js';
import { histogramOf, shannonEntropy, chiSquare, chiSquareUpperTail } from '../../fingerprint/entropy.js';
import { readAgeHeader, sniffAge } from './age.js';
import { dearmor, isPgpArmor, readPgpPackets } from './openpgp.js';
import { CFB_MAGIC, openCfb } from '../cfb/cfb.js';
import { officeEncryption } from './office.js';

export const OPENSSL_MAGIC = Buffer.from('Salted__', 'latin1');

/**
 * The parser pre-filter's keys for sniffContainer (src/artifacts/claims.ts): the formats a
 * headerless blob may have; OpenSSL and binary age magics; armor ('-----BEGIN', after optional
 * whitespace: trimStart over latin1); a first byte with the high bit (OpenPGP packets, CFB).
 */
export const CONTAINER_CLAIMS: ParserClaims = {
  formats: [null, 'unknown', 'data'],
  magics: [{ at: 0, bytes: OPENSSL_MAGIC }, magicText(0, 'age-'), magicText(0, '-'), ...byteRange(0, 0x09, 0x0d), ...byteRange(0, 0x20, 0x20), ...byteRange(0, 0x80, 0xff)],
};
/** Smallest file judged as a possible headerless container, and the entropy it must exceed. */
export const HIGH_ENTROPY_MIN_BYTES = 1024 * 1024;
export const HIGH_ENTROPY_MIN_BITS = 7.99;
/** Chi-square tail probabilities outside this band are not uniform random (compressed data, patterns). */
const CHI_P_LOW = 0.001;
const CHI_P_HIGH = 0.999;
const HEAD_READ = 16 * 1024;

export type ContainerKind = 'openpgp' | 'age' | 'openssl' | 'office-encrypted' | 'high-entropy-container';

/** Cheap test on the head: which container this could be (high-entropy needs size + unknown format). */
export function sniffContainer(head: Buffer, size: number, format: string | null): ContainerKind | null {
  if (hasBytesAt(head, OPENSSL_MAGIC)) return 'openssl';
  if (sniffAge(head)) return 'age';
  if (isPgpArmor(head) || (head.length > 2 && (head[0]! & 0x80) !== 0 && readPgpPackets(head, false))) return 'openpgp';
  if (hasBytesAt(head, CFB_MAGIC)) return 'office-encrypted';
  if (size >= HIGH_ENTROPY_MIN_BYTES && (format === null || format === 'unknown' || format === 'data')) return 'high-entropy-container';
  return null;
}

export async function parseEncrypted(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  const head = src.read(0, HEAD_READ);
  const kind = sniffContainer(head, src.size, ctx.format);
  if (!kind) return null;
  const judged = judge(kind, src, head);
  if (!judged) return null;
  const summary: ArchiveSummary = { ...emptySummary(kind), encryption: judged.encryption, fields: judged.fields };
  return {
    parser: 'encrypted',
    records: [{ type: 'encrypted-container', format: kind, encryption: judged.encryption, ...judged.fields }],
    warnings: judged.warnings,
    corrupted: false,
    facts: summary,
  };
}

interface Judgement {
  encryption: string[];
  fields: Record<string, unknown>;
  warnings: string[];
}

function judge(kind: ContainerKind, src: ByteSource, head: Buffer): Judgement | null {
  switch (kind) {
    case 'openssl':
      return { encryption: ['openssl-enc'], fields: { saltHex: head.toString('hex', 8, 16) }, warnings: [] };
    case 'age': {
      const a = readAgeHeader(head);
      if (!a) return null;
      return { encryption: [a.passphrase ? 'age-scrypt' : 'age-x25519'], fields: { armored: a.armored, recipientTypes: a.recipientTypes }, warnings: [] };
    }
    case 'openpgp': {
      const armored = isPgpArmor(head);
      const p = readPgpPackets(armored ? dearmor(head.toString('latin1')) : head, armored);
      if (!p) return null;
      const encryption = [p.passphrase ? 'openpgp-passphrase' : null, p.publicKeyRecipients ? 'openpgp-public-key' : null].filter((x): x is string => x !== null);
      return { encryption: encryption.length ? encryption : ['openpgp'], fields: { armored, packetTags: p.tags, publicKeyRecipients: p.publicKeyRecipients, cipher: p.cipher }, warnings: [] };
    }
    case 'office-encrypted': {
      const cfb = openCfb(src);
      const enc = cfb ? officeEncryption(cfb) : null;
      if (!cfb || !enc) return null;
      return { encryption: [enc.scheme], fields: { application: enc.application, streams: cfb.entries.length }, warnings: cfb.warnings };
    }
    case 'high-entropy-container':
      return highEntropy(src);
  }
}

/** Head, middle and tail samples; entropy above 7.99 bits/byte and a chi-square consistent with random. */
function highEntropy(src: ByteSource): Judgement | null {
  const n = LIMITS.entropySampleBytes;
  const mid = Math.floor(src.size / 2 - n / 2);
  const h = histogramOf(src.read(0, n), src.read(mid, n), src.read(src.size - n, n));
  const entropy = shannonEntropy(h);
  const chi = chiSquare(h);
  const p = chiSquareUpperTail(chi);
  if (entropy <= HIGH_ENTROPY_MIN_BITS || p < CHI_P_LOW || p > CHI_P_HIGH) return null;
  return {
    encryption: ['unknown'],
    fields: { entropy: Math.round(entropy * 10000) / 10000, chiSquare: Math.round(chi * 100) / 100, chiSquareP: Math.round(p * 1000) / 1000, sampledBytes: h.total },
    warnings: [],
  };
}
