/**
 * OpenPGP messages (RFC 9580): binary packets or ASCII armor. We read packet headers only:
 * tag 1 = public-key encrypted session key, 3 = symmetric-key (passphrase) session key,
 * 9 = symmetrically encrypted data, 18 = SEIPD, 20 = AEAD encrypted data.
 * Header byte: bit 7 set; new format (bit 6) tag = low 6 bits, length 1/2/5 bytes or partial;
 * old format tag = bits 5..2, length type = bits 1..0 (1, 2, 4 bytes or indeterminate).
 */
import { firstNonBlank, hasBytesAt } from '../../util/bytes.js';

const MAX_PACKETS = 32;
const ENCRYPTED_DATA = new Set([9, 18, 20]);
const SESSION_KEY = new Set([1, 3]);
const ARMOR_BEGIN = '-----BEGIN PGP MESSAGE-----';
const ARMOR_BEGIN_BYTES = Buffer.from(ARMOR_BEGIN, 'latin1');
const ARMOR_DECODE_CHARS = 8192;
/** The armor line must start within the head's first bytes. */
const ARMOR_WINDOW = 200;

const SYMMETRIC: Record<number, string> = { 1: 'idea', 2: '3des', 3: 'cast5', 4: 'blowfish', 7: 'aes-128', 8: 'aes-192', 9: 'aes-256', 10: 'twofish' };

export interface PgpInfo {
  armored: boolean;
  tags: number[];
  publicKeyRecipients: number;
  passphrase: boolean;
  cipher: string | null;
}

interface Packet {
  tag: number;
  body: Buffer;
  next: number | null; // null: length runs to the end / partial
}

/** The tag of a packet header byte (bit 7 set): new format (bit 6) its low 6 bits, old format bits 5..2. */
function tagOf(h: number): number {
  return h & 0x40 ? h & 0x3f : (h >> 2) & 0x0f;
}

function packetAt(b: Buffer, at: number): Packet | null {
  const h = b[at];
  if (h === undefined || !(h & 0x80)) return null;
  const tag = tagOf(h);
  if (h & 0x40) {
    const l0 = b[at + 1];
    if (l0 === undefined) return null;
    if (l0 < 192) return { tag, body: b.subarray(at + 2, at + 2 + l0), next: at + 2 + l0 };
    if (l0 < 224) {
      const len = ((l0 - 192) << 8) + (b[at + 2] ?? 0) + 192;
      return { tag, body: b.subarray(at + 3, at + 3 + len), next: at + 3 + len };
    }
    if (l0 === 255 && at + 6 <= b.length) {
      const len = b.readUInt32BE(at + 2);
      return { tag, body: b.subarray(at + 6, at + 6 + len), next: at + 6 + len };
    }
    return { tag, body: b.subarray(at + 2), next: null }; // partial body length
  }
  const lt = h & 3;
  const n = lt === 0 ? 1 : lt === 1 ? 2 : lt === 2 ? 4 : 0;
  if (at + 1 + n > b.length) return null;
  if (n === 0) return { tag, body: b.subarray(at + 1), next: null };
  const len = n === 1 ? b[at + 1]! : n === 2 ? b.readUInt16BE(at + 1) : b.readUInt32BE(at + 1);
  return { tag, body: b.subarray(at + 1 + n, at + 1 + n + len), next: at + 1 + n + len };
}

/** The tag of the packet header at the start of `b`; -1 when it is not one. */
function firstPacketTag(b: Buffer): number {
  const h = b[0];
  return h !== undefined && h & 0x80 ? tagOf(h) : -1;
}

/** Walks packets from the start of `b`; an encrypted message is session-key packets then encrypted data. */
export function readPgpPackets(b: Buffer, armored: boolean): PgpInfo | null {
  // Binary data must open with a session-key packet (below): any other first tag is settled here,
  // without walking packets (JPEG and PNG heads start with a byte that has bit 7 set).
  if (!armored && !SESSION_KEY.has(firstPacketTag(b))) return null;
  const info: PgpInfo = { armored, tags: [], publicKeyRecipients: 0, passphrase: false, cipher: null };
  let at = 0;
  let versionsOk = true;
  while (info.tags.length < MAX_PACKETS) {
    const p = packetAt(b, at);
    if (!p || p.tag === 0) break;
    info.tags.push(p.tag);
    // PKESK versions 3/6, SKESK versions 4/5/6
    if (p.tag === 1 && ![3, 6].includes(p.body[0] ?? -1)) versionsOk = false;
    if (p.tag === 3 && ![4, 5, 6].includes(p.body[0] ?? -1)) versionsOk = false;
    if (p.tag === 1) info.publicKeyRecipients++;
    if (p.tag === 3) {
      info.passphrase = true;
      info.cipher ??= SYMMETRIC[p.body[1] ?? -1] ?? null;
    }
    if (ENCRYPTED_DATA.has(p.tag) || p.next === null) break;
    at = p.next;
  }
  const first = info.tags[0];
  const hasData = info.tags.some((t) => ENCRYPTED_DATA.has(t));
  if (first === undefined || !(SESSION_KEY.has(first) || ENCRYPTED_DATA.has(first))) return null;
  // Binary files need the full shape (versioned session-key packets, then data) to avoid matching
  // other formats whose first byte has bit 7 set.
  if (!armored && (!hasData || !SESSION_KEY.has(first) || !versionsOk)) return null;
  return info;
}

export function isPgpArmor(head: Buffer): boolean {
  // The armor line may follow blanks (those trimStart drops from latin1 text).
  const at = firstNonBlank(head, ARMOR_WINDOW);
  return at + ARMOR_BEGIN_BYTES.length <= ARMOR_WINDOW && hasBytesAt(head, ARMOR_BEGIN_BYTES, at);
}

/** Decodes the head of the armored body (after the header lines and the blank line). */
export function dearmor(text: string): Buffer {
  const start = text.indexOf(ARMOR_BEGIN);
  const afterHeaders = text.slice(start).search(/\r?\n\r?\n/);
  if (afterHeaders < 0) return Buffer.alloc(0);
  const body = text.slice(start + afterHeaders).replace(/^\s+/, '');
  const lines = body.split(/\r?\n/).filter((l) => l && !l.startsWith('=') && !l.startsWith('-----'));
  return Buffer.from(lines.join('').slice(0, ARMOR_DECODE_CHARS), 'base64');
}
