import { describe, expect, test } from '@jest/globals';
import { burstHits, findBurst, hiddenDirHits, type DirFileFact } from '../../src/rules/directory-rules.js';
import type { Hotspot } from '../../src/hotspots/catalog.js';

const T0 = Date.parse('2025-03-15T04:00:00Z');
const doc = (name: string, minutes: number, classification = 'document'): DirFileFact => ({ name, mtimeMs: T0 + minutes * 60_000, birthMs: null, classification });

describe('staging burst', () => {
  test('25 documents copied over 21 minutes are one burst', () => {
    const files = Array.from({ length: 25 }, (_, i) => doc(`f${i}.${['docx', 'xlsx', 'pdf', 'txt', 'jpg'][i % 5]}`, (i * 21) / 24));
    const w = findBurst(files, 'modified');
    expect(w).not.toBeNull();
    expect(w!.count).toBe(25);
    expect(w!.end - w!.start).toBe(21 * 60_000);
    expect(burstHits(files).hits[0]!.rule).toBe('staging-burst');
  });
  test('spread over days, or one type only, or executables is not a burst', () => {
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.docx`, i * 60 * 24)), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.log`, i / 10, 'text')), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.${['dll', 'exe', 'sys'][i % 3]}`, i / 10, 'executable')), 'modified')).toBeNull();
    expect(findBurst(Array.from({ length: 20 }, (_, i) => doc(`f${i}.${['json', 'xml', 'ini'][i % 3]}`, i / 10, 'text')), 'modified')).toBeNull();
  });
  test('too few files is not a burst', () => {
    expect(findBurst(Array.from({ length: 7 }, (_, i) => doc(`f${i}.${['docx', 'pdf', 'txt'][i % 3]}`, i)), 'modified')).toBeNull();
  });
});

describe('hidden directories in temp locations', () => {
  const tmp = { id: 'lin-tmp' } as Hotspot;
  test('a dot-directory in /tmp is flagged; the X11 sockets dir and other hotspots are not', () => {
    expect(hiddenDirHits('tmp/.cache-x', '.cache-x', tmp)[0]!.rule).toBe('hidden-dir-in-temp');
    expect(hiddenDirHits('tmp/.X11-unix', '.X11-unix', tmp)).toEqual([]);
    expect(hiddenDirHits('var/log/.x', '.x', { id: 'lin-var-log-archives' } as Hotspot)).toEqual([]);
    expect(hiddenDirHits('tmp/visible', 'visible', tmp)).toEqual([]);
  });
});
