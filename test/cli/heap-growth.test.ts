import { describe, expect, test } from '@jest/globals';
import { getHeapStatistics } from 'node:v8';
import { HEAP_GROWING_PERCENT, LARGE_HEAP_BYTES, limitHeapGrowth, limitIfLarge } from '../../src/cli/heap-growth.js';

describe('heap growth of the CLI process (docs/performance.md)', () => {
  test('watched from start-up, unless the command line or NODE_OPTIONS names the flag', () => {
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(limitHeapGrowth(['--heap-growing-percent=30'], '')).toBe(false);
    expect(limitHeapGrowth(['--heap_growing_percent=30'], '')).toBe(false);
    expect(limitHeapGrowth([], '--max-old-space-size=4096 --heap-growing-percent=80')).toBe(false);
    // The watcher's timer is unref'd: it does not keep this process (or jest) alive.
    expect(limitHeapGrowth(['--max-semi-space-size=8'], '--max-old-space-size=4096')).toBe(true);
  });

  test('the factor is set only once the heap in use is large, and stays set', () => {
    expect(limitIfLarge(0)).toBe(false);
    expect(limitIfLarge(LARGE_HEAP_BYTES - 1)).toBe(false);
    expect(limitIfLarge(LARGE_HEAP_BYTES)).toBe(true);
    expect(limitIfLarge(0)).toBe(true);
    // The process goes on working with the flag set.
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});
