/**
 * Access to the shared real-world corpus (../shared/corpus) and to reference tools.
 * In CI (CI=true) a missing corpus or tool fails loudly; on a developer machine the tests
 * that need it are skipped with a visible notice.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from '@jest/globals';

export const CORPUS_DIR = path.resolve(process.cwd(), '..', 'shared', 'corpus');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export function corpusAvailable(): boolean {
  const ok = existsSync(path.join(CORPUS_DIR, 'MANIFEST.md'));
  if (!ok) {
    if (IN_CI) throw new Error(`corpus missing at ${CORPUS_DIR}: CI must have ../shared/corpus`);
    console.warn(`NOTICE: corpus not found at ${CORPUS_DIR}; corpus conformance tests are skipped`);
  }
  return ok;
}

export function corpusPath(...parts: string[]): string {
  return path.join(CORPUS_DIR, ...parts);
}

/** True when `tool` is on PATH. In CI a missing tool throws; elsewhere prints a notice. */
export function toolAvailable(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    return true;
  } catch {
    if (IN_CI) throw new Error(`reference tool '${tool}' is missing: .ci/run must install it`);
    console.warn(`NOTICE: reference tool '${tool}' not installed; tests needing it are skipped`);
    return false;
  }
}

/** Debian's python3 (its python3-* packages), not a pyenv shim's, when there is one. */
export const DEBIAN_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** True when Debian's python3 imports `module` (from the package `debianPackage`). In CI a missing one throws. */
export function pythonModuleAvailable(module: string, debianPackage: string): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', `import ${module}`], { stdio: 'pipe' });
    return true;
  } catch {
    if (IN_CI) throw new Error(`python module ${module} (${debianPackage}) is missing: .ci/run must install it`);
    console.warn(`NOTICE: python module ${module} (${debianPackage}) not installed; tests needing it are skipped`);
    return false;
  }
}

type TestBody = () => void | Promise<unknown>;

/**
 * `test` when `ready`, else a visible skip with the reason in its title: a test that needs a
 * corpus file, a reference tool or a capability must never pass by returning early. In CI the
 * readiness checks above throw instead, so a skip there means the capability, not the setup, is
 * missing (mknod, dropping privileges).
 */
export function testIf(ready: boolean, reason: string): (name: string, fn: TestBody, timeout?: number) => void {
  return ready ? (name, fn, timeout) => test(name, fn, timeout) : (name) => test.skip(`${name} [skipped: ${reason}]`, () => undefined);
}

/**
 * `describe` when `ready`, else one visible skipped test in its place: the suite's body is not run
 * (it usually reads the corpus while collecting its table).
 */
export function describeIf(ready: boolean, reason: string): (name: string, body: () => void) => void {
  return ready ? (name, body) => describe(name, body) : (name) => describe(name, () => test.skip(`every test [skipped: ${reason}]`, () => undefined));
}

export const CORPUS_MISSING = 'corpus missing at ../shared/corpus';
export const toolMissing = (tool: string): string => `reference tool ${tool} not installed`;
export const DIST_MISSING = 'dist/ not built (run npm run build)';
