import { describe, expect, test } from '@jest/globals';
import { correlate, deletedMatches, DeletedIndex, shortUtc, type CorrelateOptions, type Deleted } from '../../src/correlate/links.js';
import { normalizeNamedPath, volumeStem } from '../../src/correlate/paths.js';
import type { Candidate, NamedPath } from '../../src/rules/types.js';
import { cpuClock } from '../helpers/cpu.js';

const HIST = 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt';
const SID = 'S-1-5-21-1-2-3-1001';
const BIN = `$Recycle.Bin/${SID}`;
const WIN: CorrelateOptions = { windows: true, exists: () => false };

function history(line: number, names: NamedPath[], user: string | null = 'alice'): Candidate {
  return { kind: 'history', path: HIST, line, user, hits: [{ rule: 'history-archiver-create', message: 'x' }], names, details: { shell: 'powershell' } };
}
function file(path: string, kind: 'file' | 'directory' = 'file'): Candidate {
  return { kind, path, hits: [{ rule: 'archive-file', message: 'x' }] };
}
function dollarI(name: string, originalPath: string, deletedAt = '2025-03-15T05:06:41.1234567Z'): Candidate {
  return { kind: 'recycle-bin', path: `${BIN}/${name}`, originalPath, deletedAt, user: SID, hits: [{ rule: 'recyclebin-deleted-archive', message: 'x' }], names: [{ path: originalPath, role: 'original' }] };
}
function mru(value: string, path: string): Candidate {
  return { kind: 'registry', path: 'Users/alice/NTUSER.DAT', key: 'Software\\WinRAR\\ArcHistory', value, user: 'alice', hits: [{ rule: 'registry-archiver-history', message: 'x' }], names: [{ path, role: 'mru' }] };
}
/** The messages correlation added for one rule. */
const linked = (c: Candidate, rule: string) => c.hits.filter((h) => h.rule === rule).map((h) => h.message);
const rules = (c: Candidate) => c.hits.map((h) => h.rule);

describe('history -> file found by the scan', () => {
  test('a command writes X and X is a finding: both sides get a reason naming the other', () => {
    const h = history(4, [{ path: 'C:\\PerfLogs\\1\\data.7z', role: 'writes' }, { path: 'C:\\Users\\alice\\out', role: 'reads' }]);
    const f = file('PerfLogs/1/data.7z');
    const dir = file('Users/alice/out', 'directory');
    expect(correlate([h, f, dir], WIN)).toBe(2);
    expect(linked(f, 'named-in-history')).toEqual([`written per alice's PowerShell history at line 4 (${HIST})`]);
    expect(linked(dir, 'named-in-history')).toEqual([`read per alice's PowerShell history at line 4 (${HIST})`]);
    expect(linked(h, 'linked-file-found')).toEqual(['PerfLogs/1/data.7z found by the scan', 'Users/alice/out found by the scan']);
  });
  test('files without hits are not findings and are not linked', () => {
    const h = history(1, [{ path: 'C:\\x\\a.zip', role: 'writes' }]);
    const quiet: Candidate = { kind: 'file', path: 'x/a.zip', hits: [] };
    expect(correlate([h, quiet], WIN)).toBe(0);
    expect(quiet.hits).toEqual([]);
  });
  test('$env:TEMP resolves with the history\'s user; another user\'s temp does not match', () => {
    const h = history(7, [{ path: '$env:TEMP\\o.zip', role: 'writes' }]);
    const mine = file('Users/alice/AppData/Local/Temp/o.zip');
    const bobs = file('Users/bob/AppData/Local/Temp/o.zip');
    correlate([h, mine, bobs], WIN);
    expect(rules(mine)).toContain('named-in-history');
    expect(rules(bobs)).not.toContain('named-in-history');
  });
  test('~ in a bash history resolves to /home/<user>; an unknown user matches any home', () => {
    const h: Candidate = { ...history(2, [{ path: '~/.x/a.tgz', role: 'writes' }], 'bob'), path: 'home/bob/.bash_history', details: { shell: 'bash' } };
    const f = file('home/bob/.x/a.tgz');
    correlate([h, f], { windows: false, exists: () => false });
    expect(linked(f, 'named-in-history')).toEqual(['written per bob\'s bash history at line 2 (home/bob/.bash_history)']);
    const anon = { ...history(2, [{ path: '$env:TEMP\\o.zip', role: 'writes' }], null) };
    const g = file('Users/carol/AppData/Local/Temp/o.zip');
    correlate([anon, g], WIN);
    expect(linked(g, 'named-in-history')[0]).toMatch(/^written per a PowerShell history at line 2/);
  });
  test('a bare name links only when exactly one finding has that name', () => {
    const h = history(5, [{ path: 'loot.7z', role: 'writes' }]);
    const one = file('ProgramData/x/loot.7z');
    correlate([h, one], WIN);
    expect(linked(one, 'named-in-history')[0]).toMatch(/\(same file name\)$/);
    const h2 = history(5, [{ path: 'loot.7z', role: 'writes' }]);
    const a = file('A/loot.7z');
    const b = file('B/loot.7z');
    expect(correlate([h2, a, b], WIN)).toBe(0);
  });
});

