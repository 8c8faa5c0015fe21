/**
 * A small bounded LZMA / LZMA2 decoder, only for 7z headers (kEncodedHeader).
 * Follows Igor Pavlov's LzmaSpec.cpp (public domain) and the LZMA2 chunk format of xz-embedded.
 * Output goes into one flat buffer whose size the caller caps, so hostile input can neither
 * grow memory nor loop: every main-loop turn emits at least one byte or stops.
 */

const PROB_INIT = 1024; // kBitModelTotal / 2
const NUM_STATES = 12;
const POS_BITS_MAX = 4;
const NUM_LEN_TO_POS_STATES = 4;
const END_POS_MODEL_INDEX = 14;
const NUM_FULL_DISTANCES = 128;
const MATCH_MIN_LEN = 2;

export interface LzmaResult {
  data: Buffer;
  /** Why decoding stopped early or the data is suspect; null when clean. */
  error: string | null;
  /** Input bytes the decoder read: what actually describes the output (trailing junk does not). */
  consumed: number;
}

class RangeDecoder {
  private range = 0xffffffff;
  private code = 0;
  overrun = false;
  corrupted = false;

  constructor(
    private readonly input: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {
    if (this.nextByte() !== 0) this.corrupted = true;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.nextByte()) >>> 0;
    if (this.code === this.range) this.corrupted = true;
  }

  private nextByte(): number {
    if (this.pos >= this.end) {
      this.overrun = true;
      return 0;
    }
    return this.input[this.pos++]!;
  }

  finishedOk(): boolean {
    return this.code === 0;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.nextByte()) >>> 0;
    }
  }

  directBits(numBits: number): number {
    let res = 0;
    for (let i = 0; i < numBits; i++) {
      this.range >>>= 1;
      let bit = 1;
      if (this.code >= this.range) this.code -= this.range;
      else bit = 0;
      if (this.code === this.range) this.corrupted = true;
      this.normalize();
      res = res * 2 + bit;
    }
    return res;
  }

  bit(probs: Uint16Array, index: number): number {
    const v = probs[index]!;
    const bound = (this.range >>> 11) * v;
    if (this.code < bound) {
      probs[index] = v + ((2048 - v) >>> 5);
      this.range = bound;
      this.normalize();
      return 0;
    }
    probs[index] = v - (v >>> 5);
    this.code -= bound;
    this.range -= bound;
    this.normalize();
    return 1;
  }

  bitTree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    for (let i = 0; i < numBits; i++) m = (m << 1) + this.bit(probs, base + m);
    return m - (1 << numBits);
  }

  reverseBitTree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < numBits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) + b;
      symbol |= b << i;
    }
    return symbol;
  }
}

/** Length coder probabilities: choice, choice2, low[16][8], mid[16][8], high[256]. */
const LEN_CHOICE = 0;
const LEN_CHOICE2 = 1;
const LEN_LOW = 2;
const LEN_MID = LEN_LOW + (16 << 3);
const LEN_HIGH = LEN_MID + (16 << 3);
const LEN_PROBS = LEN_HIGH + 256;

function decodeLen(rc: RangeDecoder, probs: Uint16Array, posState: number): number {
  if (rc.bit(probs, LEN_CHOICE) === 0) return rc.bitTree(probs, LEN_LOW + (posState << 3), 3);
  if (rc.bit(probs, LEN_CHOICE2) === 0) return 8 + rc.bitTree(probs, LEN_MID + (posState << 3), 3);
  return 16 + rc.bitTree(probs, LEN_HIGH, 8);
}

interface Props {
  lc: number;
  lp: number;
  pb: number;
}

/** Decodes the lc/lp/pb properties byte; null when out of range. */
export function decodePropsByte(d: number): Props | null {
  if (d >= 9 * 5 * 5) return null;
  return { lc: d % 9, lp: Math.floor(d / 9) % 5, pb: Math.floor(d / 45) };
}

/** LZMA decoder state that survives across LZMA2 chunks. */
class LzmaState {
  out: Buffer;
  outPos = 0;
  /** Matches may not reach before this position (LZMA2 dictionary reset). */
  dictStart = 0;
  props: Props = { lc: 3, lp: 0, pb: 2 };
  private literal = new Uint16Array(0);
  private isMatch = new Uint16Array(NUM_STATES << POS_BITS_MAX);
  private isRep = new Uint16Array(NUM_STATES);
  private isRepG0 = new Uint16Array(NUM_STATES);
  private isRepG1 = new Uint16Array(NUM_STATES);
  private isRepG2 = new Uint16Array(NUM_STATES);
  private isRep0Long = new Uint16Array(NUM_STATES << POS_BITS_MAX);
  private posSlot = new Uint16Array(NUM_LEN_TO_POS_STATES << 6);
  private posDecoders = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  private align = new Uint16Array(1 << 4);
  private lenProbs = new Uint16Array(LEN_PROBS);
  private repLenProbs = new Uint16Array(LEN_PROBS);
  private state = 0;
  private reps = [0, 0, 0, 0];

