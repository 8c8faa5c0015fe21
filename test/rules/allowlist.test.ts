/** --exclude / --allowlist (issue 11): suppressions are applied before scoring, counted and listed, never silent. */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AllowlistError, applyAllowlist, compileAllowlist, loadAllowlistFile } from '../../src/rules/allowlist.js';
import type { Candidate } from '../../src/rules/types.js';
import { DEMO_IMAGE, ensureDemoImage, runCli } from '../helpers/cli.js';

const positive = (c: Candidate): boolean => c.hits.some((h) => (h.score ?? 10) > 0);
const cand = (p: string, rules: string[]): Candidate => ({ kind: 'file', path: p, hits: rules.map((rule) => ({ rule, message: rule })) });

describe('allowlist', () => {
  test('path globs and hashes drop whole findings; rule entries drop reasons; everything is listed', () => {
    const list = compileAllowlist([
      { path: 'ProgramData/Vendor/**', reason: 'vendor backups', source: 'a.json' },
      { sha256: 'ab'.repeat(32), reason: 'known installer', source: 'a.json' },
      { rule: 'hidden-dir-in-temp', path: 'tmp/**', reason: 'CI runner dirs', source: 'a.json' },
    ]);
    const cs = [
      cand('ProgramData/vendor/backup/x.zip', ['archive-present']),
      cand('Windows/Temp/setup.cab', ['archive-present']),
      cand('tmp/.cache-x', ['hidden-dir-in-temp']),
      cand('tmp/.y/o.tgz', ['archive-present', 'hidden-dir-in-temp']),
      cand('PerfLogs/a.7z', ['archive-headers-encrypted']),
    ];
    const out = applyAllowlist(cs, list, '/img', positive, (rel) => (rel === 'Windows/Temp/setup.cab' ? 'ab'.repeat(32) : 'cd'.repeat(32)));
    expect(cs.map((c) => c.path)).toEqual(['tmp/.y/o.tgz', 'PerfLogs/a.7z']);
    expect(cs[0]!.hits.map((h) => h.rule)).toEqual(['archive-present']);
    expect(out.map((s) => [s.path, s.matched, s.rule, s.reason])).toEqual([
      ['ProgramData/vendor/backup/x.zip', 'path', null, 'vendor backups'],
      ['Windows/Temp/setup.cab', 'sha256', null, 'known installer'],
      ['tmp/.cache-x', 'rule', 'hidden-dir-in-temp', 'CI runner dirs'],
      ['tmp/.y/o.tgz', 'rule', 'hidden-dir-in-temp', 'CI runner dirs'],
    ]);
  });

  test('a bad allowlist file is one clear error: no reason, unknown rule, bad hash, the place', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-allow-'));
    const load = (entries: unknown): unknown => {
      const f = path.join(dir, 'a.json');
      writeFileSync(f, JSON.stringify(entries));
      return loadAllowlistFile(f, new Set(['hidden-dir-in-temp', 'in-staging-location']));
    };
    expect(() => load([{ path: 'x/**' }])).toThrow(/needs a reason/);
    expect(() => load([{ rule: 'nope', reason: 'r' }])).toThrow(/unknown rule 'nope'/);
    expect(() => load([{ sha256: 'xyz', reason: 'r' }])).toThrow(/64 hex/);
    expect(() => load([{ rule: 'in-staging-location', reason: 'r' }])).toThrow(AllowlistError);
    expect(load([{ path: 'x/**', reason: 'r' }])).toEqual([{ path: 'x/**', sha256: undefined, rule: undefined, reason: 'r', source: path.join(dir, 'a.json') }]);
  });
});

describe('stagehunt scan --exclude / --allowlist', () => {
  test('suppressed findings are counted in the summary and listed in JSON; a bad file exits 2 with one line', async () => {
    await ensureDemoImage();
    const r = runCli(['scan', DEMO_IMAGE, '--exclude', 'Windows/Temp/*.hiv', '--format', 'json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.suppressed).toBe(report.suppressed.length);
    expect(report.suppressed.map((x: { path: string }) => x.path)).toEqual(expect.arrayContaining(['Windows/Temp/sys.hiv', 'Windows/Temp/sec.hiv']));
    expect(report.findings.some((f: { path: string }) => f.path === 'Windows/Temp/sec.hiv')).toBe(false);
    const bad = runCli(['scan', DEMO_IMAGE, '--allowlist', path.join(DEMO_IMAGE, 'no-such-allowlist.json')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
