/**
 * A whole compressed stream decompressed into one buffer in memory, never to disk, up to a bound:
 * what the YARA rules see of a `.gz`/`.bz2`/`.xz`/... and of the tar inside (archive/members.ts).
 * The listing's own inner-tar reader (inner-tar.ts) keeps headers only; this keeps the bytes.
 * Synchronous: it runs in a YARA worker, off the scan's thread, under the worker's time limit.
 */
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { decodeLzma } from '../sevenzip/lzma.js';
import { Bzip2Decoder } from './bzip2.js';
import { lzwDecode } from './lzw.js';
import { BoundedSink, lz4Decode, lzipDecode, xzStreams, type Decompressed } from './flat.js';

export type { Decompressed } from './flat.js';
import type { StreamFormat } from './layout.js';

const require = createRequire(import.meta.url);

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}

/** zlib's one-shot forms with an output bound: over it they fail with ERR_BUFFER_TOO_LARGE, which is a cut. */
function zlibWhole(run: () => Buffer): Decompressed {
  try {
    return { data: run(), cut: false, error: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) return { data: Buffer.alloc(0), cut: true, error: null };
    return { data: Buffer.alloc(0), cut: false, error: message(err) };
  }
}

/**
 * gzip: the whole stream when it fits; else its first bytes (a tar's first members), from a prefix
 * of the input sized by the trailer's ISIZE and halved until its output fits: Node's synchronous
 * zlib cannot stop a stream part-way and keep what came out.
 */
function gunzipWhole(input: Buffer, maxOutput: number): Decompressed {
  const whole = zlibWhole(() => gunzipSync(input, { maxOutputLength: Math.max(1, maxOutput) }));
  if (!whole.cut) return whole;
  const isize = input.length >= 4 ? input.readUInt32LE(input.length - 4) : 0;
  let take = isize > maxOutput ? Math.floor(input.length * (maxOutput / isize) * 0.9) : Math.floor(input.length / 2);
  for (let tries = 0; tries < 16 && take > 0; tries++) {
    const prefix = zlibWhole(() => gunzipSync(input.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, maxOutput) }));
    if (!prefix.cut) return { data: prefix.data, cut: true, error: null };
    take = Math.floor(take / 2);
  }
  return { data: Buffer.alloc(0), cut: true, error: null };
}

/** A raw deflate stream (a ZIP member, method 8) of at most `maxOutput` bytes. */
export function inflateWhole(input: Buffer, maxOutput: number): Decompressed {
  return zlibWhole(() => inflateRawSync(input, { maxOutputLength: Math.max(1, maxOutput) }));
}

/** bzip2 (concatenated streams continue) with the project's block decoder. */
function bunzipWhole(input: Buffer, maxOutput: number): Decompressed {
  const sink = new BoundedSink(maxOutput);
  let given = false;
  const decoder = new Bzip2Decoder(() => (given ? null : ((given = true), input)));
  try {
    while (!sink.cut && decoder.hasMoreInput()) {
      decoder.readStreamHeader();
      while (decoder.readBlock((chunk) => sink.push(chunk)) && !sink.cut);
    }
    return sink.result(null);
  } catch (err) {
    return sink.result(message(err));
  }
}

interface FzstdDecompress {
  push(chunk: Uint8Array, final?: boolean): void;
}

function unzstdWhole(input: Buffer, maxOutput: number): Decompressed {
  const { Decompress } = require('fzstd') as { Decompress: new (ondata?: (data: Uint8Array, final: boolean) => void) => FzstdDecompress };
  const sink = new BoundedSink(maxOutput);
  const d = new Decompress((data) => {
    if (!sink.cut) sink.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  try {
    // Fed in slices so that a bomb stops at the bound instead of decoding all of its frames.
    for (let at = 0; at < input.length && !sink.cut; at += 64 * 1024) d.push(input.subarray(at, Math.min(input.length, at + 64 * 1024)), at + 64 * 1024 >= input.length);
    return sink.result(null);
  } catch (err) {
    return sink.result(message(err));
  }
}

/** LZMA-alone (`.lzma`): 5 property bytes, a 64-bit size (all ones: unknown), then the stream. */
function unlzmaWhole(input: Buffer, maxOutput: number): Decompressed {
  if (input.length < 13) return { data: Buffer.alloc(0), cut: false, error: 'LZMA header cut' };
  const low = input.readUInt32LE(5);
  const high = input.readUInt32LE(9);
  const declared = high === 0xffffffff && low === 0xffffffff ? null : high * 2 ** 32 + low;
  const want = declared === null ? maxOutput : Math.min(declared, maxOutput);
  const r = decodeLzma(input.subarray(13), input.subarray(0, 5), want);
  return { data: r.data, cut: declared === null ? r.data.length >= maxOutput : declared > maxOutput, error: declared === null || r.data.length === declared ? null : r.error };
}

/** A flat decoder that fills its output up to `maxOutput`: reaching it is read as a cut. */
function flatWhole(decode: (input: Buffer, max: number, warnings: string[]) => Buffer, input: Buffer, maxOutput: number): Decompressed {
  const warnings: string[] = [];
  // One byte over the bound tells a stream of exactly `maxOutput` bytes from a longer one.
  const data = decode(input, maxOutput + 1, warnings);
  const cut = data.length > maxOutput;
  return { data: cut ? data.subarray(0, maxOutput) : data, cut, error: warnings[0] ?? null };
}

/** The stream's bytes, at most `maxOutput`; null for a format this project cannot decompress. */
export function decompressWhole(format: StreamFormat, input: Buffer, maxOutput: number): Decompressed | null {
  switch (format) {
    case 'gzip':
      return gunzipWhole(input, maxOutput);
    case 'bzip2':
      return bunzipWhole(input, maxOutput);
    case 'zstd':
      return unzstdWhole(input, maxOutput);
    case 'xz':
      return xzStreams(input, maxOutput);
    case 'lzip':
      return flatWhole(lzipDecode, input, maxOutput);
    case 'lz4':
      return flatWhole(lz4Decode, input, maxOutput);
    case 'lzma':
      return unlzmaWhole(input, maxOutput);
    case 'compress':
      return flatWhole(lzwDecode, input, maxOutput);
    default:
      return null;
  }
}
