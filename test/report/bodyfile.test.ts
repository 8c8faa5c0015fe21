import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toBodyfile } from '../../src/report/bodyfile.js';
import { timestampDesc } from '../../src/report/timesketch.js';
import { toolAvailable, testIf, toolMissing } from '../helpers/corpus.js';
import { CONTROL_CHARS, hostileReport } from './hostile-fixture.js';

describe('bodyfile', () => {
  const report = hostileReport();
  const body = toBodyfile(report);

  it('writes epoch seconds in the atime|mtime|ctime|crtime columns, 0 when unknown', () => {
    const first = body.split('\n')[0]!.split('|');
    expect(first[0]).toBe('0'); // no MD5 requested
    expect(first[3]).toBe('r/r---------');
    expect(Number(first[8])).toBe(Date.parse('2025-03-15T04:25:10.000Z') / 1000); // mtime
    expect(Number(first[7])).toBe(Date.parse('2025-03-15T04:25:10.000Z') / 1000); // atime
    expect(first[9]).toBe('0'); // ctime unknown
    expect(Number(first[10])).toBe(Date.parse('2025-03-15T04:25:00.000Z') / 1000); // crtime
  });

  testIf(toolAvailable('mactime'), toolMissing('mactime'))('loads in mactime: every finding and event becomes a timeline row with its name intact', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sh-body-'));
    const file = path.join(dir, 'findings.body');
    writeFileSync(file, body);
    const out = execFileSync('mactime', ['-b', file, '-d', '-y'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    const rows = out.trim().split('\n').slice(1);
    // One row per distinct time of each line (MACB letters merged by mactime).
    expect(rows.length).toBeGreaterThanOrEqual(body.trim().split('\n').length);
    expect(out).toContain('2025-03-15T04:25:10Z');
    expect(out).toContain('[command]');
    expect(CONTROL_CHARS.test(out)).toBe(false);
    for (const r of rows) expect(r.split(',').length).toBeGreaterThanOrEqual(8);
  });
});

describe('timestamp_desc', () => {
  it('maps MACB letters and event types to Timesketch descriptions', () => {
    expect(timestampDesc('m...')).toBe('Content Modification Time');
    expect(timestampDesc('ma.b')).toBe('Content Modification Time; Last Access Time; Creation Time');
    expect(timestampDesc('deleted')).toBe('Deletion Time');
    expect(timestampDesc('odd-event')).toBe('odd-event time');
  });
});