describe('history -> Recycle Bin record', () => {
  test('$I original path X: the record and the command name each other, with the deletion time', () => {
    const h = history(3, [{ path: 'C:\\Users\\Public\\d.rar', role: 'writes' }]);
    const i = dollarI('$IABCDEF.rar', 'C:\\Users\\Public\\d.rar');
    expect(correlate([h, i], WIN)).toBe(1);
    expect(linked(i, 'named-in-history')).toEqual([`the deleted item is written per alice's PowerShell history at line 3 (${HIST})`]);
    expect(linked(h, 'linked-recycle-bin')).toEqual([`deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC (${BIN}/$IABCDEF.rar, original C:\\Users\\Public\\d.rar)`]);
    expect(rules(h)).not.toContain('named-path-missing');
  });
  test('volumes: a command that writes bk.rar with -v links to the deleted bk.part3.rar', () => {
    const h = history(3, [{ path: 'C:\\Users\\Public\\Libraries\\bk.rar', role: 'writes' }]);
    const i = dollarI('$IK3J9QZ.rar', 'C:\\Users\\Public\\Libraries\\bk.part3.rar');
    correlate([h, i], WIN);
    expect(linked(i, 'named-in-history')[0]).toMatch(/^the deleted volume's set \(C:\\Users\\Public\\Libraries\\bk\.rar\) is written per alice's PowerShell history at line 3/);
    expect(linked(h, 'linked-recycle-bin')[0]).toMatch(/^deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC/);
  });
  test('Trash records link the same way, and say Trash', () => {
    const h: Candidate = { ...history(9, [{ path: '/tmp/.s/x.tgz', role: 'writes' }], 'bob'), details: { shell: 'bash' } };
    const t: Candidate = { kind: 'trash', path: 'home/bob/.local/share/Trash/info/x.tgz.trashinfo', originalPath: '/tmp/.s/x.tgz', deletedAt: null, hits: [{ rule: 'trash-deleted-archive', message: 'x' }] };
    correlate([h, t], { windows: false, exists: () => false });
    expect(linked(h, 'linked-recycle-bin')).toEqual(['deleted to the Trash (home/bob/.local/share/Trash/info/x.tgz.trashinfo, original /tmp/.s/x.tgz)']);
    expect(rules(t)).toContain('named-in-history');
  });
});

describe('X missing or merely present', () => {
  test('an archive written but found nowhere: named-path-missing; present but unremarkable: linked-file-present', () => {
    const gone = history(7, [{ path: '$env:TEMP\\o.zip', role: 'writes' }]);
    const there = history(8, [{ path: 'C:\\Users\\Public\\ok.zip', role: 'writes' }]);
    const read = history(9, [{ path: 'C:\\nowhere\\src', role: 'reads' }]);
    const seen: string[] = [];
    correlate([gone, there, read], { windows: true, exists: (rel) => (seen.push(rel), rel === 'users/public/ok.zip') });
    expect(linked(gone, 'named-path-missing')).toEqual(['$env:TEMP\\o.zip is not in the image nor in the Recycle Bin']);
    expect(linked(there, 'linked-file-present')).toEqual(['C:\\Users\\Public\\ok.zip exists in the image']);
    expect(rules(read)).toEqual(['history-archiver-create']); // sources read are not checked for presence
    expect(seen).toEqual(['users/alice/appdata/local/temp/o.zip', 'users/public/ok.zip']);
  });
  test('paths outside the root (other drive, share) are never reported missing', () => {
    const h = history(1, [{ path: 'D:\\x.rar', role: 'writes' }, { path: '\\\\srv\\s\\y.rar', role: 'writes' }]);
    correlate([h], WIN);
    expect(rules(h)).toEqual(['history-archiver-create']);
  });
});

