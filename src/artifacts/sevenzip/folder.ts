/**
 * A 7z folder's (solid block's) whole output, decoded in memory for the YARA rules
 * (archive/members.ts): the folder's coders wired by its bind pairs, each coder's input being a
 * packed stream or another coder's output (7zFormat.txt, "Folder"). Coders decoded here: LZMA,
 * LZMA2, PPMd, Copy, zstd, Deflate, Deflate64, BZip2, and the x86 filters BCJ and BCJ2. Encrypted folders
 * (7zAES) and other coders (ARM filters...) are said, not decoded. Every size is the header's, so the
 * whole of what a folder would hold in memory is checked against `maxBytes` before anything is decoded;
 * a folder larger than that (7-Zip's solid blocks reach a gigabyte) may have its start decoded instead,
 * when its coders can stop anywhere: the files in that start are as whole as in the whole block.
 */
import { decompressWhole, inflateWhole, type Decompressed } from '../compressed/whole.js';
import { inflate64 } from '../compressed/inflate64.js';
import { bcj2Decode, x86BranchDecode } from './bcj.js';
import type { Folder } from './header.js';
import { CODER_LZMA, CODER_LZMA2 } from './layout.js';
import { decodeLzma, decodeLzma2 } from './lzma.js';
import { decodePpmd7, ppmd7Properties } from './ppmd7.js';
import { LIMITS } from '../../util/limits.js';
import { folderIsEncrypted, folderMethod } from './parse.js';

const CODER_COPY = '00';
const CODER_PPMD = '030401';
/** 7-Zip ZS's zstd. */
const CODER_ZSTD = '04f71101';
/** Coders of one stream decoded whole to the header's size by the compressed files' decoders. */
const WHOLE_CODERS: Readonly<Record<string, { name: string; decode(input: Buffer, size: number): Decompressed }>> = {
  [CODER_ZSTD]: { name: 'zstd', decode: (input, size) => decompressWhole('zstd', input, size)! },
  '040108': { name: 'Deflate', decode: inflateWhole },
  '040109': { name: 'Deflate64', decode: inflate64 },
  '040202': { name: 'BZip2', decode: (input, size) => decompressWhole('bzip2', input, size)! },
};
/** The x86 branch filter, by its old and new ids. */
const CODER_BCJ = new Set(['03030103', '04']);
const CODER_BCJ2 = '0303011b';

/** `whole` false: `data` is the start of the block's output, as far as `maxBytes` allowed. */
export type FolderOutput = { ok: true; data: Buffer; damaged: string | null; whole: boolean } | { ok: false; why: 'encrypted' | 'method' | 'budget' | 'damaged'; detail: string };

/**
 * Whether a folder's start decodes on its own: one packed stream through coders that each give
 * their output's start from their input's start (not BCJ2, whose four streams interleave).
 */
function startDecodable(f: Folder): boolean {
  return f.packedStreams.length === 1 && f.coders.every((c) => c.numInStreams === 1 && c.numOutStreams === 1 && (STARTABLE.has(c.id) || CODER_BCJ.has(c.id) || WHOLE_CODERS[c.id] !== undefined));
}
const STARTABLE = new Set([CODER_LZMA, CODER_LZMA2, CODER_PPMD, CODER_COPY]);
/** The x86 filter converts a call when it has its four operand bytes: a cut output's last four may be unconverted. */
const BCJ_TAIL = 4;

