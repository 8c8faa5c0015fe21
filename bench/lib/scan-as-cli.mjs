// In-process scans as `stagehunt scan ROOT --scope all --format json` runs them (its default options
// and rules), for the bench tools that scan inside their own process (heap-scan.mjs, warm-scans.mjs):
// one place for what the CLI passes to the pipeline's scan().
import path from 'node:path';

/**
 * A function scanning one root as the CLI would, from the build in `dist`; `hash` is --hash's mode,
 * `more` any further ScanOptions (progress, read-ahead, isolation).
 */
export async function scanAsCli(dist) {
  const { scan } = await import(path.join(dist, 'pipeline/scan.js'));
  const { loadSigma } = await import(path.join(dist, 'cli/sigma.js'));
  const { LIMITS } = await import(path.join(dist, 'util/limits.js'));
  const sigma = loadSigma([], { quiet: true, verbose: false });
  return (root, { hash = 'findings', ...more } = {}) =>
    scan({
      roots: [root],
      os: 'auto',
      scope: 'all',
      minLevel: 'low',
      foldLowAfter: LIMITS.foldLowFindingsAfter,
      sigma,
      hash: { mode: hash, algorithms: ['sha256'], maxSize: 4 * 1024 ** 3 },
      ...more,
    });
}