  constructor(outSize: number) {
    this.out = Buffer.alloc(outSize);
  }

  resetState(props: Props): void {
    this.props = props;
    this.literal = new Uint16Array(0x300 << (props.lc + props.lp)).fill(PROB_INIT);
    for (const p of [this.isMatch, this.isRep, this.isRepG0, this.isRepG1, this.isRepG2, this.isRep0Long]) p.fill(PROB_INIT);
    for (const p of [this.posSlot, this.posDecoders, this.align, this.lenProbs, this.repLenProbs]) p.fill(PROB_INIT);
    this.state = 0;
    this.reps = [0, 0, 0, 0];
  }

  private putByte(b: number): void {
    this.out[this.outPos++] = b;
  }

  private decodeLiteral(rc: RangeDecoder): void {
    const { lc, lp } = this.props;
    const prev = this.outPos > this.dictStart ? this.out[this.outPos - 1]! : 0;
    const litState = (((this.outPos - this.dictStart) & ((1 << lp) - 1)) << lc) + (prev >>> (8 - lc));
    const base = 0x300 * litState;
    let symbol = 1;
    if (this.state >= 7) {
      let matchByte = this.out[this.outPos - this.reps[0]! - 1]!;
      do {
        const matchBit = (matchByte >>> 7) & 1;
        matchByte <<= 1;
        const b = rc.bit(this.literal, base + ((1 + matchBit) << 8) + symbol);
        symbol = (symbol << 1) | b;
        if (matchBit !== b) break;
      } while (symbol < 0x100);
    }
    while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(this.literal, base + symbol);
    this.putByte(symbol - 0x100);
  }

  private decodeDistance(rc: RangeDecoder, len: number): number {
    const lenState = Math.min(len, NUM_LEN_TO_POS_STATES - 1);
    const slot = rc.bitTree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const numDirectBits = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** numDirectBits;
    if (slot < END_POS_MODEL_INDEX) return dist + rc.reverseBitTree(this.posDecoders, dist - slot, numDirectBits);
    dist += rc.directBits(numDirectBits - 4) * 16;
    return dist + rc.reverseBitTree(this.align, 0, 4);
  }

  /**
   * Decodes until `unpackSize` more bytes are out (or an end marker when allowed).
   * Returns an error text or null.
   */
  decode(rc: RangeDecoder, unpackSize: number, allowEndMarker: boolean, cut = false): string | null {
    const target = this.outPos + unpackSize;
    if (target > this.out.length) return 'unpack size exceeds the output buffer';
    const pbMask = (1 << this.props.pb) - 1;
    while (this.outPos < target) {
      if (rc.overrun) return 'compressed data ends early';
      // Position bits count from the last dictionary reset (LzmaDec processedPos).
      const posState = (this.outPos - this.dictStart) & pbMask;
      const s = this.state;
      if (rc.bit(this.isMatch, (s << POS_BITS_MAX) + posState) === 0) {
        if (s >= 7 && this.reps[0]! >= this.outPos - this.dictStart) return 'literal refers before the dictionary start';
        this.decodeLiteral(rc);
        this.state = s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
        continue;
      }
      let len: number;
      if (rc.bit(this.isRep, s) !== 0) {
        if (this.outPos === this.dictStart) return 'repeated match in an empty dictionary';
        if (rc.bit(this.isRepG0, s) === 0) {
          if (rc.bit(this.isRep0Long, (s << POS_BITS_MAX) + posState) === 0) {
            this.state = s < 7 ? 9 : 11;
            this.putByte(this.out[this.outPos - this.reps[0]! - 1]!);
            continue;
          }
        } else {
          let dist: number;
          if (rc.bit(this.isRepG1, s) === 0) dist = this.reps[1]!;
          else {
            if (rc.bit(this.isRepG2, s) === 0) dist = this.reps[2]!;
            else {
              dist = this.reps[3]!;
              this.reps[3] = this.reps[2]!;
            }
            this.reps[2] = this.reps[1]!;
          }
          this.reps[1] = this.reps[0]!;
          this.reps[0] = dist;
        }
        len = decodeLen(rc, this.repLenProbs, posState);
        this.state = s < 7 ? 8 : 11;
      } else {
        this.reps = [0, this.reps[0]!, this.reps[1]!, this.reps[2]!];
        len = decodeLen(rc, this.lenProbs, posState);
        this.state = s < 7 ? 7 : 10;
        const dist = this.decodeDistance(rc, len);
        if (dist === 0xffffffff) {
          if (allowEndMarker && rc.finishedOk()) return this.outPos === target ? null : 'end marker before the declared size';
          return 'unexpected end marker';
        }
        this.reps[0] = dist;
      }
      const error = this.copyMatch(this.reps[0]!, len + MATCH_MIN_LEN, target);
      // A cut target (a prefix wanted) may fall inside a match: what is out is still right.
      if (error && !(cut && this.outPos === target)) return error;
    }
    return rc.corrupted ? 'range coder reports corrupted data' : null;
  }

