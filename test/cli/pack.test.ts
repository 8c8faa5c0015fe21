/**
 * Packaging (issue 16): `npm pack` builds through the `prepare` script (dist/ is not committed),
 * the tarball holds the built CLI, and installing it into a fresh global prefix gives a working
 * `stagehunt --help` and `-V`. Installing fetches the dependencies, so the test runs only when the
 * npm registry answers (a visible skip offline). It packs a copy of the sources (node_modules linked):
 * `prepare` rebuilds dist/ from scratch, and the tests running beside it use the repository's dist/.
 */
import { expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testIf } from '../helpers/corpus.js';

function registryReachable(): boolean {
  const r = spawnSync('npm', ['ping', '--silent'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0;
}

testIf(registryReachable(), 'npm registry not reachable (install needs the dependencies)')(
  'npm pack, then npm install -g of the tarball into a temp prefix: stagehunt --help and -V work',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sh-pack-'));
    try {
      // What `prepare` (the build, its code cache made from a scan of the demo) and the package read.
      const repo = path.join(dir, 'repo');
      for (const p of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'bin', 'scripts', 'man', 'fixtures']) cpSync(path.join(process.cwd(), p), path.join(repo, p), { recursive: true });
      symlinkSync(path.join(process.cwd(), 'node_modules'), path.join(repo, 'node_modules'));
      const pack = spawnSync('npm', ['pack', '--pack-destination', dir, '--silent'], { encoding: 'utf8', timeout: 300_000, cwd: repo });
      expect(pack.status).toBe(0);
      const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      expect(tarball).toBeDefined();
      const list = spawnSync('tar', ['tzf', path.join(dir, tarball!)], { encoding: 'utf8' });
      expect(list.stdout).toMatch(/^package\/dist\/cli\/main\.js$/m);
      expect(list.stdout).toMatch(/^package\/bin\/stagehunt\.js$/m);
      const prefix = path.join(dir, 'prefix');
      const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, path.join(dir, tarball!), '--no-audit', '--no-fund', '--prefer-offline'], { encoding: 'utf8', timeout: 300_000 });
      expect([install.status, install.stderr.slice(-400)]).toEqual([0, expect.any(String)]);
      const bin = path.join(prefix, 'bin', 'stagehunt');
      const help = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 60_000 });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/stagehunt scan \[roots\.\.\.\]/);
      expect(spawnSync(bin, ['-V'], { encoding: 'utf8' }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  600_000,
);
