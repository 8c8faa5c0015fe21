/**
 * Bench tools that say where a scan's time goes (docs/performance.md "Cost per file kind"):
 * bench/lib/head-floor.mjs (the least pass over the heads no magic settles, part of the bench's
 * floor of any Node scan) must sort heads into settled by magic, text and binary as their bytes
 * say; bench/kinds.mjs must inspect every kind of a tree and weigh it by the tree's own counts;
 * bench/lib/node-floor.mjs (Node's read floor) must read every file's head; bench/lib/warm-scans.mjs
 * (the one-time costs behind the linearity rows) must scan each root once cold and then in rounds
 * with and without the read-ahead worker, to the same findings each time.
 * Counts, not times (times are the bench's business).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { xorshiftBytes as noise } from '../helpers/random.js';

function runNode(script: string, args: string[]): string {
  const r = spawnSync(process.execPath, [path.resolve(script), ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

describe('bench tools: head floor and cost per kind', () => {
  let dir: string;
  let headBytes = 0;

  beforeAll(() => {
    dir = tempDir('bench-floors');
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    const files: Array<[string, Buffer]> = [
      ['a/photo.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise(5000, 1)])],
      ['a/tool.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500)])],
      ['a/notes.txt', Buffer.from('meeting notes\r\nnext steps: collect the reports\n'.repeat(40))],
      ['a/b/utf8.log', Buffer.from('Grüße aus Köln – 2024-05-01 12:00:00 INFO ok\n'.repeat(30))],
      ['a/b/blob.dat', noise(4096, 7)],
      ['a/b/utf16.txt', Buffer.from('\ufeffhello', 'utf16le')],
      // 1,366 three-byte characters fill 4,098 bytes: the 4,100-byte head ends two bytes into the next one, which still reads as text.
      ['a/b/cjk.md', Buffer.from('中'.repeat(1400), 'utf8')],
      ['a/b/empty.bin', Buffer.alloc(0)],
    ];
    for (const [rel, data] of files) writeFileSync(path.join(dir, rel), data);
    headBytes = files.reduce((sum, [, data]) => sum + Math.min(4096, data.length), 0);
  });
  afterAll(() => removeTree(dir));

  test('head-floor: magic settles the JPEG, the PE and the empty file; the three texts pass the text check (one cut inside a character); the blob and the UTF-16 text need a histogram', () => {
    const got = JSON.parse(runNode('bench/lib/head-floor.mjs', [dir]).trim().split('\n').pop()!) as Record<string, number>;
    expect(got.files).toBe(8);
    expect([got.settledByMagic, got.textPasses, got.histograms]).toEqual([3, 3, 2]);
    expect(got.seconds).toBeGreaterThanOrEqual(0);
  });

  test("node-floor: every regular file of the tree opened through its directory's handle, its first 4 KiB read", () => {
    expect(runNode('bench/lib/node-floor.mjs', [dir]).trim()).toBe(`8 files ${headBytes} bytes`);
  });

  test('kinds: one row per extension with the tree\'s counts, and the sum over them', () => {
    const out = runNode('bench/kinds.mjs', [dir, '--per-kind', '1', '--rounds', '2']);
    const rows = out.split('\n').filter((l) => /^\| [a-z(]/.test(l) && !l.startsWith('| kind'));
    const counts = Object.fromEntries(rows.map((l) => l.split('|').map((c) => c.trim())).map((c) => [c[1], [Number(c[2]), Number(c[3])]]));
    expect(counts).toEqual({ jpg: [1, 1], exe: [1, 1], txt: [2, 1], log: [1, 1], dat: [1, 1], bin: [1, 1], md: [1, 1] });
    expect(out).toMatch(/^8 files in the tree: [\d.]+ s of inspection in all/m);
  });

  test('warm-scans: the first root once cold, then every root in each round with the read-ahead worker on standby (as the CLI starts it) and without it, the same findings each time', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const got = JSON.parse(runNode('bench/lib/warm-scans.mjs', ['--rounds', '2', dir, empty]).trim()) as {
      cold: { root: string; wall: number; findings: number; standby: boolean };
      runs: Record<string, { readAhead: Array<{ wall: number; cpu: number; findings: number; standby: boolean }>; none: Array<{ findings: number; standby: boolean }> }>;
    };
    expect(got.cold.root).toBe(dir);
    expect(got.cold.findings).toBeGreaterThan(0); // the random blob, at least
    expect(Object.keys(got.runs).sort()).toEqual([dir, empty].sort());
    const findings = (root: string): number[] => [...got.runs[root]!.readAhead, ...got.runs[root]!.none].map((r) => r.findings);
    expect(findings(dir)).toEqual([1, 2, 3, 4].map(() => got.cold.findings));
    expect(findings(empty)).toEqual([0, 0, 0, 0]);
    expect(got.runs[dir]!.readAhead.every((r) => r.wall > 0 && r.cpu > 0)).toBe(true);
    // Each scan with the read-ahead worker started with one on standby, as the CLI's does; none without.
    expect(got.cold.standby).toBe(true);
    for (const root of [dir, empty]) {
      expect(got.runs[root]!.readAhead.map((r) => r.standby)).toEqual([true, true]);
      expect(got.runs[root]!.none.map((r) => r.standby)).toEqual([false, false]);
    }
  });
});
