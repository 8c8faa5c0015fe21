/** The ArtifactParser wrapper: matching by magic, record schema, header first, JSON-clean records. */
import { describe, expect, test } from '@jest/globals';
import { parsers, regfParser } from '../../../src/artifacts/regf/index.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { decodeValue, regTypeName, regTypeNumber } from '../../../src/artifacts/regf/decode.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const hive: Buffer = writeHive({
  name: 'ROOT',
  lastWritten: new Date('2023-05-06T07:08:09Z'),
  subkeys: [{ name: 'K', values: [{ name: '', type: 'REG_SZ', data: 'dflt' }, { name: 'n', type: 'REG_DWORD', data: 7 }] }],
}, { embeddedName: 'emb', lastWritten: new Date('2023-05-06T07:08:10Z') });

const ctx = (name: string, head: Buffer) => ({ relPath: `x/${name}`, name, head, size: head.length, format: null });

describe('regf parser wrapper', () => {
  test('exported once, id regf, matched on the magic whatever the name', () => {
    expect(parsers.map((p) => p.id)).toEqual(['regf']);
    expect(regfParser.matches(ctx('holiday.jpg', hive.subarray(0, 4100)))).toBe(true);
    expect(regfParser.matches(ctx('NTUSER.DAT', Buffer.from('REGEDIT4')))).toBe(false);
  });

  test('records: hive header first, then keys and values in the documented schema only', async () => {
    const res = (await regfParser.parse(bufferSource(hive), ctx('h', hive)))!;
    expect(res.parser).toBe('regf');
    expect(res.corrupted).toBe(false);
    const lines = res.records.map((r) => JSON.parse(JSON.stringify(r)));
    expect(lines[0]).toEqual({
      type: 'registry-hive', version: '1.5', dirty: false, sequence1: 1, sequence2: 1, rootKeyName: 'ROOT',
      embeddedName: 'emb', lastWritten: '2023-05-06T07:08:10.0000000Z', checksumValid: true, fileType: 0,
    });
    expect(lines.slice(1)).toEqual([
      { type: 'registry-key', key: '', lastWritten: '2023-05-06T07:08:09.0000000Z' },
      { type: 'registry-key', key: 'K', lastWritten: '2020-01-01T00:00:00.0000000Z' },
      { type: 'registry-value', key: 'K', name: '', dataType: 'REG_SZ', size: 10, data: 'dflt' },
      { type: 'registry-value', key: 'K', name: 'n', dataType: 'REG_DWORD', size: 4, data: 7 },
    ]);
    expect(res.facts).toMatchObject({ keyCount: 2, valueCount: 2, dirty: false, isLog: false });
  });

  test('decoders: unsigned, big-endian, QWORD beyond 2^53 as string, short data as hex, EXPAND_SZ not expanded', () => {
    expect(decodeValue(4, Buffer.from('ffffffff', 'hex'))).toBe(4294967295);
    expect(decodeValue(5, Buffer.from('00000102', 'hex'))).toBe(258);
    expect(decodeValue(11, Buffer.from('ffffffffffffffff', 'hex'))).toBe('18446744073709551615');
    expect(decodeValue(11, Buffer.from('0100000000000000', 'hex'))).toBe(1);
    expect(decodeValue(4, Buffer.from('01', 'hex'))).toBe('01');
    expect(decodeValue(2, Buffer.from('%TEMP%\u0000junk', 'utf16le'))).toBe('%TEMP%');
    expect(decodeValue(7, Buffer.from('a\u0000\u0000b\u0000\u0000', 'utf16le'))).toEqual(['a', '', 'b']);
    expect(decodeValue(7, Buffer.alloc(0))).toEqual([]);
    expect(decodeValue(1, Buffer.from([0x41, 0x00, 0x42]))).toBe('A'); // odd trailing byte dropped
    expect(regTypeName(0x20)).toBe('REG_UNKNOWN_0x00000020');
    expect(regTypeNumber('REG_UNKNOWN_0x00000020')).toBe(0x20);
    expect(regTypeNumber('REG_QWORD')).toBe(11);
  });
});
