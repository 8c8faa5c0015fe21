/**
 * Options of the human formats (issue 16 B): --timezone (one helper), --redact (secrets in
 * commands hidden in table, HTML and Markdown, kept in JSON, and the report says where), the case
 * header, the findings appendix, chain-of-custody options as lines, and the chart's round axis.
 */
import { describe, expect, it } from '@jest/globals';
import { showTime, zoneLabel } from '../../src/report/time-zone.js';
import { isTimeZone } from '../../src/util/zone.js';
import { REDACTED, redactReport, redactText } from '../../src/report/redact.js';
import { roundTicks } from '../../src/report/chart.js';
import { optionLines, timedSteps } from '../../src/report/case-header.js';
import { render } from '../../src/report/index.js';
import { toJson } from '../../src/report/json.js';
import type { ScanReport } from '../../src/model/report.js';
import { hostileReport } from './hostile-fixture.js';

describe('--timezone: showTime', () => {
  it.each([
    ['2025-03-15T04:05:42.1234567Z', undefined, '2025-03-15 04:05:42Z'],
    ['2025-03-15T04:05:42.1234567Z', 'UTC', '2025-03-15 04:05:42Z'],
    ['2025-03-15T04:05:42.0000000Z', 'Europe/Berlin', '2025-03-15 05:05:42 +01:00'],
    ['2025-07-15T04:05:42.0000000Z', 'Europe/Berlin', '2025-07-15 06:05:42 +02:00'],
    ['2025-03-15T04:05:42.0000000Z', 'America/New_York', '2025-03-15 00:05:42 -04:00'],
    ['2025-03-15T23:30:00.0000000Z', 'Asia/Kolkata', '2025-03-16 05:00:00 +05:30'],
    ['2025-03-15 04:05:42 (local time, zone unknown)', 'Europe/Berlin', '2025-03-15 04:05:42 (local time, zone unknown)'],
    [null, 'Europe/Berlin', ''],
  ])('%s in %s -> %s', (iso, zone, shown) => {
    expect(showTime(iso, zone)).toBe(shown);
  });

  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(zoneLabel('Europe/Berlin')).toBe('Europe/Berlin');
    expect(zoneLabel(undefined)).toBe('UTC');
  });

  it('table, HTML and Markdown show the zone; JSON stays UTC', () => {
    const report = hostileReport();
    for (const format of ['table', 'html', 'md']) {
      const text = render(format, report, { color: false, timeZone: 'Asia/Kolkata' });
      // HTML and Markdown give each time its offset; the terminal table shows the local minute under a zone-labelled heading (the verdict's sentences stay UTC and say so).
      const shown = format === 'table' ? '2025-03-15 09:55' : '2025-03-15 09:55:10 +05:30';
      expect({ format, zoned: text.includes(shown) }).toEqual({ format, zoned: true });
      expect(text).toContain('Asia/Kolkata');
    }
    expect(render('json', report, { color: false, timeZone: 'Asia/Kolkata' })).toBe(toJson(report));
  });
});

