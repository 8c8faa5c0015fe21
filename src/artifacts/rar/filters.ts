/**
 * RAR's filters: transforms the packer applies to a span of a file before compressing it so that
 * executables, tables and media compress better, and that the unpacker undoes on that span of its
 * output. RAR 5 names four in its stream (delta, x86 E8 and E8/E9, ARM); RAR 2.9 ships each as a
 * program for its virtual machine, and unrar runs only the standard ones, recognised by the
 * program's CRC (unpack29.ts), which are these same transforms plus Itanium, RGB and audio. None is
 * run as code here: each is a fixed loop over the span, bounded by its length.
 *
 * `fileOffset` is where the span starts in the file's output (the x86 and ARM filters turn absolute
 * call targets back into relative ones by it).
 */

export type RarFilter =
  | { kind: 'delta'; channels: number }
  | { kind: 'e8'; e9: boolean; /** RAR 5 takes the offset modulo 16 MiB; RAR 2.9 does not. */ wrap: boolean }
  | { kind: 'arm' }
  | { kind: 'itanium' }
  | { kind: 'rgb'; width: number; posR: number }
  | { kind: 'audio'; channels: number };

/** Undoes `filter` on `data` (the span as decoded); returns the span's final bytes. */
export function applyRarFilter(filter: RarFilter, data: Uint8Array, fileOffset: number): Uint8Array {
  switch (filter.kind) {
    case 'e8':
      return x86Calls(data, fileOffset, filter.e9, filter.wrap);
    case 'arm':
      return armCalls(data, fileOffset);
    case 'delta':
      return delta(data, filter.channels);
    case 'itanium':
      return itanium(data, fileOffset);
    case 'rgb':
      return rgb(data, filter.width, filter.posR);
    case 'audio':
      return audio(data, filter.channels);
  }
}

/**
 * How many leading bytes of a filter's span come out exact when the span is cut (a file split
 * across volumes, a damaged stream): the x86 and ARM transforms change each call in place, so all
 * but a last call that lost its operand; the others spread each byte's change over the whole span.
 */
export function exactOfCutSpan(filter: RarFilter, available: number): number {
  if (filter.kind === 'e8') return Math.max(0, available - 4);
  if (filter.kind === 'arm') return available & ~3;
  return 0;
}

const X86_FILE_SIZE = 0x1000000;

/** CALL (E8) and, with `e9`, JMP (E9) operands: absolute targets back to relative, in place. */
function x86Calls(data: Uint8Array, fileOffset: number, e9: boolean, wrap: boolean): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let pos = 0; pos + 4 < data.length; ) {
    const byte = data[pos++]!;
    if (byte !== 0xe8 && !(e9 && byte === 0xe9)) continue;
    const offset = wrap ? (pos + fileOffset) % X86_FILE_SIZE : (pos + fileOffset) >>> 0;
    const addr = view.getUint32(pos, true);
    if (addr & 0x80000000) {
      // A negative target that lands inside the file after the offset: it was stored as target - size.
      if (((addr + offset) & 0x80000000) === 0) view.setUint32(pos, (addr + X86_FILE_SIZE) >>> 0, true);
    } else if ((addr - X86_FILE_SIZE) & 0x80000000) {
      view.setUint32(pos, (addr - offset) >>> 0, true);
    }
    pos += 4;
  }
  return data;
}

/** ARM BL instructions (condition "always"): their 24-bit word offsets back to relative, in place. */
function armCalls(data: Uint8Array, fileOffset: number): Uint8Array {
  for (let pos = 0; pos + 3 < data.length; pos += 4) {
    if (data[pos + 3] !== 0xeb) continue;
    let offset = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    offset = (offset - Math.floor((fileOffset + pos) / 4)) >>> 0;
    data[pos] = offset & 0xff;
    data[pos + 1] = (offset >>> 8) & 0xff;
    data[pos + 2] = (offset >>> 16) & 0xff;
  }
  return data;
}

/** Each channel's bytes were stored one after another as differences: interleaved back. */
function delta(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length);
  let src = 0;
  for (let channel = 0; channel < channels; channel++) {
    let prev = 0;
    for (let at = channel; at < data.length && src < data.length; at += channels) {
      prev = (prev - data[src++]!) & 0xff;
      out[at] = prev;
    }
  }
  return out;
}

const ITANIUM_MASKS = [4, 4, 6, 6, 0, 0, 7, 7, 4, 4, 0, 0, 4, 4, 0, 0];

