/**
 * zlib's `info: true` form, typed. @types/node types inflateRawSync's result as a Buffer whatever
 * the options; with `info: true` Node returns `{ buffer, engine }`, where the engine's bytesWritten
 * counts the compressed bytes it consumed. Checked at run time rather than asserted.
 */
import { inflateRawSync } from 'node:zlib';

export interface InflateWithInfo {
  buffer: Buffer;
  /** Compressed input bytes the deflate stream used (less than given when data trails its end). */
  bytesRead: number;
}

/** Inflates a raw deflate stream of at most `maxOutputLength` bytes; throws like inflateRawSync on bad data; null if Node's result has another shape. */
export function inflateRawWithInfo(data: Buffer, maxOutputLength: number): InflateWithInfo | null {
  const out: unknown = inflateRawSync(data, { info: true, maxOutputLength });
  if (typeof out !== 'object' || out === null || !('buffer' in out) || !('engine' in out)) return null;
  const { buffer, engine } = out;
  if (!Buffer.isBuffer(buffer) || typeof engine !== 'object' || engine === null || !('bytesWritten' in engine) || typeof engine.bytesWritten !== 'number') return null;
  return { buffer, bytesRead: engine.bytesWritten };
}
