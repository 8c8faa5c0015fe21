/**
 * Worker threads start under any way of running the CLI (src/util/new-worker.ts): `--input-type`
 * (only for code given on the command line) is not passed on to them, and V8 options beside it
 * (which Node refuses in an explicit list) do not stop them either. Before, `node
 * --input-type=module -e "import(...)"` left every file of the isolated parser worker (hives,
 * shell histories) unparsed, with an error.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { workerExecArgv } from '../../src/util/new-worker.js';
import { BIN, ensureDemoImage, runCli } from '../helpers/cli.js';

interface Report { errors: unknown[]; findings: Array<{ id: string; path: string; level: string; score: number; reasons: Array<{ rule: string }> }> }

/** What the scan found, without times: other tests read the shared demo meanwhile and move its access times. */
function found(stdout: string): { errors: unknown[]; findings: string[] } {
  const r = JSON.parse(stdout) as Report;
  return { errors: r.errors, findings: r.findings.map((f) => `${f.id} ${f.path} ${f.level} ${f.score} ${f.reasons.map((x) => x.rule).join(',')}`) };
}

describe('the options worker threads are started with', () => {
  test('inherited, unless --input-type (in either form) must be left out', () => {
    expect(workerExecArgv(['--expose-gc', '--max-old-space-size=4096'])).toBeUndefined();
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(['--input-type=module', '-e', 'x', '--max-old-space-size=4096'])).toEqual(['-e', 'x', '--max-old-space-size=4096']);
    expect(workerExecArgv(['--input-type', 'commonjs', '--expose-gc'])).toEqual(['--expose-gc']);
  });

  test('the demo scanned from `node --input-type=module -e`, with and without a V8 option, finds what the CLI finds', async () => {
    const demo = await ensureDemoImage();
    const direct = runCli(['scan', demo, '-f', 'json', '-q']);
    const want = found(direct.stdout);
    expect(want.errors).toEqual([]);
    // The demo has a hive and a PowerShell history: files of the isolated worker.
    expect(want.findings.some((f) => /UsrClass\.dat|NTUSER\.DAT|ConsoleHost_history/i.test(f))).toBe(true);
    const script = `process.argv.splice(1, 0, 'stagehunt'); await import(${JSON.stringify(pathToFileURL(BIN).href)});`;
    for (const v8Options of [[], ['--expose-gc']]) {
      const evaluated = spawnSync(process.execPath, [...v8Options, '--input-type=module', '-e', script, 'scan', demo, '-f', 'json', '-q'], {
        encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024,
      });
      expect([v8Options, evaluated.status]).toEqual([v8Options, direct.status]);
      expect([v8Options, found(evaluated.stdout)]).toEqual([v8Options, want]);
    }
  }, 120_000);
});