describe('--redact', () => {
  it.each([
    ['7z a -p"S3cr3t!" -mhe=on out.7z dir', '7z a -p«redacted» -mhe=on out.7z dir'],
    ['C:\\Users\\Public\\r.exe a -hpS3cr3t! -v60k bk.rar', 'C:\\Users\\Public\\r.exe a -hp«redacted» -v60k bk.rar'],
    ['rar a -pTopSecret x.rar', 'rar a -p«redacted» x.rar'],
    ['zip -P hunter2 -r o.zip docs', 'zip -P «redacted» -r o.zip docs'],
    ['$pw = ConvertTo-SecureString "P@ss" -AsPlainText -Force', '$pw = ConvertTo-SecureString «redacted» -AsPlainText -Force'],
    ['Compress-7Zip -Path x -ArchiveFileName y.7z -Password Winter2025', 'Compress-7Zip -Path x -ArchiveFileName y.7z -Password «redacted»'],
    ['openssl enc -aes-256-cbc -pass pass:abc123 -in a -out b', 'openssl enc -aes-256-cbc -pass «redacted» -in a -out b'],
    ['curl -H "Authorization: Bearer eyJhbGciOi.abc.def" https://x.test', 'curl -H "Authorization: Bearer «redacted»" https://x.test'],
    ['curl https://bob:pa55@files.example/up -T o.zip', 'curl https://bob:«redacted»@files.example/up -T o.zip'],
    ['export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'export GITHUB_TOKEN=«redacted»'],
    ['aws s3 cp o.zip s3://b --key AKIAABCDEFGHIJKLMNOP', 'aws s3 cp o.zip s3://b --key «redacted»'],
  ])('%s', (command, shown) => {
    const r = redactText(command);
    expect(r.text).toBe(shown);
    expect(r.count).toBeGreaterThan(0);
  });

  it.each([
    'mkdir -p /tmp/out',
    'find / -perm -4000 -print',
    'gcc -pipe -o x x.c',
    '7z a -p -mhe=on data.7z out',
    'tar -cpf o.tar docs',
    'none is user data or a secret: what installers leave',
    'C:\\Users\\alice\\Documents\\passwords.xlsx',
  ])('leaves alone: %s', (text) => {
    expect(redactText(text)).toEqual({ text, count: 0 });
  });

  function withSecret(): ScanReport {
    const report = hostileReport();
    const h = report.findings.find((f) => f.kind === 'history')!;
    h.details = { ...h.details, command: '7z a -pS3cr3t! o.7z out' };
    h.reasons = [{ rule: 'history-archive-password', score: 50, message: 'archive with a password: 7z a -pS3cr3t! o.7z out' }];
    const rows = [...report.timeline];
    rows.push({ ...rows[0]!, type: 'command', description: '7z a -pS3cr3t! o.7z out', findingId: h.id });
    report.timeline = rows;
    report.episodes![0]!.steps.push({ time: null, text: 'alice ran `7z a -pS3cr3t! o.7z out`', findingIds: [h.id] });
    return report;
  }

  it('hides the password in table, HTML and Markdown, says where, and JSON keeps it', () => {
    const report = withSecret();
    for (const format of ['table', 'html', 'md']) {
      const text = render(format, report, { color: false, redact: true });
      expect({ format, leaked: text.includes('S3cr3t') }).toEqual({ format, leaked: false });
      expect(text).toContain(REDACTED);
      expect(text).toMatch(/Redaction \(--redact\) was on: \d+ passwords? or secrets?/);
      expect(text).toContain('finding h1');
      expect(render(format, report, { color: false }).includes('S3cr3t')).toBe(true);
    }
    expect(render('json', report, { color: false, redact: true })).toContain('S3cr3t!');
    const { notes } = redactReport(report);
    expect(notes.map((n) => n.where)).toEqual(expect.arrayContaining(['timeline', `episode ${report.episodes![0]!.id}`]));
    // The input report is not changed by redaction.
    expect(report.findings.find((f) => f.id === 'h1')!.details!.command).toContain('S3cr3t!');
  });

  it('says so when nothing was found', () => {
    const report = hostileReport();
    expect(render('html', report, { color: false, redact: true })).toContain('no password or secret was found');
  });
});

describe('case header, appendix and custody lines', () => {
  it('HTML and Markdown lead with the case header and list every finding in the appendix', () => {
    const report = hostileReport();
    report.meta.case = { id: 'IR-2025-042', examiner: 'J. Doe' };
    report.meta.roots[0]!.image = { file: '/cases/pc1.E01', format: 'ewf', mediaSize: 1048576, storedMd5: 'd41d8cd98f00b204e9800998ecf8427e', storedSha1: null };
    for (const format of ['html', 'md']) {
      const doc = render(format, report, { color: false });
      const order = ['IR-2025-042', 'J. Doe', 'pc1.E01', 'd41d8cd98f00b204e9800998ecf8427e', 'Local data staging very likely', 'Staging episodes', 'Top findings', 'Appendix: all 4 findings'];
      let last = -1;
      for (const s of order) {
        const i = doc.indexOf(s, last + 1);
        expect({ format, s, found: i > last }).toEqual({ format, s, found: true });
        last = i;
      }
      const appendix = doc.slice(doc.indexOf('Appendix'));
      for (const f of report.findings) expect(appendix).toContain(f.id);
    }
  });

  it('options are readable lines, not a JSON blob', () => {
    expect(optionLines({ minLevel: 'low', hashAlgorithms: ['sha256', 'md5'], baseline: null, crossMounts: false, hashMaxSize: 4294967296 })).toEqual([
      'min level: low',
      'hash algorithms: sha256, md5',
      'baseline: none',
      'cross mounts: no',
      'hash max size: 4294967296',
    ]);
    const html = render('html', hostileReport(), { color: false });
    expect(html).not.toContain('{&#34;format&#34;');
    expect(html).toContain('format: json');
  });

  it('episode steps: time order, untimed steps stay after the step they follow, command times shown', () => {
    const report = hostileReport();
    const e = report.episodes![0]!;
    const byId = new Map(report.findings.map((f) => [f.id, f]));
    byId.get('h1')!.details = { ...byId.get('h1')!.details, time: '2025-03-15T04:30:00.0000000Z' };
    e.steps = [
      { time: '2025-03-15T05:00:00.0000000Z', text: 'late', findingIds: ['d1'] },
      { time: null, text: 'after late', findingIds: ['r1'] },
      { time: '2025-03-15T04:00:00.0000000Z', text: 'early', findingIds: ['a1'] },
      { time: null, text: 'command with a time', findingIds: ['h1'] },
    ];
    const steps = timedSteps(e, byId);
    expect(steps.map((s) => s.text)).toEqual(['early', 'command with a time', 'late', 'after late']);
    expect(steps[1]).toMatchObject({ shownTime: '2025-03-15T04:30:00.0000000Z', timeSource: 'command' });
    expect(steps[3]).toMatchObject({ shownTime: null, timeSource: null });
  });
});

describe('chart axis at round times', () => {
  const ms = (iso: string): number => Date.parse(iso);
  it('an hour: ticks every 10 minutes, dated at the first tick', () => {
    const ticks = roundTicks(ms('2025-03-15T03:57:13Z'), ms('2025-03-15T05:08:40Z'));
    expect(ticks.map((t) => t.time)).toEqual(['04:00', '04:10', '04:20', '04:30', '04:40', '04:50', '05:00']);
    expect(ticks.map((t) => t.date)).toEqual(['2025-03-15', null, null, null, null, null, null]);
  });
  it('across midnight the new day is dated', () => {
    const ticks = roundTicks(ms('2025-03-15T22:10:00Z'), ms('2025-03-16T03:50:00Z'));
    expect(ticks[0]).toEqual({ ms: ms('2025-03-15T23:00:00Z'), time: '23:00', date: '2025-03-15' });
    expect(ticks[1]).toEqual({ ms: ms('2025-03-16T00:00:00Z'), time: '00:00', date: '2025-03-16' });
  });
  it('in a zone with a half-hour offset the ticks fall on its round hours', () => {
    const ticks = roundTicks(ms('2025-03-15T00:10:00Z'), ms('2025-03-15T05:50:00Z'), 'Asia/Kolkata');
    expect(ticks.every((t) => t.time.endsWith(':00'))).toBe(true);
    expect(ticks[0]!.time).toBe('06:00');
  });
  it('a year: dates only', () => {
    const ticks = roundTicks(ms('2024-01-01T00:00:00Z'), ms('2025-03-15T00:00:00Z'));
    expect(ticks.length).toBeGreaterThan(1);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((t) => t.time === '' && t.date !== null)).toBe(true);
  });
});
