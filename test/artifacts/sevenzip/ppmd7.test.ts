/**
 * 7z's PPMd coder (src/artifacts/sevenzip/ppmd7.ts) against 7-Zip itself: archives made by `7zz a
 * -m0=PPMd` with model orders 2 to 32 (7-Zip's largest) and memories from 64 KiB (the model
 * restarts tens of times and glues its free blocks) to 16 MiB, over text, zeros and random bytes;
 * each member must be what `7zz x -so` extracts. Then damaged streams and hostile properties: a
 * warning and what decoded, never a throw or a hang.
 */
import { beforeAll, afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { decodePpmd7 } from '../../../src/artifacts/sevenzip/ppmd7.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { describeIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { wordSoup, xorshiftBytes } from '../../helpers/random.js';
import { cpuClock } from '../../helpers/cpu.js';

const WIDE: MemberBounds = { maxMembers: 100, maxMemberBytes: 64 << 20, maxTotalBytes: 64 << 20, packages: false };

function loadAll(file: string): Map<string, MemberBytes> {
  const listing = archiveMembers(bufferSource(readFileSync(file)), path.basename(file), WIDE);
  const loaded = new Map<string, MemberBytes>();
  for (const m of listing?.members ?? []) loaded.set(m.path, m.load());
  return loaded;
}

/** Staging-flavoured prose: the model's contexts grow deep and wide. */
const WORDS = ['staged', 'archive', 'PerfLogs', 'quarterly', 'figures', 'Users', 'Public', 'the', 'of', 'and', 'C:\\Windows\\Temp\\', '7z.exe a -p', 'report', 'payroll_2026.xlsx', '{', '}', ';', '\n', '    '];
const prose = (n: number, seed: number): Buffer => wordSoup(n, seed, WORDS);

describeIf(toolAvailable('7zz'), toolMissing('7zz'))('7z PPMd blocks: the bytes 7-Zip extracts', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-ppmd-'));
    writeFileSync(path.join(dir, 'prose.txt'), prose(400_000, 11));
    writeFileSync(path.join(dir, 'random.bin'), xorshiftBytes(120_000, 5));
    writeFileSync(path.join(dir, 'zeros.bin'), Buffer.alloc(300_000));
    writeFileSync(path.join(dir, 'mixed.bin'), Buffer.concat([prose(100_000, 3), xorshiftBytes(50_000, 9), prose(100_000, 4)]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['7-Zip\'s default PPMd (order 6, 16 MiB)', 'PPMd', ['prose.txt']],
    ['order 2', 'PPMd:o=2:mem=1m', ['prose.txt', 'random.bin']],
    ['order 8 in 64 KiB: the model restarts tens of times', 'PPMd:o=8:mem=64k', ['prose.txt', 'mixed.bin']],
    ['order 32 in 1 MiB: free blocks glued, then restarts', 'PPMd:o=32:mem=1m', ['prose.txt', 'random.bin', 'zeros.bin', 'mixed.bin']],
    ['order 16 in 256 KiB, a run of zeros first', 'PPMd:o=16:mem=256k', ['zeros.bin', 'prose.txt']],
  ])('%s', (_title, method, files) => {
    const archive = path.join(dir, `${method.replace(/[^a-z0-9]/gi, '_')}.7z`);
    execFileSync('7zz', ['a', '-bd', '-bso0', `-m0=${method}`, archive, ...files], { cwd: dir });
    const loaded = loadAll(archive);
    expect([...loaded.keys()].sort()).toEqual([...files].sort());
    for (const name of files) {
      const reference = execFileSync('7zz', ['x', '-so', archive, name], { maxBuffer: 1 << 26 });
      const got = loaded.get(name)!;
      expect({ name, ok: got.ok, damaged: got.ok ? got.damaged : got.detail }).toEqual({ name, ok: true, damaged: undefined });
      expect({ name, same: got.ok && got.data.equals(reference) }).toEqual({ name, same: true });
    }
  });

  test('the model\'s memory filling up is reached: 87 restarts and 156 gluings at 64 KiB, 5 and 83 at 1 MiB (the stream read alone, as the 7z block holds it)', () => {
    const props = (order: number, memory: number): Buffer => Buffer.concat([Buffer.from([order]), Buffer.from(Uint32Array.of(memory).buffer)]);
    for (const [order, memory, name, restarts, glues] of [[8, 64 << 10, 'prose.txt', 50, 50], [32, 1 << 20, 'mixed.bin', 1, 50]] as const) {
      const archive = path.join(dir, `alone-${order}.7z`);
      execFileSync('7zz', ['a', '-bd', '-bso0', `-m0=PPMd:o=${order}:mem=${memory}b`, archive, name], { cwd: dir });
      // One file, one block: its packed stream starts right after the 32-byte signature header.
      const data = readFileSync(path.join(dir, name));
      const r = decodePpmd7(readFileSync(archive).subarray(32), props(order, memory), data.length, 1 << 20);
      expect({ error: r.error, same: r.data.equals(data) }).toEqual({ error: null, same: true });
      expect(r.restarts).toBeGreaterThanOrEqual(restarts);
      expect(r.glues).toBeGreaterThanOrEqual(glues);
    }
  });

  test('a damaged stream: the member is given as damaged (its CRC) or not at all, never a throw', () => {
    const archive = path.join(dir, 'flip.7z');
    execFileSync('7zz', ['a', '-bd', '-bso0', '-m0=PPMd:o=6:mem=1m', archive, 'prose.txt'], { cwd: dir });
    const clean = readFileSync(archive);
    const t0 = cpuClock();
    for (let round = 0; round < 12; round++) {
      const copy = Buffer.from(clean);
      // Inside the packed stream (it starts after the 32-byte signature header).
      copy[40 + ((round * 7919) % 20_000)] ^= 1 << (round % 8);
      const listing = archiveMembers(bufferSource(copy), 'flip.7z', WIDE);
      for (const m of listing?.members ?? []) {
        const r = m.load();
        if (r.ok) expect({ round, damaged: typeof r.damaged }).toEqual({ round, damaged: 'string' });
      }
    }
    expect(t0()).toBeLessThan(20_000);
  });
});

