// Deterministic mutations for parser fuzzing: the same (input, kind, seed) gives the same bytes.
import { intIn, mulberry32 } from './prng.mjs';

export const MUTATIONS = ['bitflip', 'byteset', 'truncate', 'splice', 'lenmax', 'zerorange', 'truncate-head'];

const MAX_VALUES_32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x0fffffff];

/** An offset biased to the first 4 KiB, where headers and their length fields live. */
function offset(rand, length) {
  if (length <= 1) return 0;
  return rand() < 0.7 ? intIn(rand, 0, Math.min(length, 4096)) : intIn(rand, 0, length);
}

export function mutate(input, kind, seed) {
  const rand = mulberry32(seed);
  const out = Buffer.from(input);
  const n = out.length;
  if (n === 0) return out;
  switch (kind) {
    case 'bitflip': {
      for (let i = intIn(rand, 1, 9); i > 0; i--) {
        const at = offset(rand, n);
        out[at] ^= 1 << intIn(rand, 0, 8);
      }
      return out;
    }
    case 'byteset': {
      for (let i = intIn(rand, 1, 9); i > 0; i--) out[offset(rand, n)] = [0, 0xff, 0x7f, 0x80, intIn(rand, 0, 256)][intIn(rand, 0, 5)];
      return out;
    }
    case 'truncate':
      return out.subarray(0, intIn(rand, 0, n));
    case 'truncate-head':
      return out.subarray(0, Math.min(n, intIn(rand, 0, 600)));
    case 'splice': {
      // Copy a chunk of the file over another place (duplicated headers, shifted structures).
      const len = intIn(rand, 1, Math.min(n, 512) + 1);
      const from = intIn(rand, 0, n - len + 1);
      const to = offset(rand, n);
      const chunk = Buffer.from(out.subarray(from, from + len));
      return rand() < 0.5 ? Buffer.concat([out.subarray(0, to), chunk, out.subarray(to)]) : (chunk.copy(out, to), out);
    }
    case 'lenmax': {
      // Length and count fields set to their maxima: u32 at 4-aligned offsets, u16 at 2-aligned.
      for (let i = intIn(rand, 1, 5); i > 0; i--) {
        const at = offset(rand, n);
        if (rand() < 0.7 && at + 4 <= n) out.writeUInt32LE(MAX_VALUES_32[intIn(rand, 0, 4)], at & ~3);
        else if (at + 2 <= n) out.writeUInt16LE(0xffff, at & ~1);
      }
      return out;
    }
    case 'zerorange': {
      const at = offset(rand, n);
      out.fill(0, at, Math.min(n, at + intIn(rand, 1, 4096)));
      return out;
    }
    default:
      throw new Error(`unknown mutation ${kind}`);
  }
}
