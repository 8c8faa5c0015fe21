/**
 * The CLI's last guard (src/cli/errors.ts failIfUnfinished): a process whose event loop empties
 * while its command is still waiting ends with exit code 2 and one line, never with 0 and no
 * report (a scan awaiting a worker that was never kept alive did exactly that: exit 0, no output).
 */
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeIf, DIST_MISSING } from '../helpers/corpus.js';

const ERRORS = path.resolve('dist/cli/errors.js');

function run(body: string): { status: number | null; stderr: string } {
  const script = `import { failIfUnfinished } from ${JSON.stringify(pathToFileURL(ERRORS).href)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr };
}

describeIf(existsSync(ERRORS), DIST_MISSING)('a command that stops before it finishes', () => {
  test('exit code 2 and one line when nothing is left to wait for', () => {
    const r = run('let finished = false;\nfailIfUnfinished(() => finished);\nawait new Promise(() => undefined);\nfinished = true;');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('stagehunt: fatal: internal error: the command stopped before it finished (nothing was left for it to wait for); its output may be missing\n');
  });

  test('a command that finished ends as it chose, also with work left after it (an output flushed later)', () => {
    const r = run('let finished = false;\nfailIfUnfinished(() => finished);\nawait new Promise((r) => setTimeout(r, 20));\nfinished = true;\nsetTimeout(() => { process.exitCode = 1; }, 20);');
    expect(r).toEqual({ status: 1, stderr: '' });
  });
});

