import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { decodeLzma, decodeLzma2 } from '../../../src/artifacts/sevenzip/lzma.js';
import { toolAvailable, testIf, toolMissing } from '../../helpers/corpus.js';

/** Text with repeats (matches, reps) followed by random bytes (literals). */
function sample(): Buffer {
  const words = ['archive', 'staging', 'recycle', 'volume', 'header', 'encrypted'];
  let text = '';
  for (let i = 0; i < 20000; i++) text += `${words[(i * 7) % words.length]}-${i % 97} `;
  return Buffer.concat([Buffer.from(text), randomBytes(20000), Buffer.from(text.slice(0, 5000))]);
}

function xz(args: string[], input: Buffer): Buffer {
  return execFileSync('xz', ['--format=raw', ...args, '-c'], { input, maxBuffer: 64 << 20 });
}

describe('LZMA / LZMA2 decoder against xz', () => {
  const haveXz = toolAvailable('xz');
  const plain = sample();

  testIf(haveXz, toolMissing('xz'))('raw LZMA1 round trip', () => {
    const packed = xz(['--lzma1=preset=6,lc=3,lp=0,pb=2,dict=1MiB'], plain);
    const props = Buffer.from([3 + 0 * 9 + 2 * 45, 0, 0, 0x10, 0]);
    const r = decodeLzma(packed, props, plain.length);
    expect(r.error).toBeNull();
    expect(r.data.equals(plain)).toBe(true);
  });

  testIf(haveXz, toolMissing('xz'))('raw LZMA1 with other lc/lp/pb', () => {
    const packed = xz(['--lzma1=preset=1,lc=0,lp=2,pb=0,dict=64KiB'], plain);
    const r = decodeLzma(packed, Buffer.from([0 + 2 * 9 + 0 * 45, 0, 0, 1, 0]), plain.length);
    expect(r.error).toBeNull();
    expect(r.data.equals(plain)).toBe(true);
  });

  testIf(haveXz, toolMissing('xz'))('raw LZMA2 round trip (several chunks)', () => {
    const big = Buffer.concat([plain, plain, randomBytes(3 << 20)]);
    const r = decodeLzma2(xz(['--lzma2=preset=6,dict=8MiB'], big), 16 << 20);
    expect(r.error).toBeNull();
    expect(r.data.equals(big)).toBe(true);
  });

  testIf(haveXz, toolMissing('xz'))('LZMA2 output above the cap stops with an error', () => {
    const r = decodeLzma2(xz(['--lzma2=preset=1'], plain), 1000);
    expect(r.error).toMatch(/exceeds/);
    expect(r.data.length).toBeLessThanOrEqual(1000);
  });

  testIf(haveXz, toolMissing('xz'))('prefixOnly: the first bytes of a whole decode, cut inside a chunk, also on damaged data', () => {
    const streams = [
      xz(['--lzma2=preset=6'], plain), // compressed chunks of up to 2 MiB unpacked
      xz(['--lzma2=preset=0'], randomBytes(200_000)), // stored chunks
      xz(['--lzma2=preset=6'], Buffer.from('tiny')),
    ];
    for (const packed of [...streams]) {
      for (let at = 0; at < Math.min(packed.length, 300); at += 7) {
        const damaged = Buffer.from(packed);
        damaged[at] = damaged[at]! ^ 0x41;
        streams.push(damaged, packed.subarray(0, at));
      }
    }
    for (const packed of streams) {
      const whole = decodeLzma2(packed, 3 << 20);
      for (const want of [1, 512, 70_000]) {
        const prefix = decodeLzma2(packed, want, true);
        expect(prefix.data.equals(whole.data.subarray(0, want))).toBe(true);
      }
    }
  });

  test('truncated and garbage input end with an error, never a hang', () => {
    const garbage = randomBytes(4096);
    for (let i = 0; i < 50; i++) {
      const g = randomBytes(200 + i * 10);
      g[0] = 0;
      const r = decodeLzma(g, Buffer.from([0x5d, 0, 0, 1, 0]), 100000);
      expect(r.data.length).toBeLessThanOrEqual(100000);
    }
    expect(decodeLzma(garbage, Buffer.from([0xff]), 10).error).toMatch(/properties/);
    expect(decodeLzma2(Buffer.from([0x80, 0, 0, 0, 0]), 100).error).not.toBeNull();
  });

  testIf(haveXz, toolMissing('xz'))('a truncated xz-made stream is an error, not a hang', () => {
    const packed = xz(['--lzma1=preset=6'], plain);
    const cut = decodeLzma(packed.subarray(0, packed.length >> 1), Buffer.from([0x5d, 0, 0, 0x80, 0]), plain.length);
    expect(cut.error).not.toBeNull();
  });
});
