/**
 * docs/ci-and-fleet.md's runnable example: scripts/fleet-scan.sh over a folder of collections from
 * three "hosts": a Velociraptor offline-collector ZIP of the demo image, the demo image as an
 * extracted directory, and a broken upload. Each host gets its JSON, HTML and stderr, a summary
 * line with its exit code; the script's exit code says a scan failed (2).
 */
import { beforeAll, describe, expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_IMAGE, ensureDemoImage, ROOT } from '../helpers/cli.js';
import { testIf, toolAvailable } from '../helpers/corpus.js';

beforeAll(async () => {
  await ensureDemoImage();
});

describe('fleet-scan.sh over collections from several hosts', () => {
  testIf(toolAvailable('zip'), 'zip not installed')('scans each collection, keeps stderr and exit codes, and summarises', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'sh-fleet-'));
    const collections = path.join(base, 'collections');
    const out = path.join(base, 'out');
    mkdirSync(collections);
    // A Velociraptor offline collector's layout: uploads/auto/C%3A/...
    const stage = path.join(base, 'stage');
    mkdirSync(path.join(stage, 'uploads', 'auto'), { recursive: true });
    execFileSync('cp', ['-a', DEMO_IMAGE, path.join(stage, 'uploads', 'auto', 'C%3A')]);
    execFileSync('zip', ['-qr', '-X', path.join(collections, 'Collection-WS01.zip'), 'uploads'], { cwd: stage });
    execFileSync('cp', ['-a', DEMO_IMAGE, path.join(collections, 'ws02')]);
    writeFileSync(path.join(collections, 'ws03.zip'), 'not a zip');
    const r = spawnSync('sh', [path.join(ROOT, 'scripts', 'fleet-scan.sh'), collections, out], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status).toBe(2);
    const rows = readFileSync(path.join(out, 'summary.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['host', 'exit', 'verdict', 'findings', 'highest']);
    const byHost = new Map(rows.slice(1).map((row) => [row[0], row]));
    expect(byHost.get('Collection-WS01')!.slice(1, 2)).toEqual(['1']);
    expect(byHost.get('Collection-WS01')![4]).toBe('critical');
    expect(byHost.get('ws02')![1]).toBe('1');
    expect(byHost.get('ws02')![3]).toBe(byHost.get('Collection-WS01')![3]);
    expect(byHost.get('ws03')![1]).toBe('2');
    expect(byHost.get('ws03')![2]).toMatch(/^scan failed: stagehunt: /);
    for (const host of ['Collection-WS01', 'ws02']) {
      const report = JSON.parse(readFileSync(path.join(out, `${host}.json`), 'utf8'));
      expect(report.meta.case.id).toBe('fleet collections');
      expect(existsSync(path.join(out, `${host}.html`))).toBe(true);
    }
  }, 320_000);
});
