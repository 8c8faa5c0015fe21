/**
 * Issue 18, items 5-8, 10, 11 end to end: each hostile artifact, built by
 * fixtures/lib/hostile-inputs.mjs at the size, alone in a root scanned by the built CLI
 * (`scan --scope all --format json`). The scan must take at most 10 s of CPU and 300 MB of peak
 * RSS (measured in the child by a preloaded probe; CPU time, not wall time, because the suite
 * shares 2 cores with other work: wall time is only held to the 60 s hard timeout) and say
 * what it left out.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeTree, runStagehunt, tempDir, type ScanJson } from '../../hazards/helpers.js';
import {
  makeAliasedValuesHive, makeAmplified7z, makeContinuedHistory, makeDeepLongKeysHive, makePaxGlobalTar, writeSparseInfo2,
} from '../../../fixtures/lib/hostile-inputs.mjs';

const SECONDS = 10;
const MAX_RSS_MB = 300;
const PROBE = pathToFileURL(path.join(process.cwd(), 'test', 'artifacts', 'bounds', 'rss-probe.mjs')).href;

interface Case {
  title: string;
  file: string;
  write: (file: string) => void;
  /** A warning the report must carry for the file (what was left out). */
  warning: RegExp;
}

const CASES: Case[] = [
  { title: 'item 5: tar, 1 MiB pax global header of 100,000 keys, 1,000 entries', file: 'keys.tar', write: (f) => writeFileSync(f, makePaxGlobalTar({ keys: 100_000, entries: 1_000 })), warning: /./ },
  {
    title: 'item 5: tar, 1 MiB global path= inherited by 200,000 entries',
    file: 'path.tar',
    write: (f) => writeFileSync(f, makePaxGlobalTar({ keys: 0, globalPathBytes: (1 << 20) - 64, entries: 200_000 })),
    warning: /names exceed \d+ bytes in total/,
  },
  { title: 'item 6: regf, 118 KB hive aliasing one 64 MiB value 20,000 times', file: 'NTUSER.DAT', write: (f) => writeFileSync(f, makeAliasedValuesHive({ repeats: 20_000 })), warning: /aliased/ },
  { title: 'item 7: regf, 520 nested keys with 16,000-byte names', file: 'SOFTWARE', write: (f) => writeFileSync(f, makeDeepLongKeysHive()), warning: /subtree not read/ },
  { title: 'item 8: sparse 800 MB INFO2', file: 'INFO2', write: (f) => writeSparseInfo2(f), warning: /record slots exceed the limit/ },
  { title: 'item 10: zsh history, 20,000 lines ending in a backslash', file: '.zsh_history', write: (f) => writeFileSync(f, makeContinuedHistory('zsh', 20_000)), warning: /continued command/ },
  {
    title: 'item 10: PSReadLine history, 100,000 lines ending in a backtick',
    file: 'ConsoleHost_history.txt',
    write: (f) => writeFileSync(f, makeContinuedHistory('powershell', 100_000)),
    warning: /continued command/,
  },
  { title: 'item 11: 7z, LZMA-packed header of zero padding declaring 200,000 files', file: 'amp.7z', write: (f) => writeFileSync(f, makeAmplified7z()), warning: /on-disk header bytes/ },
];

describe('hostile artifacts: each scan ends within 10 s and 300 MB', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('bounds');
  });
  afterAll(() => {
    if (dir) removeTree(dir);
  });

  test.each(CASES.map((c) => [c.title, c] as const))('%s', async (_title, c) => {
    const root = path.join(dir, c.file.replace(/^\./, 'dot'));
    mkdirSync(root);
    c.write(path.join(root, c.file));
    const run = await runStagehunt(['scan', root, '--scope', 'all', '--format', 'json', '--min-level', 'info', '--quiet', '--hash', 'none'], {
      timeoutMs: 60_000,
      wrap: ['env', `NODE_OPTIONS=--import=${PROBE}`],
    });
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(0);
    const probe = /STAGEHUNT_MAXRSS_KB=(\d+) STAGEHUNT_CPU_MS=(\d+)/.exec(run.stderr);
    expect(probe).not.toBeNull();
    const report = JSON.parse(run.stdout) as ScanJson;
    expect(report.meta.roots[0]!.filesScanned).toBe(1);
    const warnings = report.errors.filter((e) => e.path === c.file).map((e) => e.message);
    expect(warnings.join('\n')).toMatch(c.warning);
    expect(Number(probe![1]) / 1024).toBeLessThan(MAX_RSS_MB);
    expect(Number(probe![2])).toBeLessThan(SECONDS * 1000);
  });
});
