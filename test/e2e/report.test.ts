/**
 * End to end: the demo image scanned twice gives byte-identical findings, timeline and episodes;
 * a tree of hostile names and contents is neutralised by every human-facing writer while JSON
 * keeps it exact; the CLI writes --report files, re-renders saved scans and honours --baseline.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan, type ScanOptions } from '../../src/pipeline/scan.js';
import { render } from '../../src/report/index.js';
import { TIMESKETCH_FIELDS } from '../../src/report/timesketch.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { makePsReadLineHistory } from '../../fixtures/lib/history-fixtures.mjs';
import { DEMO_IMAGE, ensureDemoImage, ROOT } from '../helpers/cli.js';
import { CONTROL_CHARS } from '../report/hostile-fixture.js';
import { describeIf, DIST_MISSING } from '../helpers/corpus.js';

const FIXED = (): Date => new Date('2026-01-01T00:00:00.000Z');
const BIN = process.env.STAGEHUNT_BIN ? path.resolve(process.env.STAGEHUNT_BIN) : path.join(ROOT, 'bin', 'stagehunt.js');

function opts(roots: string[], extra: Partial<ScanOptions> = {}): ScanOptions {
  return { roots, os: 'auto', scope: 'hotspots', minLevel: 'info', now: FIXED, hash: { mode: 'findings', algorithms: ['sha256'], maxSize: 1e12 }, ...extra };
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('demo image', () => {
  beforeAll(async () => {
    await ensureDemoImage();
  });

  it('two scans give byte-identical findings, timeline, episodes and every export', async () => {
    const a = await scan(opts([DEMO_IMAGE]));
    const b = await scan(opts([DEMO_IMAGE]));
    expect(a.episodes!.length).toBeGreaterThan(0);
    for (const key of ['findings', 'timeline', 'episodes', 'summary'] as const) expect(JSON.stringify(b[key])).toBe(JSON.stringify(a[key]));
    expect(JSON.stringify(b.meta.hashes)).toBe(JSON.stringify(a.meta.hashes));
    for (const w of ['bodyfile', 'timesketch', 'timesketch-csv', 'md', 'html']) expect(render(w, b, { color: false })).toBe(render(w, a, { color: false }));
  });

  it('the top episode says what, where, when, by whom and how sure', async () => {
    const r = await scan(opts([DEMO_IMAGE]));
    const e = r.episodes![0]!;
    expect(e.level).toBe('critical');
    expect(e.users).toContain('alice');
    expect(e.evidenceKinds.length).toBeGreaterThanOrEqual(4);
    expect(e.narrative).toMatch(/^Between \d\d:\d\d and \d\d:\d\d UTC on 2025-03-15/);
    expect(e.narrative).toContain('were written into Users/alice/AppData/Roaming/out');
    expect(e.narrative).toMatch(/encrypted RAR archive in 2 volumes was written to Users\/Public\/Libraries/);
    expect(e.locations).toEqual(expect.arrayContaining(['Users/alice/AppData/Roaming/out', 'Users/Public/Libraries', 'PerfLogs/1']));
    // Hashes of findings at or above medium, in the findings and in meta.
    const hashed = r.findings.filter((f) => f.hashes?.sha256);
    expect(hashed.length).toBeGreaterThan(0);
    expect(r.meta.hashes!.every((h) => h.status === 'hashed' && /^[0-9a-f]{64}$/.test(h.hashes.sha256!))).toBe(true);
  });
});

describe('hostile names and contents, end to end', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sh-hostile-'));
  // A file name cannot hold '/' or NUL: those go into entry names and history lines.
  const evil = `=HYPERLINK("x.test")+cmd|<script>\u202e\u001b[31m\r<svg onload=1>`;
  const markup = '</svg><script>alert(1)</script>';
  const long = 'A'.repeat(10_000);
  beforeAll(() => {
    for (const d of ['Windows/System32/config', 'Windows/Temp', 'Users/Public', 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine', 'PerfLogs']) mkdirSync(path.join(root, d), { recursive: true });
    const zip = buildZip({ entries: [
      { name: Buffer.from(`a\u0000b${evil}${markup}.docx`, 'utf8'), data: 'x' },
      { name: `${long}.txt`, data: 'y' },
    ] });
    const zipPath = path.join(root, 'Users/Public', `${evil}.zip`);
    writeFileSync(zipPath, zip);
    const t = new Date('2025-03-15T04:25:00Z');
    utimesSync(zipPath, t, t);
    const hist = path.join(root, 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt');
    writeFileSync(hist, makePsReadLineHistory([
      `7z a -p"x" C:\\PerfLogs\\${long}.7z C:\\Users\\alice\\Documents`,
      `Compress-Archive -Path C:\\Users\\alice\\Documents -DestinationPath "C:\\Users\\Public\\${evil}.zip"`,
      `rar a -hpX C:\\Windows\\Temp\\\u001b]8;;http://x.test\u0007z${markup}.rar C:\\Users\\alice\\Documents\u0000`,
    ]));
  });

  it('JSON keeps attacker text exact; every other format neutralises it', async () => {
    const r = await scan(opts([root]));
    const json = render('json', r, { color: false });
    const parsed = JSON.parse(json);
    const text = JSON.stringify(parsed);
    expect(text).toContain(JSON.stringify(evil).slice(1, -1));
    // NUL reaches the findings through the history line (entry names surface only when an entry is suspicious).
    expect(parsed.findings.some((f: { entry?: string; details?: { command?: string } }) => `${f.entry ?? ''}${f.details?.command ?? ''}`.includes('\u0000'))).toBe(true);
    expect(text).toContain(JSON.stringify(markup).slice(1, -1));
    // The history detector bounds the command it keeps; what it keeps is exact.
    expect(parsed.findings.some((f: { details?: { command?: string } }) => (f.details?.command ?? '').includes(`C:\\PerfLogs\\${'A'.repeat(500)}`))).toBe(true);

    for (const name of ['table', 'csv', 'html', 'md', 'bodyfile', 'timesketch', 'timesketch-csv']) {
      const out = render(name, r, { color: false });
      const body = name.endsWith('csv') ? out.replace(/\r\n/g, '\n') : out;
      expect({ name, control: CONTROL_CHARS.test(body.replace(/\n/g, '')) }).toEqual({ name, control: false });
      if (name === 'html' || name === 'md') expect({ name, script: /<script/i.test(out) }).toEqual({ name, script: false });
      if (name === 'bodyfile') for (const l of out.trimEnd().split('\n')) expect(l.split('|')).toHaveLength(11);
      if (name === 'table') expect(out.split('\n').every((l) => l.length < 2000)).toBe(true);
    }
    const ts = render('timesketch', r, { color: false }).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ts.length).toBeGreaterThan(0);
    for (const row of ts) for (const k of ['message', 'datetime', 'timestamp', 'timestamp_desc', 'data_type']) expect(row[k]).toBeDefined();
    expect(Object.keys(ts[0]!)).toEqual([...TIMESKETCH_FIELDS]);
  });
});

const cliReady = existsSync(BIN) && existsSync(path.join(path.dirname(BIN), '..', 'dist', 'cli', 'main.js')) || !!process.env.STAGEHUNT_BIN;
describeIf(cliReady, DIST_MISSING)('CLI: --report, report command, --baseline', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'sh-cli-'));
  beforeAll(async () => {
    await ensureDemoImage();
  });

  it('scan --report writes a self-contained HTML report beside the JSON', () => {
    const r = cli(['scan', DEMO_IMAGE, '--format', 'json', '-o', path.join(out, 'scan.json'), '--report', path.join(out, 'r.html'), '--quiet']);
    expect(r.status).toBe(0);
    const html = readFileSync(path.join(out, 'r.html'), 'utf8');
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('Staging episodes');
    expect(JSON.parse(readFileSync(path.join(out, 'scan.json'), 'utf8')).episodes.length).toBeGreaterThan(0);
  });

  it('report re-renders a saved scan in every format without the evidence', () => {
    for (const f of ['md', 'table', 'json', 'jsonl', 'csv', 'bodyfile', 'timesketch', 'timesketch-csv', 'html']) {
      const r = cli(['report', path.join(out, 'scan.json'), '--format', f]);
      expect({ f, status: r.status }).toEqual({ f, status: 0 });
      expect(r.stdout.length).toBeGreaterThan(0);
    }
    const again = cli(['report', path.join(out, 'scan.json'), '--format', 'json']);
    const saved = JSON.parse(readFileSync(path.join(out, 'scan.json'), 'utf8'));
    expect(JSON.parse(again.stdout).findings).toEqual(saved.findings);
  });

  it('bad input to report: one line on stderr, exit 2', () => {
    writeFileSync(path.join(out, 'bad.json'), '{"meta":{"tool":"other"}}');
    writeFileSync(path.join(out, 'trunc.json'), '{"meta":');
    for (const file of ['bad.json', 'trunc.json', 'missing.json']) {
      const r = cli(['report', path.join(out, file), '--format', 'html']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(cli(['report', path.join(out, 'scan.json'), '--format', 'pdf']).status).toBe(2);
    expect(cli(['scan', DEMO_IMAGE, '--report', path.join(out, 'r.txt')]).status).toBe(2);
  });

  it('--baseline: known findings do not fail the run; the summary lists new and resolved', () => {
    expect(cli(['scan', DEMO_IMAGE, '--format', 'json', '--fail-on', 'high', '--quiet']).status).toBe(1);
    const r = cli(['scan', DEMO_IMAGE, '--format', 'json', '--fail-on', 'high', '--baseline', path.join(out, 'scan.json'), '--quiet']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.baseline).toMatchObject({ new: 0, resolved: [] });
    expect(doc.findings.every((f: { known: boolean }) => f.known)).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(out, 'scan.json'), 'utf8'));
    saved.findings = saved.findings.slice(1);
    saved.findings.push({ ...saved.findings[0], id: 'gone0000000000' });
    writeFileSync(path.join(out, 'partial.json'), JSON.stringify(saved));
    const partial = JSON.parse(cli(['scan', DEMO_IMAGE, '--format', 'json', '--baseline', path.join(out, 'partial.json'), '--quiet']).stdout);
    expect(partial.summary.baseline.new).toBe(1);
    expect(partial.summary.baseline.resolved).toEqual(['gone0000000000']);
  });
});
