/**
 * age (age-encryption.org/v1): a text header of recipient stanzas ("-> X25519 ...", "-> scrypt ..."
 * for a passphrase), ended by a "---" MAC line, then the binary payload. Armored files wrap it in
 * "-----BEGIN AGE ENCRYPTED FILE-----".
 */
import { firstNonBlank, hasBytesAt } from '../../util/bytes.js';

const AGE_MAGIC = 'age-encryption.org/v1';
const AGE_ARMOR = '-----BEGIN AGE ENCRYPTED FILE-----';
const AGE_BINARY_START = Buffer.from(`${AGE_MAGIC}\n`, 'latin1');
const AGE_ARMOR_START = Buffer.from(AGE_ARMOR, 'latin1');
const MAX_STANZAS = 64;
/** Both forms must lie within the head's first bytes. */
const SNIFF_WINDOW = 64;

export interface AgeInfo {
  armored: boolean;
  recipientTypes: string[];
  passphrase: boolean;
}

export function sniffAge(head: Buffer): 'binary' | 'armored' | null {
  if (hasBytesAt(head, AGE_BINARY_START)) return 'binary';
  // The armor line may follow blanks (those trimStart drops from latin1 text).
  const at = firstNonBlank(head, SNIFF_WINDOW);
  return at + AGE_ARMOR_START.length <= SNIFF_WINDOW && hasBytesAt(head, AGE_ARMOR_START, at) ? 'armored' : null;
}

export function readAgeHeader(head: Buffer): AgeInfo | null {
  const kind = sniffAge(head);
  if (!kind) return null;
  let header = head;
  if (kind === 'armored') {
    const text = head.toString('latin1');
    const body = text.slice(text.indexOf(AGE_ARMOR) + AGE_ARMOR.length).split(/\r?\n/).filter((l) => l && !l.startsWith('-----'));
    header = Buffer.from(body.join(''), 'base64');
    if (!header.toString('latin1', 0, AGE_MAGIC.length).startsWith(AGE_MAGIC)) return { armored: true, recipientTypes: [], passphrase: false };
  }
  const lines = header.toString('latin1').split('\n');
  const types: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('---') || types.length >= MAX_STANZAS) break;
    if (line.startsWith('-> ')) types.push(line.slice(3).split(' ')[0] ?? '?');
  }
  return { armored: kind === 'armored', recipientTypes: types, passphrase: types.includes('scrypt') };
}
