/** The fixture writer: our parser reads back what it wrote, and reglookup / hivexml accept it. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolAvailable, testIf, toolMissing } from '../../helpers/corpus.js';
import { walkHive, rawBytesOf, type ValueRecord, type KeyRecord, type HiveRecord } from '../../../src/artifacts/regf/walk.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const BLOB = Buffer.alloc(100 * 1024);
for (let i = 0; i < BLOB.length; i++) BLOB[i] = (i * 7919 + 13) & 0xff;
BLOB.write('PK\u0003\u0004', 0, 'latin1');

const TREE = {
  name: 'ROOT',
  lastWritten: new Date('2024-01-02T03:04:05.678Z'),
  subkeys: [
    {
      name: 'Software',
      lastWritten: 133500000001234567n,
      className: 'cls',
      values: [
        { name: '', type: 'REG_SZ', data: 'default value' },
        { name: 'dword', type: 'REG_DWORD', data: 0xfffffffe },
        { name: 'be', type: 'REG_DWORD_BIG_ENDIAN', data: 0x01020304 },
        { name: 'qword', type: 'REG_QWORD', data: 2n ** 60n },
        { name: 'multi', type: 'REG_MULTI_SZ', data: ['a', '', 'c'] },
        { name: 'expand', type: 'REG_EXPAND_SZ', data: '%TEMP%\\x' },
        { name: 'small', type: 'REG_BINARY', data: Buffer.from([1, 2, 3]) },
        { name: 'empty', type: 'REG_BINARY', data: Buffer.alloc(0) },
        { name: 'blob', type: 'REG_BINARY', data: BLOB },
        { name: 'odd', type: 0x1234, data: Buffer.from('abcdef', 'hex') },
        { name: 'äöü', type: 'REG_SZ', data: 'latin1 name' },
      ],
      subkeys: [{ name: 'Zeta' }, { name: 'alpha' }, { name: 'weird™', values: [{ name: 'symbols €', type: 4, data: 1 }] }],
    },
  ],
};

function readBack(buf: Buffer): { header: HiveRecord; keys: KeyRecord[]; values: ValueRecord[]; warnings: string[] } {
  const keys: KeyRecord[] = [];
  const values: ValueRecord[] = [];
  const warnings: string[] = [];
  let header: HiveRecord | undefined;
  for (const item of walkHive(buf)) {
    if (item.type === 'registry-hive') header = item;
    else if (item.type === 'registry-key') keys.push(item);
    else if (item.type === 'registry-value') values.push(item);
    else warnings.push(item.message);
  }
  return { header: header!, keys, values, warnings };
}

describe('regf-writer', () => {
  const hive: Buffer = writeHive(TREE, { embeddedName: 'fixture' });

  test('is deterministic', () => {
    expect(writeHive(TREE, { embeddedName: 'fixture' }).equals(hive)).toBe(true);
  });

  test('reads back key paths (sorted as Windows sorts), times, class names and values', () => {
    const { header, keys, values, warnings } = readBack(hive);
    expect(warnings).toEqual([]);
    expect(header).toMatchObject({ version: '1.5', dirty: false, checksumValid: true, rootKeyName: 'ROOT', embeddedName: 'fixture', fileType: 0 });
    expect(keys.map((k) => k.key)).toEqual(['', 'Software', 'Software\\alpha', 'Software\\weird™', 'Software\\Zeta']);
    expect(keys[0]!.lastWritten).toBe('2024-01-02T03:04:05.6780000Z');
    expect(keys[1]).toMatchObject({ lastWritten: '2024-01-17T21:20:00.1234567Z', className: 'cls' });
    const byName = new Map(values.map((v) => [v.name, v]));
    expect(byName.get('')).toMatchObject({ dataType: 'REG_SZ', data: 'default value', size: 28 });
    expect(byName.get('dword')!.data).toBe(0xfffffffe);
    expect(byName.get('be')!.data).toBe(0x01020304);
    expect(byName.get('qword')!.data).toBe('1152921504606846976');
    expect(byName.get('multi')!.data).toEqual(['a', '', 'c']);
    expect(byName.get('expand')).toMatchObject({ dataType: 'REG_EXPAND_SZ', data: '%TEMP%\\x' });
    expect(byName.get('small')).toMatchObject({ data: '010203', size: 3 });
    expect(byName.get('empty')).toMatchObject({ data: '', size: 0 });
    expect(byName.get('odd')).toMatchObject({ dataType: 'REG_UNKNOWN_0x00001234', data: 'abcdef' });
    expect(byName.get('äöü')!.data).toBe('latin1 name');
    expect(byName.get('symbols €')).toMatchObject({ key: 'Software\\weird™', data: 1 });
    const blob = byName.get('blob')!;
    expect(blob.size).toBe(BLOB.length);
    expect(rawBytesOf(blob)!.equals(BLOB)).toBe(true); // reassembled from db segments
    expect(blob.data).toBe(BLOB.toString('hex'));
  });

  test('a 1.3 hive stores big data in one cell', () => {
    const old: Buffer = writeHive(TREE, { minor: 3 });
    const { values, header, warnings } = readBack(old);
    expect(header.version).toBe('1.3');
    expect(warnings).toEqual([]);
    expect(rawBytesOf(values.find((v) => v.name === 'blob')!)!.equals(BLOB)).toBe(true);
  });

  test('dirty flag from unequal sequence numbers', () => {
    const { header, warnings } = readBack(writeHive(TREE, { sequence1: 5, sequence2: 4 }));
    expect(header).toMatchObject({ dirty: true, sequence1: 5, sequence2: 4 });
    expect(warnings.join()).toMatch(/dirty/);
  });

  const withTool = (tool: string) => testIf(toolAvailable(tool), toolMissing(tool));
  const tmp = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'regf-writer-'));
    writeFileSync(path.join(dir, 'hive'), hive);
    return dir;
  };

  withTool('reglookup')('reglookup lists the same keys and values', () => {
    const dir = tmp();
    try {
      const csv = execFileSync('reglookup', [path.join(dir, 'hive')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString('latin1');
      const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
      const { keys, values } = readBack(hive);
      expect(rows.filter((r) => r[1] === 'KEY').length).toBe(keys.length);
      expect(rows.filter((r) => r[1] !== 'KEY').length).toBe(values.length);
      expect(rows.find((r) => r[0] === '/Software/dword')![2]).toBe('0xFFFFFFFE');
      expect(rows.find((r) => r[0] === '/Software/multi')![2]).toBe('a|c'); // reglookup drops empty strings
      expect(rows.find((r) => r[0] === '/Software/blob')![2]!.startsWith('PK%03%04')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  withTool('hivexml')('hivexml lists the same keys and values', () => {
    const dir = tmp();
    try {
      // hivexml cannot write to a pipe: let the shell redirect into a file.
      execFileSync('sh', ['-c', 'hivexml "$1" > "$2"', 'sh', path.join(dir, 'hive'), path.join(dir, 'out.xml')]);
      const xml = readFileSync(path.join(dir, 'out.xml'), 'utf8');
      const { keys, values } = readBack(hive);
      expect(xml.match(/<node /g)!.length).toBe(keys.length);
      expect(xml.match(/<value /g)!.length).toBe(values.length);
      expect(xml).toContain('<node name="weird™">');
      const b64 = /key="blob" value="([^"]+)"/.exec(xml)![1]!.replace(/\s/g, '');
      expect(Buffer.from(b64, 'base64').equals(BLOB)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
