/** Damaged, hostile and not-a-hive input: warnings and partial results, never a throw or a hang. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { walkHive } from '../../../src/artifacts/regf/walk.js';
import type { ArtifactContext } from '../../../src/artifacts/types.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { cpuClock } from '../../helpers/cpu.js';
import { prng } from '../../helpers/random.js';

function ctx(name: string, siblings: string[] = []): ArtifactContext {
  return { relPath: name, name, head: Buffer.alloc(0), size: 0, format: 'regf', siblings: siblings.map((n) => ({ name: n, isDirectory: false, size: 1 })) };
}

async function parse(buf: Buffer, name = 'hive', siblings: string[] = []) {
  return parseRegf(bufferSource(buf, name), ctx(name, siblings));
}

const TREE = {
  name: 'ROOT',
  subkeys: [
    { name: 'A', values: [{ name: 'v', type: 'REG_SZ', data: 'x'.repeat(40) }], subkeys: [{ name: 'A1' }, { name: 'A2' }] },
    { name: 'B', values: [{ name: 'big', type: 'REG_BINARY', data: Buffer.alloc(40000, 1) }] },
  ],
};


function drain(buf: Buffer): { keys: number; warnings: number } {
  let keys = 0;
  let warnings = 0;
  for (const item of walkHive(buf)) {
    if (item.type === 'registry-key') keys++;
    if (item.type === 'warning') warnings++;
  }
  return { keys, warnings };
}

describe('regf hostile input (synthetic)', () => {
  const hive: Buffer = writeHive(TREE);

  test('not a hive: null (not mine)', async () => {
    expect(await parse(Buffer.from('REGEDIT4\r\n\r\n[HKEY_CURRENT_USER]\r\n'))).toBeNull();
    expect(await parse(Buffer.alloc(0))).toBeNull();
  });

  test('a subkey list pointing back at the root is a cycle: warned, walk ends', () => {
    const bad = Buffer.from(hive);
    const root = bad.readUInt32LE(0x24);
    const lf = bad.indexOf('lf', 0x1000, 'latin1'); // the first list is A's (A1, A2)
    bad.writeUInt32LE(root, lf + 4);
    const items = [...walkHive(bad)];
    expect(items.some((i) => i.type === 'warning' && /cycle/.test(i.message))).toBe(true);
    expect(items.filter((i) => i.type === 'registry-key').length).toBe(4); // ROOT A A2 B: the root is not walked twice
  });

  test('a broken value cell: warning, the siblings are still read', async () => {
    const bad = Buffer.from(hive);
    const vk = bad.indexOf('vk', 0x1000, 'latin1');
    bad.write('XX', vk, 'latin1');
    const res = (await parse(bad))!;
    expect(res.corrupted).toBe(true);
    expect(res.warnings.join()).toMatch(/expected vk/);
    expect(res.records.filter((r) => r.type === 'registry-key').length).toBe(5);
  });

  test('an unreadable root: keys recovered by scanning the bins', () => {
    const bad = Buffer.from(hive);
    bad.write('XX', 0x1000 + bad.readUInt32LE(0x24) + 4, 'latin1');
    const items = [...walkHive(bad)];
    expect(items.some((i) => i.type === 'warning' && /root key unreadable/.test(i.message))).toBe(true);
    const keys = items.filter((i) => i.type === 'registry-key').map((i) => (i as { key: string }).key);
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/\\A$/), expect.stringMatching(/\\A\\A1$/), expect.stringMatching(/\\B$/)]));
  });

  test('truncated copies give warnings and what could be read', async () => {
    for (const cut of [0x200, 0x1000, 0x1100, Math.floor(hive.length / 2), hive.length - 100]) {
      const res = (await parse(hive.subarray(0, cut)))!;
      expect(res).not.toBeNull();
      expect(res.warnings.join()).toMatch(/truncated|no hive bins|exceeds|outside|impossible/);
    }
  });

  test('a dirty hive notes its .LOG1/.LOG2 siblings', async () => {
    const res = (await parse(writeHive(TREE, { sequence1: 9, sequence2: 8 }), 'NTUSER.DAT', ['ntuser.dat.LOG1', 'ntuser.dat.LOG2', 'other']))!;
    expect(res.corrupted).toBe(false);
    expect(res.facts).toMatchObject({ dirty: true, transactionLogs: ['ntuser.dat.LOG1', 'ntuser.dat.LOG2'] });
    expect(res.warnings.join()).toMatch(/not replayed: ntuser.dat.LOG1, ntuser.dat.LOG2/);
  });

  test('fuzz (deterministic subset): byte flips and truncations never throw or hang', () => {
    const rnd = prng(74001);
    const started = cpuClock();
    for (let round = 0; round < 300; round++) {
      const m = Buffer.from(hive);
      const flips = 1 + Math.floor(rnd() * 16);
      for (let i = 0; i < flips; i++) m[0x1000 + Math.floor(rnd() * (m.length - 0x1000))] = Math.floor(rnd() * 256);
      const input = rnd() < 0.2 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
      expect(() => drain(input)).not.toThrow();
    }
    expect(started()).toBeLessThan(20000);
  });
});

const HAVE = corpusAvailable();

describeIf(HAVE, CORPUS_MISSING)('regf hostile input (corpus)', () => {
  const read = (rel: string): Buffer => readFileSync(corpusPath('regf', rel));

  test('the corrupted SYSTEM hive: warnings and a partial tree', async () => {
    const res = (await parse(read('regipy/corrupted_system_hive'), 'SYSTEM'))!;
    expect(res.corrupted).toBe(true);
    expect(res.warnings.length).toBeGreaterThan(10);
    const keys = res.records.filter((r) => r.type === 'registry-key').map((r) => r.key as string);
    expect(keys.length).toBeGreaterThan(1000);
    expect(keys).toContain('ControlSet001\\Control');
  });

  test.each(['plaso/ntuser.dat.LOG', 'regipy/transactions_ntuser.dat.log1', 'regipy/transactions_ntuser.dat.log2'])(
    '%s is a transaction log, not a hive',
    async (rel) => {
      const res = (await parse(read(rel)))!;
      expect(res.facts).toMatchObject({ isLog: true, keyCount: 0 });
      expect(res.warnings.join()).toMatch(/transaction log/);
    },
  );

  test.each(['file-type/fixture-win95.reg', 'file-type/fixture-win2000.reg'])('%s (a .reg text export) is not mine', async (rel) => {
    expect(await parse(read(rel))).toBeNull();
  });

  test('fuzz (deterministic subset) on corpus hives', () => {
    const rnd = prng(1074);
    for (const rel of ['hivex/special', 'regipy/SAM', 'regipy/BCD', 'python-registry/UNICODE_TESTS']) {
      const base = read(rel);
      for (let round = 0; round < 60; round++) {
        const m = Buffer.from(base);
        for (let i = 0; i < 1 + Math.floor(rnd() * 32); i++) m[0x1000 + Math.floor(rnd() * (m.length - 0x1000))] = Math.floor(rnd() * 256);
        const started = cpuClock();
        expect(() => drain(m)).not.toThrow();
        expect(started()).toBeLessThan(5000);
      }
    }
  });
});