describe('PPMd decoder on hostile input', () => {
  const props = (order: number, memory: number): Buffer => {
    const b = Buffer.alloc(5);
    b[0] = order;
    b.writeUInt32LE(memory, 1);
    return b;
  };

  test('properties out of range are refused with the reason', () => {
    const input = Buffer.from([0, 1, 2, 3, 4, 5, 6]);
    expect(decodePpmd7(input, Buffer.from([6]), 10, 1 << 20).error).toBe('PPMd properties are shorter than 5 bytes');
    expect(decodePpmd7(input, props(1, 1 << 20), 10, 1 << 20).error).toBe('PPMd model order 1 is outside 2..64');
    expect(decodePpmd7(input, props(65, 1 << 20), 10, 1 << 20).error).toBe('PPMd model order 65 is outside 2..64');
    expect(decodePpmd7(input, props(6, 1000), 10, 1 << 20).error).toBe('PPMd model memory 1000 is outside 2 KiB..4 GiB');
    expect(decodePpmd7(input, props(6, 0xffffffff), 10, 1 << 28).error).toBe('PPMd model memory 4294967295 is outside 2 KiB..4 GiB');
    expect(decodePpmd7(input, props(6, 1 << 29), 10, 1 << 28).error).toBe('PPMd model memory 536870912 bytes is past the 268435456 allowed');
    expect(decodePpmd7(Buffer.from([1, 0, 0, 0, 0]), props(6, 1 << 16), 10, 1 << 20).error).toBe('PPMd range coder start is damaged');
  });

  test('random streams under every order: bounded output, an error or bytes, no throw, no hang', () => {
    const t0 = cpuClock();
    for (let seed = 1; seed <= 64; seed++) {
      const input = Buffer.concat([Buffer.from([0]), xorshiftBytes(3000, seed)]);
      const r = decodePpmd7(input, props(2 + (seed % 63), 2048 + seed * 997), 100_000, 1 << 20);
      expect(r.data.length).toBeLessThanOrEqual(100_000);
      // 3,000 random bytes cannot stand for 100,000 bytes of PPMd output without running out.
      expect(r.error).not.toBeNull();
    }
    expect(t0()).toBeLessThan(10_000);
  });

  test('a cut stream says where it ended', () => {
    const r = decodePpmd7(Buffer.from([0, 0x12, 0x34, 0x56, 0x78]), props(6, 1 << 16), 1_000_000, 1 << 20);
    expect(r.error).toMatch(/^PPMd (stream ends after \d+ of 1000000 bytes|data damaged after \d+ bytes|end mark after \d+ of 1000000 bytes)/);
    expect(r.data.length).toBeLessThan(1_000_000);
  });
});