class NotDecoded extends Error {
  constructor(
    readonly why: 'encrypted' | 'method' | 'budget' | 'damaged',
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Decodes folder `f` whose packed streams lie at `packs` in `bytes`; at most `maxBytes` held in all.
 * With `start`, a folder that would hold more gives the start of its output instead (`whole` false),
 * each coder's output cut at the same length; `bytes` may then end inside the packed stream.
 */
export function decodeFolder(bytes: Buffer, f: Folder, packs: ReadonlyArray<{ at: number; size: number }>, maxBytes: number, start = false): FolderOutput {
  try {
    if (folderIsEncrypted(f)) throw new NotDecoded('encrypted', 'encrypted (7zAES)');
    const held = f.unpackSizes.reduce((a, b) => a + b, 0);
    let cap = Infinity;
    if (held > maxBytes) {
      if (!start || !startDecodable(f)) throw new NotDecoded('budget', `its block unpacks to ${held} bytes, past the ${maxBytes} left to decompress`);
      cap = Math.floor(maxBytes / Math.max(1, f.unpackSizes.length));
    }
    const inStart: number[] = [];
    const outStart: number[] = [];
    let ins = 0;
    let outs = 0;
    for (const c of f.coders) {
      inStart.push(ins);
      outStart.push(outs);
      ins += c.numInStreams;
      outs += c.numOutStreams;
    }
    let damaged: string | null = null;
    const noted = (error: string | null): void => {
      damaged ??= error;
    };
    const input = (inIndex: number, depth: number): Buffer => {
      const bound = f.bindPairs.find((bp) => bp.inIndex === inIndex);
      if (bound) return output(bound.outIndex, depth + 1);
      const p = f.packedStreams.indexOf(inIndex);
      const pack = packs[p];
      if (p < 0 || !pack) throw new NotDecoded('damaged', `in-stream ${inIndex} has neither a bind pair nor a packed stream`);
      if (pack.at + pack.size > bytes.length && cap === Infinity) throw new NotDecoded('damaged', 'its packed block runs past the end of the file');
      return bytes.subarray(pack.at, pack.at + pack.size);
    };
    const output = (outIndex: number, depth: number): Buffer => {
      // Bind pairs are the attacker's: a loop among them ends here.
      if (depth > f.coders.length) throw new NotDecoded('damaged', 'its coders are bound in a loop');
      const c = outStart.findIndex((start, i) => outIndex >= start && outIndex < start + f.coders[i]!.numOutStreams);
      const coder = f.coders[c];
      if (!coder || coder.numOutStreams !== 1) throw new NotDecoded('method', `its block is packed with ${folderMethod(f)}, not decompressed here`);
      const full = f.unpackSizes[outIndex] ?? 0;
      const size = Math.min(full, cap);
      const cut = size < full;
      const first = (): Buffer => input(inStart[c]!, depth);
      if (coder.id === CODER_BCJ2 && coder.numInStreams === 4) {
        const [main, call, jump, rc] = [0, 1, 2, 3].map((k) => input(inStart[c]! + k, depth)) as [Buffer, Buffer, Buffer, Buffer];
        const data = bcj2Decode(main, call, jump, rc, size);
        if (data.length !== size) noted(`BCJ2 streams end after ${data.length} of ${size} bytes`);
        return data;
      }
      if (coder.numInStreams !== 1) throw new NotDecoded('method', `its block is packed with ${folderMethod(f)}, not decompressed here`);
      if (CODER_BCJ.has(coder.id)) {
        const data = Buffer.from(first());
        x86BranchDecode(data);
        return cut ? data.subarray(0, Math.max(0, data.length - BCJ_TAIL)) : data;
      }
      let r: { data: Buffer; error: string | null };
      if (coder.id === CODER_LZMA) r = decodeLzma(first(), coder.props, size);
      else if (coder.id === CODER_LZMA2) r = decodeLzma2(first(), size);
      else if (coder.id === CODER_PPMD) {
        // The model is one array of the size the header asks: past the bound it is a budget, not damage.
        const memory = ppmd7Properties(coder.props)?.memory ?? 0;
        if (memory > LIMITS.maxPpmdModelBytes) throw new NotDecoded('budget', `its PPMd model asks ${memory} bytes of memory, past the ${LIMITS.maxPpmdModelBytes} allowed`);
        r = decodePpmd7(first(), coder.props, size, LIMITS.maxPpmdModelBytes);
      }
      else if (coder.id === CODER_COPY) {
        const stored = first();
        r = { data: stored.subarray(0, size), error: stored.length < size ? 'the stored block is short' : null };
      } else if (WHOLE_CODERS[coder.id]) {
        const whole = WHOLE_CODERS[coder.id]!;
        const z = whole.decode(first(), size);
        r = { data: z.data, error: z.cut && !cut ? `${whole.name} output longer than the header says` : z.error };
      } else throw new NotDecoded('method', `its block is packed with ${folderMethod(f)}, not decompressed here`);
      noted(r.error);
      return r.data;
    };
    const final = f.unpackSizes.findIndex((_, i) => !f.bindPairs.some((bp) => bp.outIndex === i));
    const data = output(final < 0 ? 0 : final, 0);
    // A cut input ends where a decoder stops short of the cut output: that is the start's end, not damage.
    if (cap !== Infinity) return { ok: true, data, damaged: data.length === 0 ? damaged : null, whole: false };
    return { ok: true, data, damaged, whole: true };
  } catch (err) {
    if (err instanceof NotDecoded) return { ok: false, why: err.why, detail: err.message };
    throw err;
  }
}
