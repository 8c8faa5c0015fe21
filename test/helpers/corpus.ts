/**
 * Access to the shared real-world corpus (../shared/corpus) and to reference tools.
 * In CI (CI=true) a missing corpus or tool fails loudly; on a developer machine the tests
 * that need it are skipped with a visible notice.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

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
