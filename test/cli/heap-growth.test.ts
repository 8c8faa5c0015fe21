import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { ROOT } from '../helpers/cli.js';
import { HEAP_GROWING_PERCENT, LARGE_HEAP_BYTES, limitHeapGrowth, limitIfLarge, SMALL_HEAP_GROWING_PERCENT } from '../../src/cli/heap-growth.js';

const BUILT = path.join(ROOT, 'dist', 'cli', 'heap-growth.js');

/**
 * A fresh process (jest's own heap has long grown), with the built module's limit set from
 * start-up or not: about 10 MB kept alive, then 6 million small objects each alive long enough to
 * be promoted to the old generation and dead soon after (as a scan's per-directory objects are),
 * all synchronous (the large heap's watcher never runs). Returns the old space's largest size, MB.
 */
function largestOldSpaceMb(limit: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { limitHeapGrowth } from ${JSON.stringify(pathToFileURL(BUILT).href)};
    const limited = ${limit} ? limitHeapGrowth([], '') : false;
    const live = [];
    for (let i = 0; i < 150_000; i++) live.push({ i, s: 'live' + i });
    const recent = new Array(100_000).fill(null);
    let largest = 0;
    for (let n = 0; n < 6_000_000; n++) {
      recent[n % recent.length] = { n, s: 'g' + n, a: [n, n + 1] };
      if (n % 65_536 === 0) largest = Math.max(largest, getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
    }
    process.stdout.write(JSON.stringify({ limited, largest, kept: live.length }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  expect([r.status, r.stderr]).toEqual([0, '']);
  const out = JSON.parse(r.stdout) as { limited: boolean; largest: number };
  expect(out.limited).toBe(limit);
  return out.largest / 1024 / 1024;
}

describe('heap growth of the CLI process (docs/performance.md)', () => {
  test('watched from start-up, unless the command line or NODE_OPTIONS names the flag', () => {
    expect(SMALL_HEAP_GROWING_PERCENT).toBeGreaterThan(HEAP_GROWING_PERCENT);
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(limitHeapGrowth(['--heap-growing-percent=30'], '')).toBe(false);
    expect(limitHeapGrowth(['--heap_growing_percent=30'], '')).toBe(false);
    expect(limitHeapGrowth([], '--max-old-space-size=4096 --heap-growing-percent=80')).toBe(false);
    // The watcher's timer is unref'd: it does not keep this process (or jest) alive.
    expect(limitHeapGrowth(['--max-semi-space-size=8'], '--max-old-space-size=4096')).toBe(true);
  });

  test('the large heap factor is set only once the heap in use is large, and stays set', () => {
    expect(limitIfLarge(0)).toBe(false);
    expect(limitIfLarge(LARGE_HEAP_BYTES - 1)).toBe(false);
    expect(limitIfLarge(LARGE_HEAP_BYTES)).toBe(true);
    expect(limitIfLarge(0)).toBe(true);
    // The process goes on working with the flag set.
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });

  test("from start-up, a small heap's old generation grows less between full collections than under V8's own rule", () => {
    // About 130 MB under V8's rule (its factor 4), about 72 MB with the factor 2 (measured 2026-12-04).
    const own = largestOldSpaceMb(false);
    const limited = largestOldSpaceMb(true);
    expect(limited).toBeLessThan(own * 0.75);
  });
});
