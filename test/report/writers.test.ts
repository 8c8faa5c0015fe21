import { describe, expect, it } from '@jest/globals';
import { toBodyfile } from '../../src/report/bodyfile.js';
import { toCsv } from '../../src/report/csv.js';
import { toHtml, CSP } from '../../src/report/html.js';
import { toJson, toJsonl } from '../../src/report/json.js';
import { toMarkdown } from '../../src/report/markdown.js';
import { toTable } from '../../src/report/table.js';
import { TIMESKETCH_FIELDS, toTimesketchCsv, toTimesketchJsonl } from '../../src/report/timesketch.js';
import { render } from '../../src/report/index.js';
import { CONTROL_CHARS, HOSTILE, hostileReport } from './hostile-fixture.js';
import { factsOf } from '../../src/timeline/evidence.js';

/** Splits RFC 4180 CSV into rows of cells (quoted cells may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('writers neutralise attacker-controlled text', () => {
  const report = hostileReport();

  it('the fixture really is hostile (the checks below could fail)', () => {
    const raw = JSON.stringify(report.findings);
    expect(CONTROL_CHARS.test(report.findings[0]!.entry!)).toBe(true);
    expect(raw).toContain('<script>');
    expect(report.episodes!.length).toBeGreaterThan(0);
    expect(CONTROL_CHARS.test(report.episodes![0]!.narrative)).toBe(true);
  });

  it('JSON and JSONL keep every string exact', () => {
    expect(JSON.parse(toJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
    const lines = toJsonl(report).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].entry).toBe(report.findings[0]!.entry);
    expect(lines[1].details.command).toContain(HOSTILE.long);
  });

  it('table: no control or bidi character reaches the terminal', () => {
    const text = toTable(report, { color: false });
    expect(CONTROL_CHARS.test(text)).toBe(false);
    expect(text).toContain('\\x1b');
    expect(text).toContain('\\u202e');
  });

  it('CSV: no formula trigger starts a cell, no raw control character', () => {
    const text = toCsv(report);
    expect(CONTROL_CHARS.test(text.replace(/\r\n/g, ''))).toBe(false);
    const rows = parseCsv(text);
    for (const cell of rows.slice(1).flat()) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('HTML: no markup or control character from evidence survives, CSP present, no script or remote URL', () => {
    const html = toHtml(report);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect((html.match(/<svg/g) ?? []).length).toBe((html.match(/<\/svg>/g) ?? []).length);
    expect(CONTROL_CHARS.test(html)).toBe(false);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
    expect(CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    // Every '<' from evidence is escaped, so each tag is ours: none may reference anything to fetch.
    const tags = html.match(/<[^>]*>/g) ?? [];
    expect(tags.filter((t) => /\s(?:href|src|srcset|action|data|xlink:href)\s*=/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /^<(script|img|iframe|object|embed|link|a|form|image|use|foreignObject)\b/i.test(t))).toEqual([]);
    expect(html).toContain('&#60;script&#62;');
  });

  it('Markdown: markup, pipes and controls are escaped', () => {
    const md = toMarkdown(report);
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('</svg>');
    expect(CONTROL_CHARS.test(md)).toBe(false);
    expect(md).toContain('x\\|y\\|z');
    expect(md).not.toMatch(/\[[^\]]*\]\(http/);
  });

  it('bodyfile: eleven fields on every line, no raw control, no stray separator', () => {
    const body = toBodyfile(report);
    const lines = body.trimEnd().split('\n');
    expect(lines.length).toBe(report.findings.length + [...report.timeline].filter((r) => !/^[.m][.a][.c][.b]$/.test(r.type)).length);
    for (const l of lines) {
      expect(l.split('|')).toHaveLength(11);
      expect(CONTROL_CHARS.test(l)).toBe(false);
      expect(l.length).toBeLessThan(1200);
    }
    expect(body).toContain('x\\x7cy\\x7cz');
  });

  it('Timesketch JSONL: required fields on every line, text neutralised', () => {
    const lines = toTimesketchJsonl(report).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(report.timeline.length);
    for (const row of lines) {
      expect(Object.keys(row)).toEqual([...TIMESKETCH_FIELDS]);
      expect(typeof row.message).toBe('string');
      expect(row.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      expect(row.timestamp).toBe(Date.parse(row.datetime as string) * 1000);
      expect(typeof row.timestamp_desc).toBe('string');
      expect(row.data_type).toMatch(/^stagehunt:finding:[a-z-]+$/);
      for (const v of Object.values(row)) {
        if (typeof v !== 'string') continue;
        expect(CONTROL_CHARS.test(v)).toBe(false);
        expect(v).not.toMatch(/^[=+\-@]/);
        expect(v.length).toBeLessThanOrEqual(2048);
      }
    }
  });

  it('Timesketch CSV: header of stable field names, neutral cells', () => {
    const rows = parseCsv(toTimesketchCsv(report));
    expect(rows[0]).toEqual([...TIMESKETCH_FIELDS]);
    for (const cell of rows.slice(1).flat()) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(rows.length - 1).toBe(report.timeline.length);
  });

  it('every registered writer handles the hostile report', () => {
    for (const name of ['table', 'json', 'jsonl', 'csv', 'html', 'md', 'bodyfile', 'timesketch', 'timesketch-csv']) expect(render(name, report, { color: false }).length).toBeGreaterThan(0);
  });
});

describe('HTML and Markdown content', () => {
  const report = hostileReport();
  it('lead with the verdict and the episodes, then ATT&CK, data sources and custody', () => {
    for (const doc of [toHtml(report), toMarkdown(report)]) {
      const order = ['Local data staging very likely', 'Staging episodes', 'Top findings', 'T1074.001', 'T1560.001', 'T1070.004', 'T1005', 'DS0022', 'DS0024', 'DS0017', 'not covered', 'chain of custody', 'O_NOATIME', 'ab'.repeat(32)];
      let last = -1;
      for (const s of order) {
        const i = doc.indexOf(s, last + 1);
        expect({ s, found: i >= 0 }).toEqual({ s, found: true });
        last = Math.max(last, i);
      }
      expect(doc.indexOf('Local data staging very likely')).toBeLessThan(doc.indexOf('Staging episodes'));
    }
  });

  it('HTML carries one SVG timeline with an episode band and a dot per timed finding', () => {
    const html = toHtml(report);
    expect(html).toMatch(/<svg[^>]*role="img"/);
    expect((html.match(/<svg/g) ?? []).length).toBe(1);
    expect(html).toMatch(/<rect class="episode"/);
    const timed = report.findings.filter((x) => factsOf(x).time !== null).length;
    expect(timed).toBeGreaterThan(0);
    expect((html.match(/<circle /g) ?? []).length).toBe(timed);
  });

  it('renders a report without episodes (older saved scans) by computing them', () => {
    const { episodes: _ignored, ...old } = report;
    const html = toHtml(old);
    expect(html).toContain(report.episodes![0]!.id);
  });
});

describe('what could not be read, apart from what was skipped by design and warnings', () => {
  // A Linux image whose "errors" are mostly its symbolic links: one count of all of them read
  // "read errors 5" / "Paths that could not be read: 5" for a scan that read every file.
  const base = hostileReport();
  const report = {
    ...base,
    errors: [
      { root: 'img', path: 'usr/lib/a', op: 'skip', code: 'ESYMLINK', message: 'symbolic link not followed' },
      { root: 'img', path: 'usr/lib/b', op: 'skip', code: 'ESYMLINK', message: 'symbolic link not followed' },
      { root: 'img', path: 'dev/fifo', op: 'skip', code: 'ESPECIAL', message: 'FIFO not opened' },
      { root: 'img', path: 'var/log/x.evtx', op: 'parse', code: 'WARN', message: 'evtx: chunk 2 truncated' },
      { root: 'img', path: 'home/u/f', op: 'note', code: 'ENLINK', message: '2 hard links' },
      { root: 'img', path: 'root/secret', op: 'open', code: 'EACCES', message: 'permission denied' },
      { root: 'img', path: 'huge.hive', op: 'parse', code: 'ENOMEM', message: 'parsing needed more than 256 MB' },
    ],
  };
  report.summary = { ...report.summary, errors: report.errors.length };

  it('table: an event recovered from a log\'s slack says so in its kind cell; a current one does not', () => {
    const event = { ...report.findings[0]!, kind: 'event' as const, event: { channel: 'Security', recordId: 7, eventId: 4688, recovered: true } };
    const current = { ...event, id: 'other', event: { channel: 'Security', recordId: 8, eventId: 4688 } };
    const lines = toTable({ ...report, findings: [event, current] }, { color: false, width: 200 }).split('\n');
    expect(lines.filter((l) => / evtslack /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / event {4}/.test(l))).toHaveLength(1);
  });

  it('table: read errors, skipped and warnings counted apart', () => {
    const text = toTable(report, { color: false, width: 200 });
    expect(text).toContain('read errors 2 · skipped 3 · warnings 2');
    // Nothing skipped or warned: the line says only what could not be read.
    expect(toTable({ ...report, errors: report.errors.slice(5) }, { color: false, width: 200 })).toMatch(/read errors 2\n/);
  });

  it('table at 80 columns: the counts that do not fit go to a second line, none cut off', () => {
    const narrow = { ...report, summary: { ...report.summary, shown: Math.max(0, report.summary.findings - 1), suppressed: 12 } };
    const lines = toTable(narrow, { color: false, width: 80 }).split('\n');
    const at = lines.findIndex((l) => /^\d+ findings: critical \d+/.test(l));
    expect(at).toBeGreaterThan(0);
    expect(lines[at]).not.toContain('read errors');
    expect(lines[at + 1]).toBe(`  ${narrow.summary.shown} shown (--min-level) · read errors 2 · skipped 3 · warnings 2 · suppressed 12`);
    for (const l of [lines[at]!, lines[at + 1]!]) expect(l.length).toBeLessThanOrEqual(80);
    // Wide enough: one line, as before.
    expect(toTable(narrow, { color: false, width: 200 })).toMatch(/\d+ findings: critical \d+.* · read errors 2 · skipped 3 · warnings 2 · suppressed 12\n/);
  });

  it('HTML and Markdown: the same three counts in a sentence', () => {
    const sentence = 'Paths that could not be read: 2; skipped by design (links not followed, special files, other file systems, limits): 3; warnings (damaged content read as far as it goes, notes): 2.';
    expect(toHtml(report, { color: false })).toContain(sentence);
    expect(toMarkdown(report, { color: false }).replace(/\\/g, '')).toContain(sentence);
  });
});
