/**
 * The findings-heavy bench tree (issue 17), scaled down to 4,000 files: archives, renamed
 * archives, random blobs and a Recycle Bin of $I/$R pairs plus a 1,000-record INFO2, about 2,400
 * findings. The built CLI scans it end to end and every generated piece of staging evidence is
 * counted back from the report. (The 100,000-file version is `npm run bench`; at that size the
 * timeline once overflowed the call stack and the episodes stage was quadratic.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

interface Manifest { files: number; byKind: Record<string, number>; info2Records: number }
interface Report {
  summary: { findings: number; shown: number };
  findings: Array<{ id: string; path: string; kind: string; level: string; originalPath?: string; reasons: Array<{ rule: string }>; details?: { summarised?: { rule: string; folded: number; kept: number } } }>;
  timeline: unknown[];
  errors: unknown[];
  episodes: unknown[];
}

describe('findings-heavy tree, scaled down', () => {
  let dir: string;
  let manifest: Manifest;
  let report: Report;
  let status: number | null;

  beforeAll(async () => {
    dir = tempDir('findings-heavy');
    const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate(a: Record<string, unknown>, log?: (m: string) => void): Manifest };
    manifest = generate({ out: path.join(dir, 'tree'), files: 4000, uniform: 0, seed: 7401, force: true, profile: 'findings' }, () => undefined);
    // Every finding one by one (--keep-all-low): the counts below need each; folding is tested at the end.
    const r = runCli(['scan', path.join(dir, 'tree'), '--scope', 'all', '--min-level', 'info', '--keep-all-low', '--format', 'json', '--quiet', '--output', path.join(dir, 'scan.json')], { timeoutMs: 150_000 });
    status = r.status;
    report = JSON.parse(readFileSync(path.join(dir, 'scan.json'), 'utf8')) as Report;
  }, 240_000);
  afterAll(() => removeTree(dir));

  const kindOf = (p: string): string | null => /^([a-z0-9]+)-[0-9a-z]+\.[a-z0-9]+$/.exec(p.slice(p.lastIndexOf('/') + 1))?.[1] ?? null;

  test('completes with thousands of findings, no errors, and a timeline and episodes', () => {
    expect(status).toBe(0);
    expect(manifest.files).toBe(4000);
    expect(report.summary.findings).toBeGreaterThan(2000);
    expect(report.summary.shown).toBe(report.summary.findings);
    expect(report.errors).toEqual([]);
    expect(report.timeline.length).toBeGreaterThan(report.summary.findings);
    expect(report.episodes.length).toBeGreaterThan(0);
  });

  test('every archive, renamed archive and large blob generated is a finding', () => {
    const counts = new Map<string, number>();
    for (const f of report.findings) {
      const k = f.kind === 'file' ? kindOf(f.path) : null;
      if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const kind of ['zip', '7z', 'rar', 'enc7z', 'renamed', 'bigzip', 'bigblob']) expect([kind, counts.get(kind) ?? 0]).toEqual([kind, manifest.byKind[kind] ?? 0]);
  });

  test('the Recycle Bin: every deleted archive, from INFO2 and from $I records, is a finding', () => {
    const records = report.findings.filter((f) => f.kind === 'recycle-bin');
    const info2 = records.filter((f) => f.path.endsWith('/INFO2'));
    // Three of four INFO2 records name an archive (.rar, .zip, .7z; the fourth a .doc).
    expect(info2).toHaveLength((manifest.info2Records * 3) / 4);
    const dollarI = records.filter((f) => /\/\$I[^/]+$/.test(f.path));
    const archivesDeleted = dollarI.filter((f) => /\.(zip|rar|7z)$/.test(f.originalPath ?? ''));
    const pairs = manifest.byKind['recycle-bin-$I']!;
    // $I records cycle through docx, xlsx, pdf, zip, rar, 7z, dat: three of seven are archives.
    expect(archivesDeleted.length).toBe(Array.from({ length: pairs }, (_, i) => i % 7 >= 3 && i % 7 <= 5).filter(Boolean).length);
    expect(dollarI.length).toBeLessThanOrEqual(pairs);
  });
  // Issue 17: the default scan folds low/info findings beyond 50 per rule and directory (the INFO2
  // records and the Recycle Bin's $I records are the large groups here) and changes nothing else.
  test('the default scan folds what is beyond the cap, and only that', () => {
    const r = runCli(['scan', path.join(dir, 'tree'), '--scope', 'all', '--min-level', 'info', '--format', 'json', '--quiet', '--output', path.join(dir, 'folded.json')], { timeoutMs: 150_000 });
    expect(r.status).toBe(0);
    const folded = JSON.parse(readFileSync(path.join(dir, 'folded.json'), 'utf8')) as Report;
    const summaries = folded.findings.filter((f) => f.kind === 'summary');
    expect(summaries.length).toBeGreaterThan(0);
    const dirOf = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/')));
    const group = (f: Report['findings'][number]): string => `${dirOf(f.path)} ${f.reasons[0]!.rule}`;
    const foldable = (f: Report['findings'][number]): boolean => f.level === 'low' || f.level === 'info';
    const allIds = new Set(report.findings.map((f) => f.id));
    const kept = folded.findings.filter((f) => f.kind !== 'summary');
    // Everything listed is a finding of the full scan; nothing medium or above is missing.
    expect(kept.filter((f) => !allIds.has(f.id))).toEqual([]);
    const keptIds = new Set(kept.map((f) => f.id));
    expect(report.findings.filter((f) => !foldable(f) && !keptIds.has(f.id))).toEqual([]);
    // Each summary accounts exactly for its group: kept + folded = the full scan's count.
    let foldedTotal = 0;
    for (const s of summaries) {
      const info = s.details!.summarised!;
      const key = `${s.path} ${info.rule}`;
      const full = report.findings.filter((f) => foldable(f) && group(f) === key).length;
      const listed = kept.filter((f) => foldable(f) && group(f) === key).length;
      expect([key, listed, listed + info.folded]).toEqual([key, info.kept, full]);
      foldedTotal += info.folded;
    }
    expect(kept.length + foldedTotal).toBe(report.findings.length);
    expect(folded.timeline.length).toBeLessThan(report.timeline.length);
  }, 200_000);
});
