/**
 * A shadow copy's findings against its live volume's (src/pipeline/shadow-copies.ts): the same
 * evidence in the same state is left out of the copy; anything that differs (the file's size or
 * time, its MFT reference, a locator, the kind) is the copy's own. And the copy's root naming
 * (src/model/shadow-copy.ts), which episodes and reports rely on.
 */
import { describe, expect, test } from '@jest/globals';
import type { Finding } from '../../src/model/finding.js';
import { NO_TIMES } from '../../src/model/finding.js';
import { inShadowCopy, liveVolumeOf, shadowCopyLabel } from '../../src/model/shadow-copy.js';
import { evidenceKey, LiveEvidence, markCopyFindings } from '../../src/pipeline/shadow-copies.js';

function finding(root: string, over: Partial<Finding> = {}): Finding {
  return { id: `${root}-id`, root, path: 'PerfLogs/data.7z', kind: 'file', level: 'high', score: 60, reasons: [{ rule: 'archive-headers-encrypted', score: 60, message: 'm' }], hotspot: null, size: 1000, format: '7z', entropy: null, times: { ...NO_TIMES, modified: '2024-05-01T01:50:00.0000000Z' }, attack: ['T1074.001'], fileId: '64-1', ...over };
}

describe('findings of a shadow copy against the live volume', () => {
  const live = new LiveEvidence();
  live.remember('case.E01#p2', [finding('case.E01#p2'), finding('case.E01#p2', { kind: 'usn-record', path: 'PerfLogs/out.rar', usn: 4096, fileId: undefined })]);

  test('the same evidence in the same state is the live finding: left out and counted', () => {
    const { kept, asLive } = live.notInLive('case.E01#p2', [finding('case.E01#p2#vss1', { score: 45, id: 'other', reasons: [] })]);
    expect(kept).toEqual([]);
    expect(asLive).toBe(1);
  });

  test.each([
    ['a changed size', { size: 2000 }],
    ['another modification time', { times: { ...NO_TIMES, modified: '2024-04-01T00:00:00.0000000Z' } }],
    ['another MFT reference (the path reused)', { fileId: '70-3' }],
    ['another kind', { kind: 'mft-record' as const }],
    ['another path', { path: 'PerfLogs/data2.7z' }],
  ])('%s is the copy\'s own finding', (_what, over) => {
    const { kept, asLive } = live.notInLive('case.E01#p2', [finding('case.E01#p2#vss1', over)]);
    expect(kept).toHaveLength(1);
    expect(asLive).toBe(0);
  });

  test('a journal record with another USN is the copy\'s own (the copy keeps what the live journal lost)', () => {
    const same = finding('case.E01#p2#vss1', { kind: 'usn-record', path: 'PerfLogs/out.rar', usn: 4096, fileId: undefined });
    const older = { ...same, usn: 1024 };
    expect(live.notInLive('case.E01#p2', [same, older])).toEqual({ kept: [older], asLive: 1 });
  });

  test('an NTFS trace of the same life (its first USN) is the live one, though the live journal tells more of it', () => {
    const earlier = finding('case.E01#p2#vss1', { kind: 'usn-record', path: 'PerfLogs/out.rar', usn: 4096, fileId: undefined, size: 10, times: { ...NO_TIMES, modified: '2024-01-01T00:00:00.0000000Z' } });
    expect(live.notInLive('case.E01#p2', [earlier])).toEqual({ kept: [], asLive: 1 });
  });

  test('a copy of a volume whose findings were not remembered keeps all', () => {
    expect(live.notInLive('other.E01', [finding('other.E01#vss1')]).kept).toHaveLength(1);
  });

  test('the key ignores the root, id and score, not the state', () => {
    expect(evidenceKey(finding('a'))).toBe(evidenceKey(finding('b', { id: 'x', score: 1 })));
    expect(evidenceKey(finding('a'))).not.toBe(evidenceKey(finding('a', { size: 1 })));
  });
});

describe('shadow copy root names', () => {
  test.each([
    ['case.E01#p2#vss1', 'case.E01#p2', ' in shadow copy 1'],
    ['case.E01#p2#vss12', 'case.E01#p2', ' in shadow copy 12'],
    ['vsstest.qcow2#vss2', 'vsstest.qcow2', ' in shadow copy 2'],
    ['case.E01#p2', 'case.E01#p2', ''],
    ['/cases/C', '/cases/C', ''],
    ['#vss1', '#vss1', ''],
  ])('%s: volume %s', (label, volume, phrase) => {
    expect(liveVolumeOf(label)).toBe(volume);
    expect(inShadowCopy({ root: label })).toBe(phrase);
  });

  test('a file of the copy gone from the live volume is said so in the phrase', () => {
    const f = finding('case.E01#p2#vss1');
    markCopyFindings([f], { number: 1, created: '2024-05-01T02:00:00.0000000Z' }, (id) => (id === '64-1' ? 'gone' : 'present'));
    expect(f.details).toEqual({ shadowCopy: { number: 1, created: '2024-05-01T02:00:00.0000000Z', onLiveVolume: 'gone' } });
    expect(inShadowCopy(f)).toBe(' in shadow copy 1, gone from the live volume');
    const changed = finding('case.E01#p2#vss1', { fileId: '70-2', details: { command: 'x' } });
    markCopyFindings([changed], { number: 1, created: null }, () => 'present');
    expect(changed.details).toEqual({ command: 'x', shadowCopy: { number: 1, created: null, onLiveVolume: 'changed' } });
    expect(inShadowCopy(changed)).toBe(' in shadow copy 1');
    const noId = finding('case.E01#p2#vss1', { fileId: undefined });
    markCopyFindings([noId], { number: 2, created: null }, () => 'gone');
    expect(noId.details).toEqual({ shadowCopy: { number: 2, created: null } });
  });

  test('a label made for a copy reads back as its volume', () => {
    expect(liveVolumeOf(shadowCopyLabel('case.E01#p3', 4))).toBe('case.E01#p3');
  });
});
