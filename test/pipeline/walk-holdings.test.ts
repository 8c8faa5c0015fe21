/**
 * A root's walk holdings are released once it is scored (src/pipeline/scan.ts releaseWalkHoldings,
 * docs/performance.md "A root's walk holdings released once it is scored"): its candidates, and
 * after hashing the entries kept to reopen the files behind findings. The last root's state stays
 * reachable from scan()'s frame until the scan returns, so whatever it still holds is live through
 * the episodes and the writer, where the peak RSS is.
 *
 * Measured in a fresh process (`--expose-gc`) on the built module (`npm test` builds first): heap
 * snapshots when the root is about to be scored (the probe must see the holdings there) and at the
 * scan's last clock reading (after hashing and the episodes).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';

const BUILT = path.join(ROOT, 'dist', 'pipeline', 'scan.js');
const BLOBS = 40;
/** Files of the folder outside the hotspots into which a history's name is followed. */
const FOLDER_FILES = 3000;

interface Counts {
  /** Strings equal to a kept entry's path ('/Users/Public/blob-N.7z'; findings name files without the leading '/'). */
  entryPaths: number;
  /** Objects with a `hits` property: candidates (findings carry `reasons`). */
  withHits: number;
  /** Strings equal to a name of the followed folder's files ('f-N.txt'): its lookup index. */
  folderNames: number;
}

function run(hash: 'findings' | 'none', followed = false): { findings: number; hashed: number; beforeScoring: Counts; atEnd: Counts } {
  const script = `
    import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import path from 'node:path';
    import v8 from 'node:v8';
    import { scan } from ${JSON.stringify(pathToFileURL(BUILT).href)};
    const root = mkdtempSync(path.join(tmpdir(), 'sh-holdings-'));
    mkdirSync(path.join(root, 'Users', 'Public'), { recursive: true });
    let seed = 7;
    const noise = (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; b[i] = seed & 255; } return b; };
    for (let i = 0; i < ${BLOBS}; i++) writeFileSync(path.join(root, 'Users', 'Public', 'blob-' + i + '.7z'), noise(8192));
    if (${followed}) {
      // A folder the hotspot scope does not walk, and a PowerShell history naming a file in it: the name is followed by a lookup.
      mkdirSync(path.join(root, 'Data', 'big'), { recursive: true });
      for (let i = 0; i < ${FOLDER_FILES}; i++) writeFileSync(path.join(root, 'Data', 'big', 'f-' + i + '.txt'), 'x');
      const psr = path.join(root, 'Users', 'alice', 'AppData', 'Roaming', 'Microsoft', 'Windows', 'PowerShell', 'PSReadLine');
      mkdirSync(psr, { recursive: true });
      writeFileSync(path.join(psr, 'ConsoleHost_history.txt'), '7z a C:\\\\Users\\\\Public\\\\out.7z C:\\\\Data\\\\big\\\\f-0.txt\\n');
    }
    function counts() {
      globalThis.gc();
      const file = path.join(tmpdir(), 'sh-holdings-' + process.pid + '.heapsnapshot');
      v8.writeHeapSnapshot(file);
      const s = JSON.parse(readFileSync(file, 'utf8'));
      rmSync(file);
      const m = s.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length, types = m.node_types[0], etypes = m.edge_types[0];
      const iT = m.node_fields.indexOf('type'), iN = m.node_fields.indexOf('name'), iE = m.node_fields.indexOf('edge_count');
      const eT = m.edge_fields.indexOf('type'), eN = m.edge_fields.indexOf('name_or_index');
      let entryPaths = 0, withHits = 0, folderNames = 0, e = 0;
      for (let n = 0; n < s.nodes.length; n += nf) {
        const t = types[s.nodes[n + iT]];
        if (t === 'string' && /^\\/Users\\/Public\\/blob-\\d+\\.7z$/.test(s.strings[s.nodes[n + iN]])) entryPaths++;
        if (t === 'string' && /^f-\\d+\\.txt$/.test(s.strings[s.nodes[n + iN]])) folderNames++;
        let hits = false;
        for (let k = s.nodes[n + iE]; k > 0; k--, e += ef) if (etypes[s.edges[e + eT]] === 'property' && s.strings[s.edges[e + eN]] === 'hits') hits = true;
        if (t === 'object' && hits) withHits++;
      }
      return { entryPaths, withHits, folderNames };
    }
    let beforeScoring = null, atEnd = null, clock = 0;
    const report = await scan({
      roots: [root], os: 'auto', scope: ${JSON.stringify(followed ? 'hotspots' : 'all')},
      hash: { mode: ${JSON.stringify(hash)}, algorithms: ['sha256'], maxSize: 1e12 },
      onProgress: (p) => { if (p.phase === 'correlate') beforeScoring = counts(); },
      // Read at the start and once more when the report is assembled, after hashing and the episodes.
      now: () => { if (++clock === 2) atEnd = counts(); return new Date(0); },
    });
    rmSync(root, { recursive: true });
    process.stdout.write(JSON.stringify({ findings: report.findings.length, hashed: report.findings.filter((f) => f.hashes).length, beforeScoring, atEnd }));
  `;
  // A script file with --expose-gc (not -e): the probe is an ES module, and its worker threads inherit --expose-gc as they start.
  const dir = mkdtempSync(path.join(tmpdir(), 'sh-holdings-script-'));
  const file = path.join(dir, 'probe.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--expose-gc', file], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
  rmSync(dir, { recursive: true, force: true });
  expect([r.status, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout) as { findings: number; hashed: number; beforeScoring: Counts; atEnd: Counts };
}

describe("a root's walk holdings are released once it is scored", () => {
  test('the module is built (npm test builds before jest)', () => {
    expect(existsSync(BUILT)).toBe(true);
  });

  test('default hashing: the candidates and the entries kept for hashing are gone by the end of the scan', () => {
    const r = run('findings');
    // The random blobs named .7z are findings at medium or above, so each file is hashed.
    expect(r.findings).toBeGreaterThanOrEqual(BLOBS - 2);
    expect(r.hashed).toBe(r.findings);
    // Before scoring the probe sees them: one kept entry and one candidate per finding.
    expect(r.beforeScoring.entryPaths).toBeGreaterThanOrEqual(r.hashed);
    expect(r.beforeScoring.withHits).toBeGreaterThanOrEqual(r.findings);
    expect(r.atEnd.entryPaths).toBe(0);
    expect(r.atEnd.withHits).toBeLessThan(5);
  });

  test('--hash none: no entry is kept at all, and the candidates are gone by the end', () => {
    const r = run('none');
    expect(r.hashed).toBe(0);
    expect(r.beforeScoring.entryPaths).toBe(0);
    expect(r.beforeScoring.withHits).toBeGreaterThanOrEqual(r.findings);
    expect(r.atEnd.withHits).toBeLessThan(5);
  });

  test("a name followed into a folder the walk did not enter: the folder's lookup index is let go by the end", () => {
    const r = run('findings', true);
    // The history's archive command names a file there: it is inspected by following the name.
    expect(r.findings).toBeGreaterThanOrEqual(BLOBS - 2);
    expect(r.beforeScoring.folderNames).toBeGreaterThanOrEqual(FOLDER_FILES);
    expect(r.atEnd.folderNames).toBeLessThan(10);
  });
});
