/**
 * ZIP's PPMd (method 98, PPMd var.I; src/artifacts/zip/ppmd8.ts) against 7-Zip: archives made by
 * `7zz a -tzip -mm=PPMd` with orders 2 to 16 and memories of 1 MiB (the model restarting and gluing
 * its free blocks 25 times on 1.5 MB) and 7-Zip's default; each member must be what `7zz x -so`
 * extracts. Then the restore method this decoder refuses, damage and random streams.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { decodePpmd8, ppmd8Properties } from '../../../src/artifacts/zip/ppmd8.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { describeIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { wordSoup, xorshiftBytes } from '../../helpers/random.js';
import { cpuClock } from '../../helpers/cpu.js';

const WIDE: MemberBounds = { maxMembers: 100, maxMemberBytes: 64 << 20, maxTotalBytes: 64 << 20, packages: false };

function loadAll(bytes: Buffer, name: string): Map<string, MemberBytes> {
  const loaded = new Map<string, MemberBytes>();
  for (const m of archiveMembers(bufferSource(bytes), name, WIDE)?.members ?? []) loaded.set(m.path, m.load());
  return loaded;
}

/** The first local header's data: the PPMd properties and stream of the archive's first member. */
function firstMemberData(zip: Buffer): { data: Buffer; size: number } {
  const nameLen = zip.readUInt16LE(26);
  const extraLen = zip.readUInt16LE(28);
  return { data: zip.subarray(30 + nameLen + extraLen, 30 + nameLen + extraLen + zip.readUInt32LE(18)), size: zip.readUInt32LE(22) };
}

/** Staging-flavoured prose: the model's contexts grow deep and wide. */
const WORDS = ['staged', 'archive', 'PerfLogs', 'quarterly', 'figures', 'Users', 'Public', 'the', 'of', 'and', 'C:\\Windows\\Temp\\', 'zip -r -P', 'report', 'payroll_2026.xlsx', '{', '}', ';', '\n', '    '];
const prose = (n: number, seed: number): Buffer => wordSoup(n, seed, WORDS);

describeIf(toolAvailable('7zz'), toolMissing('7zz'))('ZIP PPMd members: the bytes 7-Zip extracts', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-ppmd8-'));
    writeFileSync(path.join(dir, 'prose.txt'), prose(1_500_000, 21));
    writeFileSync(path.join(dir, 'mixed.bin'), Buffer.concat([prose(200_000, 3), xorshiftBytes(30_000, 9), Buffer.alloc(100_000, 0x41), prose(200_000, 4)]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['7-Zip\'s default (order 8, 8 MiB)', 'PPMd'],
    ['order 2 in 1 MiB', 'PPMd:o=2:mem=1m'],
    ['order 4 in 1 MiB', 'PPMd:o=4:mem=1m'],
    ['order 16 (the largest) in 1 MiB', 'PPMd:o=16:mem=1m'],
  ])('%s', (_title, method) => {
    const archive = path.join(dir, `${method.replace(/[^a-z0-9]/gi, '_')}.zip`);
    execFileSync('7zz', ['a', '-bd', '-bso0', '-tzip', `-mm=${method}`, archive, 'prose.txt', 'mixed.bin'], { cwd: dir });
    const loaded = loadAll(readFileSync(archive), 'a.zip');
    expect([...loaded.keys()].sort()).toEqual(['mixed.bin', 'prose.txt']);
    for (const name of ['prose.txt', 'mixed.bin']) {
      const got = loaded.get(name)!;
      const reference = execFileSync('7zz', ['x', '-so', archive, name], { maxBuffer: 1 << 26 });
      expect({ name, ok: got.ok, damaged: got.ok ? got.damaged : got.detail }).toEqual({ name, ok: true, damaged: undefined });
      expect({ name, same: got.ok && got.data.equals(reference) }).toEqual({ name, same: true });
    }
  });

  test('the model\'s memory filling up is reached: order 16 in 1 MiB restarts and glues its free blocks 25 times on 1.5 MB (the stream read alone)', () => {
    const archive = path.join(dir, 'alone.zip');
    execFileSync('7zz', ['a', '-bd', '-bso0', '-tzip', '-mm=PPMd:o=16:mem=1m', archive, 'prose.txt'], { cwd: dir });
    const zip = readFileSync(archive);
    const { data, size } = firstMemberData(zip);
    expect(ppmd8Properties(data)).toEqual({ order: 16, memory: 1 << 20, restore: 0 });
    const r = decodePpmd8(data, size, 1 << 20);
    expect({ error: r.error, same: r.data.equals(readFileSync(path.join(dir, 'prose.txt'))) }).toEqual({ error: null, same: true });
    expect(r.restarts).toBeGreaterThan(20);
    expect(r.glues).toBeGreaterThan(20);
  });

  test('the cut-off restore method (not what 7-Zip writes) is refused with its reason; damage gives a damaged member or none, never a throw', () => {
    const archive = path.join(dir, 'restore.zip');
    execFileSync('7zz', ['a', '-bd', '-bso0', '-tzip', '-mm=PPMd:o=6:mem=1m', archive, 'prose.txt'], { cwd: dir });
    const zip = readFileSync(archive);
    const at = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
    const cutOff = Buffer.from(zip);
    cutOff.writeUInt16LE(cutOff.readUInt16LE(at) | 0x1000, at);
    expect(loadAll(cutOff, 'restore.zip').get('prose.txt')).toEqual({ ok: false, why: 'method', detail: 'PPMd with the cut-off restore method is not decoded here (7-Zip writes restart)' });
    const t0 = cpuClock();
    for (let round = 0; round < 10; round++) {
      const copy = Buffer.from(zip);
      copy[at + 10 + ((round * 7919) % 20_000)] ^= 1 << (round % 8);
      const got = loadAll(copy, 'flip.zip').get('prose.txt');
      if (got?.ok) expect({ round, damaged: typeof got.damaged }).toEqual({ round, damaged: 'string' });
    }
    expect(t0()).toBeLessThan(20_000);
  });
});

describe('ZIP PPMd decoder on hostile input', () => {
  const props = (order: number, mb: number, restore: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE((order - 1) | ((mb - 1) << 4) | (restore << 12));
    return b;
  };

  test('properties it does not take are refused with the reason', () => {
    expect(decodePpmd8(Buffer.from([1]), 10, 1 << 28).refused).toBe('PPMd properties cut short');
    expect(decodePpmd8(props(1, 1, 0), 10, 1 << 28).refused).toBe('PPMd model order 1 is below 2');
    expect(decodePpmd8(props(6, 1, 2), 10, 1 << 28).refused).toBe('PPMd restore method 2 does not exist');
    expect(decodePpmd8(props(6, 256, 0), 10, 1 << 20).refused).toBe('PPMd model memory 268435456 bytes is past the 1048576 allowed');
  });

  test('random streams under every order: bounded output, an error or bytes, no throw, no hang', () => {
    const t0 = cpuClock();
    for (let seed = 1; seed <= 48; seed++) {
      const r = decodePpmd8(Buffer.concat([props(2 + (seed % 15), 1, 0), xorshiftBytes(3000, seed)]), 100_000, 1 << 20);
      expect(r.refused).toBeUndefined();
      expect(r.data.length).toBeLessThanOrEqual(100_000);
      expect(r.error).not.toBeNull();
    }
    expect(t0()).toBeLessThan(15_000);
  });
});
