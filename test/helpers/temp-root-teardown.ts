/** Jest's globalTeardown: removes the run's temporary directory (temp-root-setup.ts). */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

export default function teardown(): void {
  const dir = process.env.STAGEHUNT_TEST_TMPDIR;
  if (!dir || !path.basename(dir).startsWith('sh-jest-')) return;
  // Permission tests leave 000 modes behind; rm(1) also removes paths longer than PATH_MAX.
  spawnSync('chmod', ['-R', 'u+rwx', dir]);
  if (spawnSync('rm', ['-rf', dir]).status !== 0) rmSync(dir, { recursive: true, force: true });
}
