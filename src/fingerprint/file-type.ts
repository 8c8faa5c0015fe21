/**
 * file-type, asked about the heads the fast table leaves open (random blobs, renamed archives,
 * media it knows), with its two byte comparisons made allocation-free. file-type's own `check`
 * spreads its options into a new object and walks the signature with an entries iterator, and
 * `checkString` turns its literal into a fresh array on every call; a head with no magic runs
 * through about 180 of them. On the findings-heavy bench tree that was 387 MB of 3.4 GB allocated
 * (docs/performance.md "Byte statistics, file-type's comparisons, the text check and lazy times"). The answers are file-type's:
 * the same comparisons in the same order, the signatures' bytes computed as file-type computes them
 * (test/fingerprint/file-type.test.ts holds the two parsers to the same verdict).
 */
import { FileTypeParser, type FileTypeResult } from 'file-type';

interface CheckOptions {
  offset?: number;
  mask?: readonly number[];
  encoding?: string;
}

/** Signature literals as file-type's `stringToBytes` gives them, one map per encoding (a few hundred literals in all). */
const signatureBytes = new Map<string | undefined, Map<string, readonly number[]>>();
const MAX_SIGNATURES = 4096;
const MAX_ENCODINGS = 8;

function bytesOf(text: string, encoding: string | undefined): readonly number[] {
  let known = signatureBytes.get(encoding);
  if (!known && signatureBytes.size < MAX_ENCODINGS) signatureBytes.set(encoding, (known = new Map()));
  const remembered = known?.get(text);
  if (remembered) return remembered;
  const made: number[] = [];
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (encoding === 'utf-16le') made.push(code & 0xff, (code >> 8) & 0xff);
      else made.push((code >> 8) & 0xff, code & 0xff);
    }
  } else {
    // file-type: [...string].map((c) => c.charCodeAt(0)): one number per code point, its first unit.
    for (const character of text) made.push(character.charCodeAt(0));
  }
  // The literals are file-type's own, so the maps stay small; the bound is for a version that would build them.
  if (known && known.size < MAX_SIGNATURES) known.set(text, made);
  return made;
}

class LeanFileTypeParser extends FileTypeParser {
  declare buffer: Uint8Array;

  /** file-type's `_check(this.buffer, header, {offset: 0, ...options})`, without the copy and the iterator. */
  check(header: ArrayLike<number>, options?: CheckOptions): boolean {
    const buffer = this.buffer;
    // `{offset: 0, ...options}`: an offset given as undefined stays undefined (and then nothing matches).
    const offset = options !== undefined && options !== null && Object.hasOwn(options, 'offset') ? (options.offset as number) : 0;
    const mask = options?.mask;
    for (let i = 0; i < header.length; i++) {
      const byte = buffer[i + offset]!;
      if (mask ? header[i] !== (mask[i]! & byte) : header[i] !== byte) return false;
    }
    return true;
  }

  checkString(header: string, options?: CheckOptions): boolean {
    return this.check(bytesOf(header, options?.encoding), options);
  }
}

/** file-type's verdict on a head, as `fileTypeFromBuffer(head)` gives it. */
export function fileTypeOfHead(head: Uint8Array): Promise<FileTypeResult | undefined> {
  return new LeanFileTypeParser().fromBuffer(head);
}
