// Head-pass floor: the least JavaScript any scan giving stagehunt's per-file verdicts runs over
// each file's head (the scan's LIMITS.headBytes), whatever else it does. A file whose first bytes are a known format's magic
// (the table below) is settled by them and costs nothing here. Every other head needs one pass
// over its bytes to say whether it is text (no NUL, few control characters, valid UTF-8 or
// 8-bit text: the verdict "text" needs every byte checked), and a head that is not text a byte
// histogram and its entropy (the high-entropy verdict: encrypted or compressed data without a
// header). Written as tight typed-array loops that stop as early as the verdict allows, so this
// is a lower bound, not the scan's own code (which does more per file: src/fingerprint/).
//
// The heads are read first and not timed (Node's sync floor pays for that read); the passes are
// timed, best of three, in wall seconds. Prints one JSON object.
//
//   node bench/lib/head-floor.mjs TREE
import { closeSync, openSync, readSync } from 'node:fs';
import { filesUnder } from './files-under.mjs';
import { LIMITS } from '../../dist/util/limits.js';

/** The head a scan reads of every file (from the build: `npm run build`). */
const HEAD = LIMITS.headBytes;
const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: head-floor.mjs TREE\n');
  process.exit(2);
}

/** Leading bytes that settle a file without looking further (JPEG, PNG, GIF, PDF, PE, ELF, ZIP, gzip, bzip2, xz, 7z, RAR, OLE). */
const MAGICS = [
  [0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47], [0x47, 0x49, 0x46, 0x38], [0x25, 0x50, 0x44, 0x46], [0x4d, 0x5a],
  [0x7f, 0x45, 0x4c, 0x46], [0x50, 0x4b, 0x03, 0x04], [0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], [0xd0, 0xcf, 0x11, 0xe0],
].map((m) => Uint8Array.from(m));

function hasMagic(h) {
  for (const m of MAGICS) {
    if (h.length < m.length) continue;
    let k = 0;
    while (k < m.length && h[k] === m[k]) k++;
    if (k === m.length) return true;
  }
  return false;
}

const heads = [];
const buf = Buffer.allocUnsafe(HEAD);
for (const { path: p } of filesUnder(root)) {
  const fd = openSync(p, 'r');
  const n = readSync(fd, buf, 0, HEAD, 0);
  closeSync(fd);
  heads.push(Uint8Array.from(buf.subarray(0, n)));
}

/** True when `h` reads as text: stops at the first NUL, too many controls, or (when not 8-bit) invalid UTF-8 that makes it binary. */
function isText(h) {
  const n = h.length;
  const maxControls = n / 100;
  const maxHigh = n * 0.3;
  let controls = 0;
  let high = 0;
  let utf8 = true;
  for (let i = 0; i < n; i++) {
    const b = h[i];
    if (b >= 0x20 && b < 0x7f) continue;
    if (b === 0) return false;
    if (b < 0x80) {
      if (b !== 9 && b !== 10 && b !== 12 && b !== 13 && b !== 27 && ++controls > maxControls) return false;
      continue;
    }
    if (++high > maxHigh && !utf8) return false;
    if (utf8) {
      const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
      if (need < 0) utf8 = false;
      else if (i + need >= n) break; // a sequence cut by the end of the head counts as valid, as the scan takes it
      else {
        let k = 1;
        while (k <= need && (h[i + k] & 0xc0) === 0x80) k++;
        if (k > need) i += need;
        else utf8 = false;
      }
      if (!utf8 && high > maxHigh) return false;
    }
  }
  return true;
}

const histogram = new Uint32Array(256);
function entropy(h) {
  histogram.fill(0);
  for (let i = 0; i < h.length; i++) histogram[h[i]]++;
  let e = 0;
  for (let k = 0; k < 256; k++) {
    const c = histogram[k];
    if (c !== 0) {
      const p = c / h.length;
      e -= p * Math.log2(p);
    }
  }
  return e;
}

let best = Infinity;
let counts = null;
for (let round = 0; round < 3; round++) {
  let settled = 0;
  let text = 0;
  let binary = 0;
  let sink = 0;
  const start = performance.now();
  for (const h of heads) {
    if (h.length === 0 || hasMagic(h)) settled++;
    else if (isText(h)) text++;
    else {
      binary++;
      sink += entropy(h);
    }
  }
  best = Math.min(best, (performance.now() - start) / 1000);
  counts = { settled, text, binary, sink: sink > 0 };
}
console.log(JSON.stringify({ seconds: best, files: heads.length, settledByMagic: counts.settled, textPasses: counts.text, histograms: counts.binary }));
