/**
 * A walked file's times are formatted only when read (pipeline/inspect.ts LazyFileTimes): the
 * values are the eager ones, JSON shows them, the format runs once, and settledTimes makes the
 * plain object that may be spread or cloned to another thread.
 */
import { describe, expect, test } from '@jest/globals';
import { lazyTimes, settledTimes, statTimes } from '../../src/pipeline/inspect.js';

const stat = { mtimeMs: Date.UTC(2024, 2, 1, 10, 0, 0, 123), atimeMs: Date.UTC(2024, 2, 2), ctimeMs: Date.UTC(2024, 2, 1, 10, 0, 0, 123), birthtimeMs: 0 };
const eager = { modified: '2024-03-01T10:00:00.1230000Z', accessed: '2024-03-02T00:00:00.0000000Z', changed: '2024-03-01T10:00:00.1230000Z', born: null };

describe('times formatted when first read', () => {
  test('the values, JSON and the settled object are the eager times', () => {
    const times = statTimes(stat);
    expect([times.modified, times.accessed, times.changed, times.born]).toEqual([eager.modified, eager.accessed, eager.changed, eager.born]);
    expect(JSON.parse(JSON.stringify({ times }))).toEqual({ times: eager });
    const plain = settledTimes(statTimes(stat));
    expect(plain).toEqual(eager);
    expect(structuredClone(plain)).toEqual(eager);
    expect({ ...plain }).toEqual(eager);
  });

  test('formatted once, and only when read', () => {
    let formats = 0;
    const times = lazyTimes(() => {
      formats++;
      return eager;
    });
    expect(formats).toBe(0);
    void times.modified;
    void times.born;
    JSON.stringify(times);
    expect(formats).toBe(1);
  });
});
