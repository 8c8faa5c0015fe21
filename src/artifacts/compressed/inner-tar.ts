/**
 * The tar inside a compressed stream (docs/archives.md, "contents decide" in docs/scoring.md):
 * the stream is decompressed as it is read, never to disk, until the tar's entry list ends or a
 * bound is hit (input bytes, output bytes, time, entries). Only header blocks and the small
 * metadata records (GNU long names, pax) are kept; file data is counted and dropped, then the
 * kept blocks are walked by the one tar walker (tar/walk.ts).
 *
 * Decompressors: gzip with Node's zlib; zstd with fzstd (pure JavaScript, streaming, widely used); bzip2
 * with the project's block decoder (bzip2.ts); xz (LZMA2) and lzip (LZMA) with the project's bounded LZMA
 * decoder (sevenzip/lzma.ts) over a bounded input prefix; LZ4 frames with the small decoder in flat.ts;
 * Unix compress (.Z) with the LZW decoder (lzw.ts).
 */
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { ArchiveEntry } from '../archive/summary.js';
import { BLOCK, isZeroBlock, looksLikeTar, readHeader } from '../tar/layout.js';
import { walkTar } from '../tar/walk.js';
import { lz4Decode, lzipDecode, xzDecode, xzStreams } from './flat.js';
import { Bzip2Decoder } from './bzip2.js';
import { lzwDecode } from './lzw.js';
import { yieldToEventLoop } from '../../util/event-loop.js';
import type { StreamFormat } from './layout.js';

const require = createRequire(import.meta.url);

/** Bytes of compressed input read per step. */
const CHUNK = 64 * 1024;
/** Compressed bytes decoded to see whether a flat-decoded stream starts with a tar. */
const PEEK_INPUT = 16 * 1024;
/** An LZMA2 chunk is packed into at most 64 KiB (plus the stream and block headers): a whole first chunk. */
const XZ_PEEK_INPUT = 80 * 1024;
/** Longest GNU long-name or pax record kept (as tar/walk.ts reads). */
const MAX_META_BYTES = 1024 * 1024;

export interface InnerTar {
  /** null when the stream does not start with a tar. */
  entries: ArchiveEntry[] | null;
  /** The entry list ended (end-of-archive marker) within the bounds. */
  complete: boolean;
  /** Why the listing stopped early, if it did. */
  stoppedBy: 'input' | 'output' | 'time' | 'entries' | 'damage' | 'unsupported' | null;
  bytesIn: number;
  bytesOut: number;
  warnings: string[];
}

/**
 * Collects the blocks a tar walk needs from a stream of decompressed chunks: every header block
 * and the data of metadata entries (L, K, x, g); skips file data by offset arithmetic.
 */
class TarBlockCollector {
  pos = 0;
  private nextHeader = 0;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private meta: { start: number; length: number; parts: Buffer[]; got: number; pax: boolean } | null = null;
  private paxSize: number | null = null;
  readonly kept = new Map<number, Buffer>();
  entries = 0;
  done = false;
  endMarker = false;
  notTar = false;

  constructor(private readonly maxEntries: number) {}

  /** Feeds decompressed bytes; returns false once nothing more is needed. */
  push(chunk: Buffer): boolean {
    let at = 0;
    while (at < chunk.length && !this.done) {
      if (this.pos < this.nextHeader) {
        const n = Math.min(this.nextHeader - this.pos, chunk.length - at);
        this.keepMeta(chunk.subarray(at, at + n));
        this.pos += n;
        at += n;
        continue;
      }
      const n = Math.min(BLOCK - this.pendingLength, chunk.length - at);
      this.pending.push(chunk.subarray(at, at + n));
      this.pendingLength += n;
      this.pos += n;
      at += n;
      if (this.pendingLength === BLOCK) this.header(Buffer.concat(this.pending));
    }
    return !this.done;
  }

  private keepMeta(bytes: Buffer): void {
    const m = this.meta;
    if (!m || m.got >= m.length) return;
    const part = bytes.subarray(0, m.length - m.got);
    m.parts.push(Buffer.from(part));
    m.got += part.length;
    if (m.got >= m.length) {
      const data = Buffer.concat(m.parts);
      this.kept.set(m.start, data);
      if (m.pax) {
        const size = /(?:^|\n)\d+ size=(\d+)\n/.exec(data.toString('latin1'));
        if (size) this.paxSize = Number(size[1]);
      }
    }
  }

