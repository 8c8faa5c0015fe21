/**
 * One folder with many files (issue 18 item 9, issue 17): the per-directory stage (burst rule,
 * sibling listings) was super-quadratic: 10,000 files in one directory took 4 s, 20,000 took 40 s.
 * The same 12,000 files in one directory and spread over 125 directories must now cost about the
 * same; every file has the same mtime and the types vary, the worst case for the burst window.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { cpuClock } from '../helpers/cpu.js';

const FILES = 12_000;
const EXTS = ['docx', 'pdf', 'txt', 'jpg', 'xlsx', 'csv'];
const T = Date.UTC(2024, 5, 1, 12) / 1000;

function makeTree(root: string, dirs: number): void {
  for (let d = 0; d < dirs; d++) mkdirSync(path.join(root, 'Windows', 'Temp', 'big', dirs === 1 ? '' : `d${d}`), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const file = path.join(root, 'Windows', 'Temp', 'big', dirs === 1 ? '' : `d${i % dirs}`, `doc-${i}.${EXTS[i % EXTS.length]}`);
    writeFileSync(file, `collected line ${i}\n`);
    utimesSync(file, T, T);
  }
}

async function timedScan(root: string): Promise<{ ms: number; bursts: Array<{ path: string; details?: { burst?: { count: number } } }> }> {
  const started = cpuClock();
  const report = await scan({ roots: [root], os: 'windows', scope: 'all', minLevel: 'info' });
  const ms = started();
  return { ms, bursts: report.findings.filter((f) => f.reasons.some((r) => r.rule === 'staging-burst')) as never };
}

describe('12,000 files in one directory', () => {
  let one: string;
  let spread: string;
  beforeAll(() => {
    one = tempDir('one-dir');
    spread = tempDir('spread-dirs');
    makeTree(one, 1);
    makeTree(spread, 125);
  }, 120_000);
  afterAll(() => {
    removeTree(one);
    removeTree(spread);
  });

  test('cost about what the same files over 125 directories cost, and read as one burst', async () => {
    const a = await timedScan(spread);
    const b = await timedScan(one);
    expect(a.bursts).toHaveLength(125);
    expect(b.bursts).toHaveLength(1);
    expect(b.bursts[0]!.details!.burst!.count).toBe(FILES);
    // Linear: the quadratic rule took ten times as long in one directory (40 s against 4 s).
    expect(b.ms).toBeLessThan(2 * a.ms + 2000);
  }, 180_000);
});
