/** A minimal PNG decoder for screenshot checks (8-bit RGB/RGBA, non-interlaced, as Chromium writes them). */
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  channels: number;
  /** Unfiltered rows, `channels` bytes per pixel. */
  data: Buffer;
}

export function decodePng(png: Buffer): Image {
  if (png.toString('latin1', 1, 4) !== 'PNG') throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      if (!channels) throw new Error(`colour type ${body[9]} not supported`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = data.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? data.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels]! : 0;
      const b = up[x]!;
      const c = x >= channels ? up[x - channels]! : 0;
      let v = src[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[x] = v & 0xff;
    }
  }
  return { width, height, channels, data };
}

/** Pixels that differ between two images of the same size. */
export function differingPixels(a: Image, b: Image): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) throw new Error('images differ in size');
  let n = 0;
  for (let i = 0; i < a.data.length; i += a.channels) {
    for (let k = 0; k < 3; k++) {
      if (a.data[i + k] !== b.data[i + k]) {
        n++;
        break;
      }
    }
  }
  return n;
}