  private header(block: Buffer): void {
    const start = this.pos - BLOCK;
    this.pending = [];
    this.pendingLength = 0;
    if (start === 0 && !looksLikeTar(block)) {
      this.notTar = true;
      this.done = true;
      return;
    }
    this.kept.set(start, block);
    if (isZeroBlock(block)) {
      this.endMarker = true;
      this.done = true;
      return;
    }
    const h = readHeader(block);
    if (!h) {
      this.done = true; // the walker reports the bad header
      return;
    }
    const dataStart = start + BLOCK;
    if (h.type === 'L' || h.type === 'K' || h.type === 'x' || h.type === 'g') {
      this.meta = { start: dataStart, length: Math.min(h.size, MAX_META_BYTES), parts: [], got: 0, pax: h.type === 'x' };
      this.nextHeader = dataStart + Math.ceil(h.size / BLOCK) * BLOCK;
      return;
    }
    this.meta = null;
    const size = this.paxSize ?? h.size;
    this.paxSize = null;
    this.nextHeader = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (++this.entries >= this.maxEntries) this.done = true;
  }
}

export interface InnerTarBounds {
  maxInputBytes: number;
  maxOutputBytes: number;
  /** Decoders without a streaming form (xz, lzip, lz4) decode a prefix into one buffer of at most this. */
  maxFlatBytes: number;
  maxMs: number;
  maxEntries: number;
}

export const INNER_TAR_BOUNDS: InnerTarBounds = {
  maxInputBytes: LIMITS.maxInnerTarInputBytes,
  maxOutputBytes: LIMITS.maxInnerTarOutputBytes,
  maxFlatBytes: LIMITS.maxInnerTarFlatBytes,
  maxMs: LIMITS.maxInnerTarMs,
  maxEntries: LIMITS.maxInnerTarEntries,
};

type Feed = (chunk: Buffer) => boolean;

/** Lists the tar inside `src` (a `format` stream) within `bounds`. */
export async function listInnerTar(src: ByteSource, format: StreamFormat, bounds: InnerTarBounds = INNER_TAR_BOUNDS): Promise<InnerTar> {
  const collector = new TarBlockCollector(bounds.maxEntries);
  // CPU time, not wall time: the bound is against a decompression bomb, and a loaded machine (or a
  // slow start of a single-file executable) must not cut an ordinary listing short. Counted from
  // the first output that is a tar's: most compressed files hold none and are settled by their
  // first chunk, and a clock read per file was 1.5 % of a 100,000-file scan's main thread.
  let cpuStart: NodeJS.CpuUsage | null = null;
  const overBudget = (): boolean => {
    cpuStart ??= process.cpuUsage();
    const used = process.cpuUsage(cpuStart);
    return (used.user + used.system) / 1000 > bounds.maxMs;
  };
  const warnings: string[] = [];
  let bytesIn = 0;
  let bytesOut = 0;
  let stoppedBy: InnerTar['stoppedBy'] = null;
  const feed: Feed = (chunk) => {
    if (collector.done) return false;
    bytesOut += chunk.length;
    const more = collector.push(chunk);
    if (!more) return false;
    if (bytesOut >= bounds.maxOutputBytes) return (stoppedBy = 'output'), false;
    if (overBudget()) return (stoppedBy = 'time'), false;
    return true;
  };
  // A flat decoder's input prefix: compressed data rarely expands less than 2:1 for a tar.
  const flatInput = Math.min(bounds.maxInputBytes, bounds.maxFlatBytes);
  const input = (): Generator<Buffer> => inputChunks(src, Math.min(src.size, bounds.maxInputBytes), (n) => (bytesIn += n));
  try {
    switch (format) {
      case 'gzip':
        await gunzipStream(input(), feed);
        break;
      case 'zstd':
        zstdStream(input(), feed);
        break;
      case 'bzip2':
        await bzip2Stream(input(), feed);
        break;
      case 'xz':
      case 'lzip':
      case 'lz4':
      case 'compress': {
        const decode = format === 'xz' ? xzDecode : format === 'lzip' ? lzipDecode : format === 'lz4' ? lz4Decode : lzwDecode;
        // A small decode first: most .xz/.lz4 files (kernel modules, man pages) hold no tar, and a
        // flat decoder would allocate its whole output buffer for nothing. Each decoder stops after
        // the first block (xz: inside its first LZMA2 chunk, which unpacks to up to 2 MiB).
        const peek = format === 'xz' ? xzDecode(src.read(0, XZ_PEEK_INPUT), BLOCK, [], true) : decode(src.read(0, PEEK_INPUT), BLOCK, []);
        if (!looksLikeTar(peek)) return { entries: null, complete: false, stoppedBy: null, bytesIn: Math.min(src.size, PEEK_INPUT), bytesOut: 0, warnings };
        // xz: every stream and block of the prefix (pxz and xz -T write several; flat.ts xzStreams).
        const whole = format === 'xz' ? xzWholePrefix : decode;
        flat(whole(readPrefix(src, flatInput, (n) => (bytesIn += n)), bounds.maxFlatBytes, warnings), feed);
        break;
      }
      default:
        return { entries: null, complete: false, stoppedBy: 'unsupported', bytesIn: 0, bytesOut: 0, warnings: [`no ${format} decompressor`] };
    }
  } catch (err) {
    warnings.push(`${format} data could not be decoded: ${(err as Error).message}`);
  }
  if (collector.notTar || collector.pos < BLOCK) return { entries: null, complete: false, stoppedBy, bytesIn, bytesOut, warnings };
  if (stoppedBy === null && !collector.endMarker) {
    if (collector.entries >= bounds.maxEntries) stoppedBy = 'entries';
    else if (bytesIn >= bounds.maxInputBytes && src.size > bounds.maxInputBytes) stoppedBy = 'input';
    else stoppedBy = 'damage';
  }
  const kept = collector.kept;
  const w = walkTar((pos, len) => kept.get(pos)?.subarray(0, len) ?? Buffer.alloc(0), collector.pos, bounds.maxEntries);
  return { entries: w.entries, complete: collector.endMarker, stoppedBy: collector.endMarker ? null : stoppedBy, bytesIn, bytesOut, warnings };
}

