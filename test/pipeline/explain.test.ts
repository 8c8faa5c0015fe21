/**
 * One scoring path (issue 10): `explain` of a file inside a root judges it by the scan pipeline, so
 * for every finding of the demo scan, explain gives the same score, level and reasons, the
 * correlation reasons the scan adds included; a directory finding is the verdict of explain of its
 * folder.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinSigmaRules } from '../../src/cli/sigma.js';
import type { Finding } from '../../src/model/finding.js';
import { buildExplainReport } from '../../src/pipeline/explain.js';
import type { ExplainVerdict } from '../../src/model/explain.js';
import { scan } from '../../src/pipeline/scan.js';
import { DEMO_IMAGE, ensureDemoImage } from '../helpers/cli.js';

/** What explain and scan must agree on, locators included (which inner finding it is). */
function judgement(f: Finding | ExplainVerdict) {
  return { kind: f.kind, path: f.path, key: f.key, value: f.value, entry: f.entry, line: f.line, originalPath: f.originalPath, event: f.event, level: f.level, score: f.score, reasons: f.reasons, attack: f.attack };
}

describe('explain and scan share one scoring path', () => {
  let findings: Finding[] = [];
  beforeAll(async () => {
    await ensureDemoImage();
    findings = (await scan({ roots: [DEMO_IMAGE], os: 'auto', scope: 'hotspots', sigma: builtinSigmaRules() })).findings;
  }, 120_000);

  test('every file finding of the demo scan is explained with the same score, level and reasons', async () => {
    const byPath = new Map<string, Finding[]>();
    for (const f of findings) if (f.kind !== 'directory') byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
    expect(byPath.size).toBeGreaterThan(10);
    let compared = 0;
    let correlated = 0;
    for (const [rel, here] of byPath) {
      const report = await buildExplainReport({ file: path.join(DEMO_IMAGE, rel), root: DEMO_IMAGE, sigma: builtinSigmaRules() });
      const shown = [report.verdict, ...report.inner].map(judgement);
      for (const f of here) {
        expect(shown).toContainEqual(judgement(f));
        compared++;
        if (f.reasons.some((r) => /^(linked|named)-/.test(r.rule))) correlated++;
      }
      expect(report.warnings.join('\n')).not.toMatch(/does not reach this file/);
    }
    expect(compared).toBe(findings.filter((f) => f.kind !== 'directory').length);
    // The demo has findings whose reasons come from correlation: the case explain used to miss.
    expect(correlated).toBeGreaterThan(0);
  }, 300_000);

  test('every directory finding is the verdict of explain of its folder, and a folder without one is reported clean', async () => {
    const folders = findings.filter((f) => f.kind === 'directory');
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) {
      const report = await buildExplainReport({ file: path.join(DEMO_IMAGE, f.path), sigma: builtinSigmaRules() });
      expect([report.live, report.directory, report.size, report.fingerprint]).toEqual([true, true, null, null]);
      expect(report.times?.modified).toBe(f.times.modified);
      expect(judgement(report.verdict)).toEqual(judgement(f));
    }
    const clean = await buildExplainReport({ file: path.join(DEMO_IMAGE, 'Users', 'alice', 'Documents'), root: DEMO_IMAGE });
    expect([clean.directory, clean.verdict.level, clean.verdict.score, clean.inner, clean.whyNotHigher]).toEqual([true, 'info', 0, [], []]);
  }, 120_000);

  test('a file the scan does not reach (outside the hotspots) is scored on its own, and says so; --scope all reaches it', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'sh-explain-'));
    try {
      mkdirSync(path.join(root, 'Windows', 'System32'), { recursive: true });
      mkdirSync(path.join(root, 'Users', 'bob', 'Documents', 'Work'), { recursive: true });
      const file = path.join(root, 'Users', 'bob', 'Documents', 'Work', 'cup.tmp');
      copyFileSync(path.join(DEMO_IMAGE, 'Windows', 'Temp', 'cup.tmp'), file);
      const alone = await buildExplainReport({ file, root, scope: 'hotspots' });
      expect(alone.verdict.score).toBeGreaterThan(0);
      expect(alone.warnings.join('\n')).toMatch(/does not reach this file/);
      const all = await buildExplainReport({ file, root, scope: 'all' });
      expect(all.warnings.join('\n')).not.toMatch(/does not reach/);
      const scanned = (await scan({ roots: [root], os: 'auto', scope: 'all' })).findings.find((f) => f.path === 'Users/bob/Documents/Work/cup.tmp');
      expect(judgement(all.verdict)).toEqual(judgement(scanned!));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
