/** The live adapter over a fake of regedit-rs's list() result shape (no Windows needed). */
import { describe, expect, test } from '@jest/globals';
import { collectLiveRegistry, detectLiveRegistry, liveItemRecords, loadRegeditList, type LiveItem, type ListFn } from '../../src/live/registry.js';
import { rot13 } from '../../src/artifacts/registry/execution.js';
import { pathItems } from '../../fixtures/lib/access-writers.mjs';

const SID = 'S-1-5-21-1-2-3-1001';
const sz = (s: string) => ({ rawValue: Buffer.from(s + '\u0000', 'utf16le'), type: 'RegSz' });
const bin = (b: Buffer) => ({ rawValue: b, type: 'RegBinary' });

function userAssist(count: number): Buffer {
  const b = Buffer.alloc(72);
  b.writeUInt32LE(count, 4);
  b.writeBigUInt64LE(133520000000000000n, 0x3c);
  return b;
}

/** A tiny live registry: key path -> item, as regedit-rs would list it. */
const TREE: Record<string, LiveItem> = {
  HKU: { exists: true, keys: ['.DEFAULT', SID, `${SID}_Classes`, 'S-1-5-18'], values: {} },
  [`HKU\\${SID}\\Software`]: { exists: true, keys: ['WinRAR', 'Microsoft', 'Stash'], values: {} },
  [`HKU\\${SID}\\Software\\WinRAR`]: { exists: true, keys: ['ArcHistory'], values: {} },
  [`HKU\\${SID}\\Software\\WinRAR\\ArcHistory`]: { exists: true, keys: [], values: { '0': sz('C:\\Users\\Public\\x.rar') } },
  [`HKU\\${SID}\\Software\\Microsoft`]: { exists: true, keys: [], values: {} },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist`]: { exists: true, keys: ['{GUID}'], values: {} },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{GUID}`]: { exists: true, keys: ['Count'], values: {} },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{GUID}\\Count`]: {
    exists: true, keys: [], values: { [rot13('C:\\PerfLogs\\7za.exe')]: bin(userAssist(4)) },
  },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32`]: { exists: true, keys: ['LastVisitedPidlMRU'], values: {} },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32\\LastVisitedPidlMRU`]: {
    exists: true, keys: [], values: {
      '0': bin(Buffer.concat([Buffer.from('WinRAR.exe\u0000', 'utf16le'), ...pathItems('C:\\PerfLogs\\1', { time: new Date('2026-11-20T02:31:00Z'), lastIsDirectory: true }), Buffer.alloc(2)])),
      MRUListEx: bin(Buffer.from('00000000ffffffff', 'hex')),
    },
  },
  [`HKU\\${SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU`]: {
    exists: true, keys: [], values: { a: sz('C:\\PerfLogs\\rar.exe a -hpX C:\\PerfLogs\\d.rar C:\\Users\\alice\\Documents\\1'), MRUList: sz('a') },
  },
  [`HKU\\${SID}\\Software\\Stash`]: { exists: true, keys: [], values: { blob: bin(Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(4000, 0x41)])) } },
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam': { exists: true, keys: ['State'], values: {} },
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State': { exists: true, keys: ['UserSettings'], values: {} },
  'HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings': { exists: true, keys: [SID], values: {} },
  [`HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\${SID}`]: {
    exists: true, keys: [], values: {
      '\\Device\\HarddiskVolume2\\Windows\\Temp\\rar.exe': bin(Buffer.from('00b0c5e1a26bda010000000000000000', 'hex')),
      Version: { rawValue: Buffer.from([1, 0, 0, 0]), type: 'RegDword' },
    },
  },
  'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList': { exists: true, keys: [SID], values: {} },
  [`HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\${SID}`]: {
    exists: true, keys: [], values: { ProfileImagePath: { rawValue: Buffer.from('C:\\Users\\alice\u0000', 'utf16le'), type: 'RegExpandSz' } },
  },
};

function fakeList(tree: Record<string, LiveItem>): ListFn & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = async (keys: string[]) => {
    calls.push(keys);
    return Object.fromEntries(keys.map((k) => [k, tree[k] ?? { exists: false, keys: [], values: {} }]));
  };
  return Object.assign(fn, { calls });
}

describe('live registry adapter', () => {
  test('off Windows: a clear error, regedit-rs not touched', async () => {
    await expect(loadRegeditList('linux')).rejects.toThrow('live registry needs Windows');
    // main.ts's fail() tells a known error from a crash by this name: one line, no "fatal:".
    await expect(loadRegeditList('linux')).rejects.toMatchObject({ name: 'LiveRegistryUnavailable' });
    if (process.platform !== 'win32') await expect(collectLiveRegistry()).rejects.toThrow('live registry needs Windows');
  });

  test('values decoded by our decoders (unsigned DWORD, no stripped characters, MULTI_SZ without a trailing "")', () => {
    const recs = liveItemRecords('HKU\\X', 'K', {
      exists: true, keys: [], values: {
        d: { rawValue: Buffer.from('feffffff', 'hex'), type: 'RegDword' },
        s: { rawValue: Buffer.from('ab\u0000', 'utf16le'), type: 'RegSz' },
        m: { rawValue: Buffer.from('a\u0000b\u0000\u0000', 'utf16le'), type: 'RegMultiSz' },
        e: { rawValue: Buffer.from('%TEMP%\\x\u0000', 'utf16le'), type: 'RegExpandSz' },
        short: { rawValue: Buffer.from([1]), type: 'RegDword' },
      },
    });
    const data = Object.fromEntries(recs.filter((r) => r.type === 'registry-value').map((r) => [r.name, r.data]));
    expect(data).toEqual({ d: 0xfffffffe, s: 'ab', m: ['a', 'b'], e: '%TEMP%\\x', short: '01' });
    expect(JSON.parse(JSON.stringify(recs[1]))).toMatchObject({ hive: 'HKU\\X', dataType: 'REG_DWORD', size: 4 });
  });

  test('reads user and machine keys and the same detectors fire, users named from ProfileList', async () => {
    const list = fakeList(TREE);
    const { records, warnings } = await collectLiveRegistry(list);
    expect(warnings).toEqual([]);
    expect(list.calls.flat()).not.toContain(`HKU\\${SID}_Classes\\Software`); // only user SIDs
    expect(records.filter((r) => r.type === 'registry-key').every((r) => r.lastWritten === null)).toBe(true);
    const cs = detectLiveRegistry(records);
    const summary = cs.map((c) => `${c.path}|${c.key}|${c.user}|${c.hits.map((h) => h.rule).join('+')}`).sort();
    expect(summary).toEqual([
      `live:HKLM\\SYSTEM|CurrentControlSet\\Services\\bam\\State\\UserSettings\\${SID}|alice|registry-archiver-executed+registry-archiver-unusual-folder`,
      `live:HKU\\${SID}|Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32\\LastVisitedPidlMRU|alice|access-staging-folder-opened+access-archiver-dialog-in-staging-location`,
      `live:HKU\\${SID}|Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU|alice|history-archiver-unusual-folder+history-archiver-create+history-archive-password+history-archive-to-staging-location+history-archive-user-data`,
      `live:HKU\\${SID}|Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{GUID}\\Count|alice|registry-archiver-executed+registry-archiver-unusual-folder`,
      `live:HKU\\${SID}|Software\\Stash|alice|registry-value-embedded-file`,
      `live:HKU\\${SID}|Software\\WinRAR\\ArcHistory|alice|registry-archiver-history+registry-history-staging-location`,
    ]);
  });

  test('a failing list() call is a warning, not a crash', async () => {
    const failing: ListFn = async (keys) => {
      if (keys[0] === 'HKU') return { HKU: TREE.HKU! };
      throw new Error('access denied');
    };
    const { records, warnings } = await collectLiveRegistry(failing);
    expect(records).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/access denied/);
  });
});