function* inputChunks(src: ByteSource, limit: number, counted: (n: number) => void): Generator<Buffer> {
  for (let off = 0; off < limit; off += CHUNK) {
    const chunk = src.read(off, Math.min(CHUNK, limit - off));
    if (chunk.length === 0) return;
    counted(chunk.length);
    yield chunk;
  }
}

function readPrefix(src: ByteSource, max: number, counted: (n: number) => void): Buffer {
  const parts: Buffer[] = [];
  for (const c of inputChunks(src, Math.min(src.size, max), counted)) parts.push(c);
  return Buffer.concat(parts);
}

function flat(out: Buffer, feed: Feed): void {
  for (let off = 0; off < out.length; off += CHUNK) if (!feed(out.subarray(off, off + CHUNK))) return;
}

/** Node's gunzip as a stream (concatenated members continue); stops as soon as `feed` says so. */
async function gunzipStream(chunks: Generator<Buffer>, feed: Feed): Promise<void> {
  const gunzip = createGunzip();
  let stop = false;
  let failed: Error | null = null;
  gunzip.on('data', (b: Buffer) => {
    if (!stop && !feed(b)) stop = true;
  });
  const finished = new Promise<void>((resolve) => {
    gunzip.once('end', resolve);
    gunzip.once('close', resolve);
    gunzip.once('error', (e) => ((failed = e), resolve()));
  });
  for (const chunk of chunks) {
    if (stop || failed) break;
    const flushed = gunzip.write(chunk);
    // Let the data events of this chunk run (and honour back-pressure) before reading more.
    if (!flushed) await Promise.race([new Promise((r) => gunzip.once('drain', r)), finished]);
    else await yieldToEventLoop();
  }
  if (stop || failed) gunzip.destroy();
  else gunzip.end();
  await finished;
  if (failed && !stop) throw failed;
}

interface FzstdDecompress {
  ondata: (data: Uint8Array, final: boolean) => void;
  push(chunk: Uint8Array, final?: boolean): void;
}

function zstdStream(chunks: Generator<Buffer>, feed: Feed): void {
  const { Decompress } = require('fzstd') as { Decompress: new (ondata?: (data: Uint8Array, final: boolean) => void) => FzstdDecompress };
  let stop = false;
  const d = new Decompress((data) => {
    if (!stop && !feed(Buffer.from(data.buffer, data.byteOffset, data.byteLength))) stop = true;
  });
  for (const chunk of chunks) {
    if (stop) return;
    d.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
}

/** bzip2 streams (concatenated ones continue: pbzip2, cat a.bz2 b.bz2) with the project's decoder (bzip2.ts). */
async function bzip2Stream(chunks: Generator<Buffer>, feed: Feed): Promise<void> {
  const decoder = new Bzip2Decoder(() => {
    const next = chunks.next();
    return next.done ? null : next.value;
  });
  let stop = false;
  const out = (chunk: Buffer): boolean => (stop = !feed(chunk), !stop);
  let inStream = false;
  while (!stop) {
    if (!inStream) {
      if (!decoder.hasMoreInput()) break;
      decoder.readStreamHeader();
      inStream = true;
      continue;
    }
    inStream = decoder.readBlock(out);
    // One block at most between two turns of the event loop (interrupts, the time bound).
    if (inStream) await yieldToEventLoop();
  }
}

/** xz's streams and blocks decoded from an input prefix, as the other flat decoders are called (a damaged or cut one said only when nothing decoded). */
function xzWholePrefix(input: Buffer, maxOutput: number, warnings: string[]): Buffer {
  const r = xzStreams(input, maxOutput);
  if (r.error && r.data.length === 0) warnings.push(r.error);
  return r.data;
}