  private copyMatch(dist: number, len: number, target: number): string | null {
    if (dist >= this.outPos - this.dictStart) return 'match distance points before the data';
    const n = Math.min(len, target - this.outPos);
    let from = this.outPos - dist - 1;
    for (let i = 0; i < n; i++) this.out[this.outPos++] = this.out[from++]!;
    return n < len ? 'match runs past the declared size' : null;
  }
}

/**
 * Raw LZMA as a 7z coder: `props` is the 5-byte coder property (lc/lp/pb byte + dictionary
 * size, which a flat buffer does not need). `unpackSize` must already be capped by the caller.
 */
export function decodeLzma(input: Uint8Array, props: Uint8Array, unpackSize: number): LzmaResult {
  const p = props.length >= 1 ? decodePropsByte(props[0]!) : null;
  if (!p) return { data: Buffer.alloc(0), error: 'bad LZMA properties', consumed: 0 };
  const st = new LzmaState(unpackSize);
  st.resetState(p);
  const rc = new RangeDecoder(input, 0, input.length);
  const error = st.decode(rc, unpackSize, true);
  return { data: st.out.subarray(0, st.outPos), error, consumed: Math.min(rc.pos, input.length) };
}

/**
 * LZMA2 (7z coder 0x21): a sequence of chunks; `maxOutput` caps the total output. With
 * `prefixOnly`, decoding stops once `maxOutput` bytes are out, inside a chunk if need be: the same
 * first bytes as a whole decode, without decoding (and holding) a chunk of up to 2 MiB to see them.
 */
export function decodeLzma2(input: Uint8Array, maxOutput: number, prefixOnly = false): LzmaResult {
  const st = new LzmaState(maxOutput);
  let pos = 0;
  let needProps = true;
  let needDictReset = true;
  const done = (error: string | null): LzmaResult => ({ data: st.out.subarray(0, st.outPos), error, consumed: Math.min(pos, input.length) });
  // Each chunk consumes at least one input byte, so this loop ends with the input.
  while (pos < input.length) {
    const control = input[pos++]!;
    if (control === 0x00) return done(null);
    if (control === 0x01 || control === 0x02) {
      const error = copyStoredChunk(st, input, pos, control === 0x01, needDictReset, prefixOnly);
      if (typeof error === 'string') return done(error);
      pos = error;
      needDictReset = false;
      if (prefixOnly && st.outPos >= maxOutput) return done(null);
      continue;
    }
    if (control < 0x80) return done(`bad LZMA2 control byte 0x${control.toString(16)}`);
    if (pos + 4 > input.length) break;
    const unpackSize = (control & 0x1f) * 65536 + input[pos]! * 256 + input[pos + 1]! + 1;
    const packSize = input[pos + 2]! * 256 + input[pos + 3]! + 1;
    pos += 4;
    const mode = (control >>> 5) & 3;
    if (mode === 3) st.dictStart = st.outPos;
    else if (needDictReset) return done('LZMA2 stream starts without a dictionary reset');
    needDictReset = false;
    if (mode >= 2) {
      const p = pos < input.length ? decodePropsByte(input[pos++]!) : null;
      if (!p || p.lc + p.lp > 4) return done('bad LZMA2 properties');
      st.props = p;
      needProps = false;
    } else if (needProps) return done('LZMA2 chunk without properties');
    if (mode >= 1) st.resetState(st.props);
    const room = maxOutput - st.outPos;
    const cut = prefixOnly && unpackSize > room;
    if (unpackSize > room && !cut) return done('LZMA2 output exceeds the limit');
    const end = Math.min(input.length, pos + packSize);
    const error = st.decode(new RangeDecoder(input, pos, end), cut ? room : unpackSize, false, cut);
    if (error) return done(error);
    if (cut) return done(null);
    pos += packSize;
  }
  return done('LZMA2 stream ends without an end marker');
}

/** Stored (uncompressed) LZMA2 chunk; returns the next input position or an error text. */
function copyStoredChunk(st: LzmaState, input: Uint8Array, pos: number, dictReset: boolean, needDictReset: boolean, prefixOnly: boolean): number | string {
  if (needDictReset && !dictReset) return 'LZMA2 stream starts without a dictionary reset';
  if (pos + 2 > input.length) return 'LZMA2 chunk header truncated';
  const size = input[pos]! * 256 + input[pos + 1]! + 1;
  pos += 2;
  if (pos + size > input.length) return 'LZMA2 stored chunk truncated';
  const copied = prefixOnly ? Math.min(size, st.out.length - st.outPos) : size;
  if (st.outPos + copied > st.out.length) return 'LZMA2 output exceeds the limit';
  if (dictReset) st.dictStart = st.outPos;
  st.out.set(input.subarray(pos, pos + copied), st.outPos);
  st.outPos += copied;
  return pos + size;
}