function itaniumBits(data: Uint8Array, bitPos: number, count: number): number {
  const at = bitPos >>> 3;
  const field = (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> (bitPos & 7);
  return (field & (0xffffffff >>> (32 - count))) >>> 0;
}

function setItaniumBits(data: Uint8Array, value: number, bitPos: number, count: number): void {
  const at = bitPos >>> 3;
  const shift = bitPos & 7;
  let mask = ~(((0xffffffff >>> (32 - count)) << shift) >>> 0) >>> 0;
  let field = (value << shift) >>> 0;
  for (let i = 0; i < 4; i++) {
    data[at + i] = (data[at + i]! & mask) | (field & 0xff);
    mask = ((mask >>> 8) | 0xff000000) >>> 0;
    field >>>= 8;
  }
}

/** Itanium bundles: the 20-bit targets of branch slots back to relative, in place. */
function itanium(data: Uint8Array, fileOffset: number): Uint8Array {
  let bundle = fileOffset >>> 4;
  for (let pos = 0; pos + 21 < data.length; pos += 16, bundle++) {
    const template = (data[pos]! & 0x1f) - 0x10;
    if (template < 0) continue;
    const slots = ITANIUM_MASKS[template]!;
    for (let slot = 0; slot <= 2; slot++) {
      if (!(slots & (1 << slot))) continue;
      const start = pos * 8 + slot * 41 + 5;
      if (itaniumBits(data, start + 37, 4) !== 5) continue;
      const target = itaniumBits(data, start + 13, 20);
      setItaniumBits(data, (target - bundle) & 0xfffff, start + 13, 20);
    }
  }
  return data;
}

/** 24-bit pixels predicted from the left and upper neighbours (Paeth), then green added back. */
function rgb(data: Uint8Array, width: number, posR: number): Uint8Array {
  const out = new Uint8Array(data.length);
  let src = 0;
  for (let channel = 0; channel < 3; channel++) {
    let prev = 0;
    for (let at = channel; at < data.length; at += 3) {
      let predicted = prev;
      const upper = at - width;
      if (upper >= 3) {
        const up = out[upper]!;
        const upLeft = out[upper - 3]!;
        predicted = prev + up - upLeft;
        const pa = Math.abs(predicted - prev);
        const pb = Math.abs(predicted - up);
        const pc = Math.abs(predicted - upLeft);
        predicted = pa <= pb && pa <= pc ? prev : pb <= pc ? up : upLeft;
      }
      prev = (predicted - data[src++]!) & 0xff;
      out[at] = prev;
    }
  }
  for (let at = posR; at + 2 < data.length; at += 3) {
    const green = out[at + 1]!;
    out[at] = (out[at]! + green) & 0xff;
    out[at + 2] = (out[at + 2]! + green) & 0xff;
  }
  return out;
}

/** Audio samples predicted from the last three differences, with weights that adapt every 32 bytes. */
function audio(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length);
  let src = 0;
  const dif = new Uint32Array(7);
  for (let channel = 0; channel < channels; channel++) {
    let prevByte = 0;
    let prevDelta = 0;
    let d1 = 0;
    let d2 = 0;
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    dif.fill(0);
    for (let at = channel, count = 0; at < data.length && src < data.length; at += channels, count++) {
      const d3 = d2;
      d2 = prevDelta - d1;
      d1 = prevDelta;
      const predicted = ((8 * prevByte + k1 * d1 + k2 * d2 + k3 * d3) >>> 3) & 0xff;
      const cur = data[src++]!;
      const value = (predicted - cur) & 0xff;
      out[at] = value;
      prevDelta = (((value - prevByte) << 24) >> 24);
      prevByte = value;
      const d = ((cur << 24) >> 24) * 8;
      dif[0]! += Math.abs(d);
      dif[1]! += Math.abs(d - d1);
      dif[2]! += Math.abs(d + d1);
      dif[3]! += Math.abs(d - d2);
      dif[4]! += Math.abs(d + d2);
      dif[5]! += Math.abs(d - d3);
      dif[6]! += Math.abs(d + d3);
      if ((count & 0x1f) === 0) {
        let min = dif[0]!;
        let which = 0;
        dif[0] = 0;
        for (let j = 1; j < 7; j++) {
          if (dif[j]! < min) {
            min = dif[j]!;
            which = j;
          }
          dif[j] = 0;
        }
        if (which === 1 && k1 >= -16) k1--;
        else if (which === 2 && k1 < 16) k1++;
        else if (which === 3 && k2 >= -16) k2--;
        else if (which === 4 && k2 < 16) k2++;
        else if (which === 5 && k3 >= -16) k3--;
        else if (which === 6 && k3 < 16) k3++;
      }
    }
  }
  return out;
}
