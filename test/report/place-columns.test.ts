/**
 * The CSV and Timesketch writers take their locator columns from LOCATOR_COLUMNS (src/model/kinds.ts),
 * in its order, with deletedAt after originalPath and the image entry id after the locators; a finding
 * carrying each locator shows it in that column.
 */
import { describe, expect, test } from '@jest/globals';
import { LOCATOR_COLUMNS, LOCATOR_FIELDS } from '../../src/model/kinds.js';
import { CSV_COLUMNS, toCsv } from '../../src/report/csv.js';
import { TIMESKETCH_FIELDS, toTimesketchJsonl } from '../../src/report/timesketch.js';
import type { Finding } from '../../src/model/finding.js';
import type { ScanReport } from '../../src/model/report.js';

const columns = Object.values(LOCATOR_COLUMNS);

function block(all: readonly string[], names: string[]): string[] {
  const from = all.indexOf(names[0]!);
  return all.slice(from, from + names.length);
}

describe('locator columns from the kinds table', () => {
  test('every locator has a column in both writers', () => {
    expect(Object.keys(LOCATOR_COLUMNS).sort()).toEqual([...LOCATOR_FIELDS].sort());
  });

  test('CSV: the locators in table order, deletedAt after originalPath, fileId last, between path and user', () => {
    const expected = columns.flatMap((c) => (c.csv === 'originalPath' ? [c.csv, 'deletedAt'] : [c.csv])).concat('fileId');
    expect(block(CSV_COLUMNS, expected)).toEqual(expected);
    expect(CSV_COLUMNS[CSV_COLUMNS.indexOf('path') + 1]).toBe(expected[0]);
    expect(CSV_COLUMNS[CSV_COLUMNS.indexOf('fileId') + 1]).toBe('user');
  });

  test('Timesketch: the same block in snake_case', () => {
    const expected = columns.flatMap((c) => (c.timesketch === 'original_path' ? [c.timesketch, 'deleted_at'] : [c.timesketch])).concat('file_id');
    expect(block(TIMESKETCH_FIELDS, expected)).toEqual(expected);
    expect(TIMESKETCH_FIELDS[TIMESKETCH_FIELDS.indexOf('path') + 1]).toBe(expected[0]);
  });

  test('a finding with every locator shows each in its column', () => {
    const f: Finding = {
      id: 'abc', root: 'r', path: 'img/$MFT', kind: 'mft-record', level: 'high', score: 60, reasons: [{ rule: 'x', score: 60, message: 'm' }],
      hotspot: null, size: null, format: null, entropy: null, times: { modified: '2024-01-02T03:04:05.0000000Z', accessed: null, changed: null, born: null },
      attack: ['T1074.001'], key: 'K', value: 'V', originalPath: 'C:\\s\\a.rar', deletedAt: '2024-01-03T00:00:00.0000000Z', entry: 'e.txt', line: 3,
      event: { channel: 'Security', recordId: 17, eventId: 4688 }, mftEntry: 41, mftSequence: 2, usn: 4096, jumpEntry: '#1', fileId: '41-2',
    };
    const report = { findings: [f], timeline: [{ time: f.times.modified, type: 'm...', findingId: 'abc', root: 'r', path: f.path, description: 'd', level: 'high', score: 60 }] } as unknown as ScanReport;
    const [header, line] = toCsv(report).trim().split('\r\n');
    const csv = Object.fromEntries(header!.split(',').map((name, i) => [name, line!.split(',')[i]]));
    expect(csv).toMatchObject({
      entry: 'e.txt', key: 'K', value: 'V', originalPath: 'C:\\s\\a.rar', deletedAt: '2024-01-03T00:00:00.0000000Z', line: '3',
      event: 'Security event 4688 record 17', mftEntry: '41', mftSequence: '2', usn: '4096', jumpEntry: '#1', fileId: '41-2',
    });
    const ts = JSON.parse(toTimesketchJsonl(report).trim()) as Record<string, unknown>;
    expect(ts).toMatchObject({
      entry: 'e.txt', key: 'K', value: 'V', original_path: 'C:\\s\\a.rar', deleted_at: '2024-01-03T00:00:00.0000000Z', line: 3,
      event: 'Security event 4688 record 17', mft_entry: 41, mft_sequence: 2, usn: 4096, jump_entry: '#1', file_id: '41-2',
    });
    expect(Object.keys(ts)).toEqual([...TIMESKETCH_FIELDS]);
  });
});