describe('volume sets, $R data and registry MRUs', () => {
  const story = () => {
    const h = history(3, [{ path: 'C:\\Users\\Public\\Libraries\\bk.rar', role: 'writes' }]);
    const p1 = file('Users/Public/Libraries/bk.part1.rar');
    const p2 = file('Users/Public/Libraries/bk.part2.rar');
    const i = dollarI('$IK3J9QZ.rar', 'C:\\Users\\Public\\Libraries\\bk.part3.rar');
    const r = file(`${BIN}/$RK3J9QZ.rar`);
    const reg = mru('0', 'C:\\Users\\Public\\Libraries\\bk.part1.rar');
    correlate([h, p1, p2, i, r, reg], WIN);
    return { h, p1, p2, i, r, reg };
  };
  test('the surviving volumes and the deleted one name each other', () => {
    const { p1, p2, i } = story();
    for (const p of [p1, p2]) {
      expect(linked(p, 'linked-recycle-bin')).toEqual([`volume bk.part3.rar of the same set was deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC (${BIN}/$IK3J9QZ.rar, original C:\\Users\\Public\\Libraries\\bk.part3.rar)`]);
    }
    expect(linked(i, 'linked-file-found')).toEqual(expect.arrayContaining([
      'another volume of the set remains: Users/Public/Libraries/bk.part1.rar',
      'another volume of the set remains: Users/Public/Libraries/bk.part2.rar',
    ]));
  });
  test('the $I and its $R data file are paired: one deletion, named but without points', () => {
    const { i, r } = story();
    expect(linked(r, 'recycle-bin-pair')[0]).toMatch(/^the data of C:\\Users\\Public\\Libraries\\bk\.part3\.rar, deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC/);
    expect(linked(i, 'recycle-bin-pair')).toContain(`its data ${BIN}/$RK3J9QZ.rar is still in the Recycle Bin and was found by the scan`);
    expect(linked(r, 'linked-recycle-bin')).toEqual([]);
  });
  test('the command wrote all volumes; the registry MRU names part1 but its set reaches part2 and the $I', () => {
    const { h, p1, p2, i, reg } = story();
    expect(linked(h, 'linked-file-found')).toEqual(['Users/Public/Libraries/bk.part1.rar found by the scan', 'Users/Public/Libraries/bk.part2.rar found by the scan']);
    expect(rules(p2)).toEqual(expect.arrayContaining(['named-in-history', 'named-in-registry']));
    expect(linked(p1, 'named-in-registry')).toEqual(['opened or created by an archiver per registry Software\\WinRAR\\ArcHistory\\0 in Users/alice/NTUSER.DAT']);
    expect(linked(i, 'named-in-registry')[0]).toMatch(/^the deleted volume's set \(C:\\Users\\Public\\Libraries\\bk\.part1\.rar\) is opened or created by an archiver per registry/);
    expect(linked(reg, 'linked-recycle-bin')[0]).toMatch(/bk\.part3\.rar\)$/);
  });
  test('the history line and the registry value name each other', () => {
    const { h, reg } = story();
    expect(linked(h, 'named-in-registry')).toEqual([
      'C:\\Users\\Public\\Libraries\\bk.rar is also opened or created by an archiver per registry Software\\WinRAR\\ArcHistory\\0 in Users/alice/NTUSER.DAT (C:\\Users\\Public\\Libraries\\bk.part1.rar)',
    ]);
    expect(linked(reg, 'named-in-history')[0]).toMatch(/^C:\\Users\\Public\\Libraries\\bk\.part1\.rar is also written per alice's PowerShell history at line 3/);
  });
  test('correlating twice adds nothing new (no duplicate reasons)', () => {
    const { h } = story();
    const before = h.hits.length;
    const again = [h];
    correlate(again, WIN);
    expect(h.hits.length).toBeGreaterThanOrEqual(before);
    expect(new Set(h.hits.map((x) => `${x.rule}|${x.message}`)).size).toBe(h.hits.length);
  });
});

describe('bounds', () => {
  test('maxNames stops a hostile history from naming millions of paths', () => {
    const names: NamedPath[] = Array.from({ length: 1000 }, (_, k) => ({ path: `C:\\Users\\Public\\a${k}.rar`, role: 'writes' }));
    const h = history(1, names);
    const seen: string[] = [];
    correlate([h], { windows: true, maxNames: 10, exists: (rel) => (seen.push(rel), false) });
    expect(seen.length).toBeLessThanOrEqual(10);
  });
  test('shortUtc keeps whole seconds and says UTC', () => {
    expect(shortUtc('2025-03-15T05:06:41.1234567Z')).toBe('2025-03-15 05:06:41 UTC');
    expect(shortUtc('garbage')).toBe('garbage');
  });
});

describe('correlation at scale', () => {
  test('10,000 archive commands against 5,000 Recycle Bin records: each record linked to its command, in linear time (6,000 against 3,000 took 7.7 s)', () => {
    const candidates: Candidate[] = [];
    for (let i = 0; i < 10_000; i++) candidates.push(history(i + 1, [{ path: `C:\\Users\\Public\\out\\part${i}.7z`, role: 'writes' }]));
    for (let i = 0; i < 10_000; i += 2) candidates.push(dollarI(`$I${i}.7z`, `C:\\Users\\Public\\out\\part${i}.7z`));
    // A name without a path inside the root matches records by base name; a wildcard is compared with each.
    candidates.push(history(20_000, [{ path: 'part42.7z', role: 'writes' }]));
    candidates.push(history(20_001, [{ path: 'C:\\Users\\Public\\out\\*', role: 'writes' }]));
    const clock = cpuClock();
    correlate(candidates, WIN);
    expect(clock()).toBeLessThan(3000);
    const record = candidates.find((c) => c.path === `${BIN}/$I42.7z`)!;
    // In the order of the commands: its own, the bare name, the wildcard.
    expect(linked(record, 'named-in-history').map((m) => /line (\d+)/.exec(m)![1])).toEqual(['43', '20000', '20001']);
    expect(linked(candidates[42]!, 'linked-recycle-bin')).toHaveLength(1);
    expect(linked(candidates[43]!, 'linked-recycle-bin')).toHaveLength(0);
  });

  test('the index of deleted records finds what testing each record finds, in the same order', () => {
    let seed = 21;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const dirs = ['C:\\Users\\Public', 'C:\\Users\\bob\\Documents', '%TEMP%', 'D:\\x', 'C:\\Users\\Public\\out', ''];
    const names = ['bk.rar', 'bk.part1.rar', 'bk.part2.rar', 'out.7z', 'out.7z.001', 'out.7z.002', 'a.zip', 'A.ZIP', '*'];
    const raw = (): string => {
      const dir = dirs[rand(dirs.length)]!;
      const name = names[rand(names.length)]!;
      return dir ? `${dir}\\${name}` : name;
    };
    const deleted: Deleted[] = Array.from({ length: 300 }, (_, i) => {
      const original = raw();
      const norm = normalizeNamedPath(original, { windows: true });
      return { c: dollarI(`$I${i}.rar`, original), norm, stem: norm.relPath ? volumeStem(norm.relPath) : null };
    });
    const index = new DeletedIndex(deleted);
    let found = 0;
    for (let t = 0; t < 600; t++) {
      const norm = normalizeNamedPath(raw(), { windows: true, user: rand(2) ? 'bob' : null });
      const want = deleted.filter((d) => deletedMatches(norm, d));
      expect(index.matching(norm)).toEqual(want);
      found += want.length;
    }
    expect(found).toBeGreaterThan(1000); // the names did match records
  });

  test('20,000 paths of an unknown user against 5,000 deleted records: looked up by their last segment', () => {
    const deleted: Deleted[] = Array.from({ length: 5000 }, (_, i) => {
      const original = `C:\\Users\\bob\\AppData\\Local\\Temp\\s${i}.7z`;
      const norm = normalizeNamedPath(original, { windows: true });
      return { c: dollarI(`$I${i}.7z`, original), norm, stem: norm.relPath ? volumeStem(norm.relPath) : null };
    });
    const index = new DeletedIndex(deleted);
    const clock = cpuClock();
    let found = 0;
    for (let i = 0; i < 20_000; i++) found += index.matching(normalizeNamedPath(`%TEMP%\\s${i % 5000}.7z`, { windows: true, user: null })).length;
    expect(clock()).toBeLessThan(3000);
    expect(found).toBe(20_000);
  });

  test('20,000 commands of an unknown user against 10,000 files: each file linked to its commands, the pattern compared only with paths of its last segment', () => {
    const candidates: Candidate[] = [];
    for (let i = 0; i < 20_000; i++) candidates.push(history(i + 1, [{ path: `%TEMP%\\s${i % 10_000}.7z`, role: 'writes' }], null));
    for (let i = 0; i < 10_000; i++) candidates.push(file(`Users/bob/AppData/Local/Temp/s${i}.7z`));
    const clock = cpuClock();
    correlate(candidates, WIN);
    expect(clock()).toBeLessThan(5000);
    const target = candidates.find((c) => c.path === 'Users/bob/AppData/Local/Temp/s7.7z')!;
    expect(linked(target, 'named-in-history').map((m) => /line (\d+)/.exec(m)![1])).toEqual(['8', '10008']);
  });
});
