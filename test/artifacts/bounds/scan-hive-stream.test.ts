/**
 * A scan streams a dense hive through the registry detectors (issue 10, registry/hive-pass.ts):
 * a 12 MiB hive of ~33,000 keys and ~100,000 values, scanned by the built CLI, peaks far below what
 * holding its records cost (measured in the child by the preloaded VmHWM probe, rss-probe.mjs), and
 * the findings are still there: a staged ZIP in a value among the dense keys, the WinRAR history.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeTree, runStagehunt, tempDir, type ScanJson } from '../../hazards/helpers.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { denseTree } from './dense-hive.js';

/** This hive's scan peaked at 220 MB with its records held (main at 309fa34), 157-162 MB streamed (docs/performance.md). */
const MAX_RSS_MB = 190;
const PROBE = pathToFileURL(path.join(process.cwd(), 'test', 'artifacts', 'bounds', 'rss-probe.mjs')).href;
const LEAVES = 33_000;

describe('a dense hive in a scan: streamed, bounded memory, same findings', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('hive-stream');
  });
  afterAll(() => {
    if (dir) removeTree(dir);
  });

  test(`a 12 MiB hive: peak RSS under ${MAX_RSS_MB} MB, the staged value and the WinRAR history found`, async () => {
    const root = path.join(dir, 'root');
    mkdirSync(path.join(root, 'Users', 'bob'), { recursive: true });
    const hive: Buffer = writeHive(denseTree(LEAVES));
    expect(hive.length).toBeGreaterThan(10 * 1024 * 1024);
    writeFileSync(path.join(root, 'Users', 'bob', 'NTUSER.DAT'), hive);
    const run = await runStagehunt(['scan', root, '--format', 'json', '--min-level', 'info', '--quiet', '--hash', 'none'], {
      timeoutMs: 240_000,
      wrap: ['env', `NODE_OPTIONS=--import=${PROBE}`],
    });
    expect(run.timedOut).toBe(false);
    const probe = /STAGEHUNT_MAXRSS_KB=(\d+) STAGEHUNT_CPU_MS=(\d+)/.exec(run.stderr);
    expect(probe).not.toBeNull();
    const report = JSON.parse(run.stdout) as Omit<ScanJson, 'findings'> & { findings: Array<{ key?: string; value?: string; reasons: Array<{ rule: string }> }> };
    // Parsed, not given up on (time budget or heap limit of the isolated worker).
    expect(report.errors.filter((e) => /ETIMEDOUT|ENOMEM|not parsed/.test(`${e.code ?? ''} ${e.message}`))).toEqual([]);
    const at = (key: string) => report.findings.filter((f) => f.key === key).map((f) => `${f.value}: ${f.reasons.map((r) => r.rule).join(',')}`);
    expect(at('Software\\group-20\\key-20500').join('\n')).toMatch(/^Payload: .*registry-value-embedded-file/);
    expect(at('Software\\WinRAR\\ArcHistory').join('\n')).toMatch(/^0: .*registry-archiver-history/);
    expect(Number(probe![1]) / 1024).toBeLessThan(MAX_RSS_MB);
  }, 300_000);
});
