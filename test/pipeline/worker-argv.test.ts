/**
 * Worker threads start under any way of running the CLI: `--input-type` (only for code given on
 * the command line) is not passed on to them. Before, `node --input-type=module -e "import(...)"`
 * left every file of the isolated parser worker (hives, shell histories) unparsed, with an error.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { workerExecArgv } from '../../src/util/worker-argv.js';
import { BIN, ensureDemoImage, normalizeVolatile, runCli } from '../helpers/cli.js';

describe('the options worker threads are started with', () => {
  test('the process options without --input-type, in either form', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'x', '--max-old-space-size=4096'])).toEqual(['-e', 'x', '--max-old-space-size=4096']);
    expect(workerExecArgv(['--input-type', 'commonjs', '--expose-gc'])).toEqual(['--expose-gc']);
    expect(workerExecArgv(['--heap-growing-percent=30'])).toEqual(['--heap-growing-percent=30']);
    expect(workerExecArgv([])).toEqual([]);
  });

  test('the demo scanned from `node --input-type=module -e` gives the report of the CLI', async () => {
    const demo = await ensureDemoImage();
    const direct = runCli(['scan', demo, '-f', 'json', '-q']);
    const evaluated = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `process.argv.splice(1, 0, 'stagehunt'); await import(${JSON.stringify(pathToFileURL(BIN).href)});`, 'scan', demo, '-f', 'json', '-q'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(direct.status).toBe(evaluated.status);
    const report = (text: string): { errors: unknown[]; findings: unknown[] } => {
      const r = JSON.parse(normalizeVolatile(text)) as { meta: Record<string, unknown>; errors: unknown[]; findings: unknown[] };
      delete r.meta.command;
      delete r.meta.durationMs;
      return r;
    };
    const viaEval = report(evaluated.stdout);
    expect(viaEval.errors).toEqual([]);
    expect(viaEval.findings.length).toBeGreaterThan(0);
    expect(viaEval).toEqual(report(direct.stdout));
  }, 120_000);
});
