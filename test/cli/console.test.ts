/**
 * The analyst's console (issue 16): the table fits 80, 120 and 200 columns in a real
 * pseudo-terminal (util-linux `script`), colour only there and never with NO_COLOR/--no-color,
 * no escape sequence split; a pipe gets 80 columns and no colour; --host, --from/--to, report
 * on JSONL, readable usage errors.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, DEMO_IMAGE, ensureDemoImage, runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { markAcquisitionTimes } from '../../src/timeline/acquisition.js';
import { applyWindow, parseWindowBound } from '../../src/pipeline/window.js';
import { cellWidth, truncateMiddle } from '../../src/report/columns.js';
import type { TimelineRow } from '../../src/model/report.js';
import type { Finding } from '../../src/model/finding.js';

const SGR = /\u001b\[[0-9;]*m/g;
const ANY_ESCAPE = /\u001b/g;

/** Runs the CLI in a pseudo-terminal of `cols` x 40 and returns what the terminal received. */
function inPty(cols: number, args: string[], env: Record<string, string> = {}): string {
  const cmd = `stty cols ${cols} rows 40; ${[process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...env }, timeout: 120_000 });
  expect(r.status).toBe(0);
  return r.stdout;
}

/** The stdout part of a pty transcript: progress (\r-redrawn) removed, lines split. */
function screenLines(transcript: string): string[] {
  return transcript
    .split('\r\n')
    .map((l) => l.slice(l.lastIndexOf('\r') + 1).replace(/^\u001b\[K/, ''))
    .filter((l, i, all) => i < all.length - 1 || l !== '');
}

beforeAll(async () => {
  await ensureDemoImage();
});

describeIf(toolAvailable('script'), 'script (bsdutils) missing')('table in a real pseudo-terminal', () => {
  test.each([80, 120, 200])('%i columns: every line fits, colour present, every escape sequence whole', (cols) => {
    const lines = screenLines(inPty(cols, ['scan', DEMO_IMAGE]));
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const visible = line.replace(SGR, '');
      expect(visible).not.toMatch(ANY_ESCAPE); // no half sequence left after removing the whole ones
      expect([cellWidth(visible) <= cols, visible]).toEqual([true, visible]);
    }
    const text = lines.join('\n');
    expect(text).toMatch(/\u001b\[1;97;41m(crit|critical)/);
    const plain = text.replace(SGR, '');
    for (const label of ['verdict', 'what', 'where', 'when', 'who', 'how sure']) expect(plain).toMatch(new RegExp(`^${label} `, 'm'));
    // One line per finding, each starting with its level, as many as one 40-row screen holds; the rest counted.
    const count = JSON.parse(runCli(['scan', DEMO_IMAGE, '--format', 'json']).stdout).findings.length;
    const listed = lines.filter((l) => /^ {2}(\u001b\[[0-9;]*m)?(crit|high|med|low|info|critical|medium)\b/.test(l)).length;
    const more = Number(/^\.\.\. (\d+) more findings/m.exec(plain)?.[1] ?? 0);
    expect(listed).toBeGreaterThanOrEqual(5);
    expect(listed + more).toBe(count);
    expect(lines.length).toBeLessThanOrEqual(40); // the whole demo report fits an 80x40 (or wider) terminal
    if (cols >= 110) expect(text).toContain('2025-03-15 04:25 '); // the time column appears on wide terminals
  });

  test('NO_COLOR and --no-color: no escape sequence on a terminal', () => {
    expect(screenLines(inPty(120, ['scan', DEMO_IMAGE, '--quiet'], { NO_COLOR: '1' })).join('\n')).not.toMatch(ANY_ESCAPE);
    expect(screenLines(inPty(120, ['scan', DEMO_IMAGE, '--quiet', '--no-color'])).join('\n')).not.toMatch(ANY_ESCAPE);
  });

  test('the demo fits an 80x40 terminal: findings and headline timeline in under 70 lines, timeline without acquisition times', () => {
    const lines = screenLines(inPty(80, ['scan', DEMO_IMAGE, '--quiet', '--no-color']));
    expect(lines.length).toBeLessThan(70);
    const timeline = lines.slice(lines.findIndex((l) => l.startsWith('timeline')));
    expect(timeline.join('\n')).not.toMatch(/20(2[6-9]|[3-9]\d)-/); // generation-time rows stay out
    expect(timeline.join('\n')).toMatch(/times of the image's making or copying left out/);
  });
});

describe('table in a pipe', () => {
  test('80 columns, no colour, one line per finding; --verbose adds every reason', () => {
    const r = runCli(['scan', DEMO_IMAGE], { env: { NO_COLOR: '' } });
    expect(r.stdout).not.toMatch(ANY_ESCAPE);
    for (const line of r.stdout.split('\n')) expect(cellWidth(line)).toBeLessThanOrEqual(80);
    const verbose = runCli(['scan', DEMO_IMAGE, '--verbose']).stdout;
    expect(verbose).toMatch(/\+65 rar, headers encrypted/);
    expect(verbose).toMatch(/\(encrypted-archive[^)]*\)|\(\w[\w-]+\)$/m);
    for (const line of verbose.split('\n')) expect(cellWidth(line)).toBeLessThanOrEqual(80);
  });

  test('--baseline: new, known and resolved in the table; the verdict speaks of the new findings', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-console-'));
    try {
      const base = path.join(dir, 'base.jsonl');
      writeFileSync(base, runCli(['scan', DEMO_IMAGE, '--format', 'jsonl']).stdout + JSON.stringify({ id: 'gone-since' }) + '\n');
      // Named relative to the scan's working directory: the line fits 80 columns whatever the temporary directory's path.
      const out = runCli(['scan', DEMO_IMAGE, '--baseline', 'base.jsonl'], { cwd: dir }).stdout;
      expect(out).toMatch(/baseline .*base\.jsonl: 0 new, \d+ known, 1 resolved/);
      expect(out).toMatch(/^verdict +No staging indicators found \(new findings since the baseline: 0\)/m);
      expect(out).toMatch(/ known /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several hosts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sh-hosts-'));
    for (const h of ['a', 'b']) cpSync(DEMO_IMAGE, path.join(dir, h, 'C'), { recursive: true, preserveTimestamps: true });
  });

  test('two roots with identical trees give distinct ids, with and without labels; episodes never mix roots', () => {
    const plain = JSON.parse(runCli(['scan', path.join(dir, 'a', 'C'), path.join(dir, 'b', 'C'), '--format', 'json']).stdout);
    expect(new Set(plain.findings.map((f: Finding) => f.id)).size).toBe(plain.findings.length);
    expect(plain.meta.roots.map((r: { label: string }) => r.label)).toEqual(['C', 'C#2']);
    expect(plain.findings.some((f: Finding) => 'host' in f)).toBe(false);
    const labelled = JSON.parse(runCli(['scan', path.join(dir, 'a', 'C'), '--host', 'WS01', `${path.join(dir, 'b', 'C')}=WS02`.replace('=WS02', ''), '--host', 'WS02', '--format', 'json']).stdout);
    expect(new Set(labelled.findings.map((f: Finding) => f.host))).toEqual(new Set(['WS01', 'WS02']));
    expect(new Set(labelled.findings.map((f: Finding) => f.id)).size).toBe(labelled.findings.length);
    expect(labelled.meta.roots.map((r: { host: string }) => r.host)).toEqual(['WS01', 'WS02']);
    for (const e of labelled.episodes) expect(new Set(e.findingIds.map((id: string) => labelled.findings.find((f: Finding) => f.id === id).host)).size).toBe(1);
    expect(labelled.episodes.length).toBe(2);
    // The unlabelled ids of the first root are the single-root ids: golden files and baselines stay valid.
    const single = JSON.parse(runCli(['scan', path.join(dir, 'a', 'C'), '--format', 'json']).stdout);
    expect(plain.findings.filter((f: Finding) => f.root.endsWith(`${path.sep}a${path.sep}C`)).map((f: Finding) => f.id).sort()).toEqual(single.findings.map((f: Finding) => f.id).sort());
  });

  test('ROOT=NAME labels like --host; the label shows in the table, CSV and JSONL', () => {
    const r = runCli(['scan', `${path.join(dir, 'a', 'C')}=WS01`, `${path.join(dir, 'b', 'C')}=WS02`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^episode \d · .* · WS01 · /m);
    expect(r.stdout).toMatch(/^episode \d · .* · WS02 · /m);
    const csv = runCli(['scan', `${path.join(dir, 'a', 'C')}=WS01`, '--format', 'csv']).stdout.split('\r\n');
    expect(csv[0]!.endsWith(',host')).toBe(true);
    expect(csv[1]!.endsWith(',WS01')).toBe(true);
    const jsonl = runCli(['scan', `${path.join(dir, 'a', 'C')}=WS01`, '--format', 'jsonl']).stdout.trim().split('\n');
    for (const l of jsonl) expect(JSON.parse(l).host).toBe('WS01');
  });

  test('report --host keeps the roots of that host, as a scan of that root alone with its label would', () => {
    const saved = path.join(dir, 'both.json');
    expect(runCli(['scan', `${path.join(dir, 'a', 'C')}=WS01`, `${path.join(dir, 'b', 'C')}=WS02`, '--format', 'json', '-o', saved, '--quiet']).status).toBe(0);
    const only = JSON.parse(runCli(['scan', `${path.join(dir, 'b', 'C')}=WS02`, '--format', 'json']).stdout);
    const r = runCli(['report', saved, '--host', 'WS02', '--format', 'json']);
    expect(r.status).toBe(0);
    const narrowed = JSON.parse(r.stdout);
    // Ids differ (the second root of two is labelled C#2), the evidence does not.
    const evidence = (doc: { findings: Finding[] }) => doc.findings.map((f) => `${f.host} ${f.kind} ${f.path} ${f.key ?? ''} ${f.value ?? ''} ${f.line ?? ''} ${f.score}`).sort();
    expect(evidence(narrowed)).toEqual(evidence(only));
    expect(narrowed.timeline.length).toBe(only.timeline.length);
    expect(narrowed.meta.roots.map((x: { host: string }) => x.host)).toEqual(['WS02']);
    // The counts cover the findings the saved scan shows (its --min-level hid info findings for good).
    expect(narrowed.summary).toMatchObject({ shown: only.summary.shown, byLevel: { ...only.summary.byLevel, info: 0 }, verdict: only.summary.verdict });
    expect(narrowed.episodes.map((e: { findingIds: string[] }) => e.findingIds.length)).toEqual(only.episodes.map((e: { findingIds: string[] }) => e.findingIds.length));
    const both = JSON.parse(runCli(['report', saved, '--host', 'WS01', '--host', 'WS02', '--format', 'json']).stdout);
    expect(both.findings.length).toBe(JSON.parse(readFileSync(saved, 'utf8')).findings.length);
    const unknown = runCli(['report', saved, '--host', 'WS03']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual(["stagehunt: --host WS03: not in this scan (its hosts: WS01, WS02)"]);
  });

  test.each([
    [['--host', 'a', '--host', 'b'], /--host: give one label per root/],
    [['--host', 'bad label'], /--host 'bad label': use 1-64 letters/],
  ])('bad labels: one line, exit 2 (%p)', (extra, message) => {
    const r = runCli(['scan', path.join(dir, 'a', 'C'), ...extra]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('--from / --to', () => {
  test('limit findings and timeline; a bad date is one line and exit 2', () => {
    const all = JSON.parse(runCli(['scan', DEMO_IMAGE, '--format', 'json']).stdout);
    const late = JSON.parse(runCli(['scan', DEMO_IMAGE, '--format', 'json', '--from', '2025-03-15T04:30:00Z', '--to', '2025-03-15']).stdout);
    expect(late.findings.length).toBeLessThan(all.findings.length);
    expect(late.findings.length).toBeGreaterThan(0);
    for (const r of late.timeline) expect(r.time >= '2025-03-15T04:30:00' && r.time <= '2025-03-15T23:59:59.9999999Z').toBe(true);
    expect(late.findings.map((f: Finding) => f.path)).not.toContain('Users/Public/Libraries/bk.part1.rar'); // 04:25
    expect(late.findings.map((f: Finding) => f.path)).toContain('PerfLogs/1/data.7z'); // 04:40
    for (const bad of ['2025-02-30', 'yesterday', '15/03/2025']) {
      const r = runCli(['scan', DEMO_IMAGE, '--from', bad]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^stagehunt: --from '.*': give an ISO-8601 date/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test('report --from/--to narrows a saved scan as scan --from/--to does', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-window-'));
    try {
      const saved = path.join(dir, 'all.json');
      expect(runCli(['scan', DEMO_IMAGE, '--format', 'json', '-o', saved, '--quiet']).status).toBe(0);
      const window = ['--from', '2025-03-15T04:30:00Z', '--to', '2025-03-15'];
      const scanned = JSON.parse(runCli(['scan', DEMO_IMAGE, '--format', 'json', ...window]).stdout);
      const r = runCli(['report', saved, '--format', 'json', ...window]);
      expect(r.status).toBe(0);
      const reported = JSON.parse(r.stdout);
      expect(reported.findings.length).toBeLessThan(JSON.parse(readFileSync(saved, 'utf8')).findings.length);
      expect(reported.findings.map((f: Finding) => f.id)).toEqual(scanned.findings.map((f: Finding) => f.id));
      expect(reported.timeline).toEqual(scanned.timeline);
      expect(reported.summary).toMatchObject({ verdict: scanned.summary.verdict, byLevel: { ...scanned.summary.byLevel, info: 0 }, shown: scanned.summary.shown });
      expect(reported.episodes.map((e: { findingIds: string[] }) => e.findingIds)).toEqual(scanned.episodes.map((e: { findingIds: string[] }) => e.findingIds));
      expect(reported.meta.options).toMatchObject({ from: '2025-03-15T04:30:00Z', to: '2025-03-15' });
      const bad = runCli(['report', saved, '--to', '2025-02-30']);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toEqual(["stagehunt: --to '2025-02-30': give an ISO-8601 date or date-time such as 2025-03-15 or 2025-03-15T04:00:00Z"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('window bounds: a bare --to date is the end of its day; zones are honoured', () => {
    expect(parseWindowBound('2025-03-15', false)).toBe(Date.parse('2025-03-15T00:00:00Z'));
    expect(parseWindowBound('2025-03-15', true)).toBe(Date.parse('2025-03-16T00:00:00Z') - 1);
    expect(parseWindowBound('2025-03-15T04:00+02:00', false)).toBe(Date.parse('2025-03-15T02:00:00Z'));
    expect(parseWindowBound('2025-13-01', false)).toBeNull();
  });

  test('a finding without any evidence time is kept; acquisition times do not keep a finding', () => {
    const f = (id: string): Finding => ({ id } as Finding);
    const row = (findingId: string, time: string, acquisition?: true): TimelineRow => ({ time, type: '..cb', description: '', findingId, root: 'r', path: 'p', level: 'high', score: 70, ...(acquisition ? { acquisition } : {}) });
    const w = { from: Date.parse('2025-01-01T00:00:00Z'), to: Date.parse('2025-12-31T00:00:00Z') };
    const r = applyWindow([f('timeless'), f('inside'), f('only-acquisition')], [row('inside', '2025-03-15T04:00:00Z'), row('only-acquisition', '2026-12-02T06:00:00Z', true), row('only-acquisition', '2024-01-01T00:00:00Z')], w);
    expect(r.findings.map((x) => x.id)).toEqual(['timeless', 'inside']);
  });
});

describe('acquisition times', () => {
  const row = (time: string, type: string): TimelineRow => ({ time, type, description: '', findingId: `${time}${type}`, root: 'r', path: 'p', level: 'high', score: 70 });
  test('change/birth times in the scan minute or far after all evidence are marked; modification times and events never', () => {
    const rows = [
      row('2025-03-15T04:25:10Z', 'm...'),
      row('2025-03-15T04:26:00Z', 'deleted'),
      row('2025-03-15T05:00:00Z', '..cb'), // evidence-time change: kept
      row('2025-06-01T00:00:00Z', '...b'), // months after every other event: an image copy
      row('2026-12-02T06:48:10Z', '..c.'), // the scan's own minute
      row('2026-12-02T06:48:10Z', 'm...'), // a modification time at scan time is evidence (or tampering): never hidden
    ];
    markAcquisitionTimes(rows, '2026-12-02T06:48:36.4220000Z');
    expect(rows.map((r) => r.acquisition ?? false)).toEqual([false, false, false, true, true, false]);
  });
});

describe('usage', () => {
  test('-h and -V; the command list names report; choice errors are one readable line', () => {
    expect(runCli(['-h']).stdout).toMatch(/stagehunt report <scan>/);
    expect(runCli(['-V']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(runCli([]).stderr).toMatch(/name a command: scan, explain, parse, image, hotspots, report, rules/);
    const r = runCli(['scan', '.', '--os', 'bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('stagehunt: --os: "bogus" is not one of "auto", "windows", "linux", "macos" (see stagehunt --help)\n');
    expect(r.stderr).not.toContain('\\x0a');
  });

  test.each([
    ['scan', ['scan', '/nonexistent/root']],
    ['scan image', ['scan', '/nonexistent/disk.E01']],
    ['explain', ['explain', '/nonexistent/file']],
    ['parse', ['parse', '/nonexistent/file']],
    ['image', ['image', '/nonexistent/disk.E01']],
    ['report', ['report', '/nonexistent/scan.json']],
    ['--baseline', ['scan', '.', '--baseline', '/nonexistent/b.json']],
    ['--allowlist', ['scan', '.', '--allowlist', '/nonexistent/allow.json']],
    ['--hotspots', ['scan', '.', '--hotspots', '/nonexistent/h.json']],
    ['--sigma', ['scan', '.', '--sigma', '/nonexistent/sigma']],
  ])('a missing file says "no such file": %s', (_name, args) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no such (file|directory)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('report re-renders a JSONL scan as --baseline reads one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-jsonl-'));
    try {
      const file = path.join(dir, 'scan.jsonl');
      writeFileSync(file, runCli(['scan', DEMO_IMAGE, '--format', 'jsonl']).stdout);
      const r = runCli(['report', file, '--format', 'table']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^\d+ findings: critical \d+/m);
      expect(runCli(['report', file, '--format', 'md']).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('column arithmetic', () => {
  test('wide characters take two cells; the middle of a path is cut', () => {
    expect(cellWidth('日本語')).toBe(6);
    expect(cellWidth('e\u0301')).toBe(1);
    expect(truncateMiddle('Users/alice/AppData/Roaming/out/report.docx', 20)).toBe('Users/a…/report.docx');
    expect(cellWidth(truncateMiddle('文書/文書/文書/文書.txt', 9))).toBeLessThanOrEqual(9);
  });
});
