import { describe, expect, it } from '@jest/globals';
import type { Finding, Level } from '../../src/model/finding.js';
import { buildEpisodes, EPISODE_GAP_MS, LocatorMentions, PathMentions, unassignedFindings } from '../../src/timeline/episodes.js';
import { factsOf } from '../../src/timeline/evidence.js';
import { spanPhrase } from '../../src/timeline/narrative.js';
import { cpuClock } from '../helpers/cpu.js';

/** The reference for PathMentions: `needle` occurs in `text` as a whole path (not the prefix of a longer name: 'out' vs 'out2'). */
function boundaryIncludes(text: string, needle: string): boolean {
  if (needle.length < 3) return false;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    const after = text.slice(i + needle.length, i + needle.length + 2);
    const continuesName = /^[A-Za-z0-9_-]/.test(after) || /^\.[A-Za-z0-9]/.test(after);
    if (!continuesName) return true;
  }
  return false;
}

let n = 0;
function finding(over: Partial<Finding> & { path: string }): Finding {
  n++;
  return {
    id: over.id ?? `f${String(n).padStart(4, '0')}`,
    root: '/img',
    kind: 'file',
    level: 'high' as Level,
    score: 70,
    reasons: [{ rule: 'test-rule', score: 70, message: 'test evidence' }],
    hotspot: null,
    size: 10,
    format: null,
    entropy: null,
    times: { modified: null, accessed: null, changed: null, born: null },
    attack: ['T1074.001'],
    ...over,
  };
}

const at = (hhmm: string, day = '2025-03-15'): string => `${day}T${hhmm}:00.000Z`;

function stagingRun(): Finding[] {
  return [
    finding({ id: 'dir', kind: 'directory', path: 'Users/alice/AppData/Roaming/out', level: 'high', score: 75, reasons: [{ rule: 'staging-burst', score: 40, message: '25 files written within 20 min' }], details: { burst: { count: 25, start: at('04:00'), end: at('04:21'), types: ['docx', 'pdf'] } } }),
    finding({ id: 'rar1', path: 'Users/Public/bk.part1.rar', format: 'rar', level: 'critical', score: 90, reasons: [{ rule: 'fingerprint-encrypted-container', score: 50, message: 'RAR with encrypted headers' }], times: { modified: at('04:25'), accessed: null, changed: null, born: null } }),
    finding({ id: 'rar2', path: 'Users/Public/bk.part2.rar', format: 'rar', level: 'critical', score: 90, reasons: [{ rule: 'fingerprint-encrypted-container', score: 50, message: 'RAR with encrypted headers' }], times: { modified: at('04:26'), accessed: null, changed: null, born: null } }),
    finding({ id: 'del', kind: 'recycle-bin', path: '$Recycle.Bin/S-1-5-21-1-1001/$IABC.rar', originalPath: 'C:\\Users\\Public\\bk.part3.rar', deletedAt: '2025-03-15T05:06:41.1230000Z', user: 'alice (S-1-5-21-1-1001)', level: 'critical', score: 95, reasons: [{ rule: 'recyclebin-multipart-archive', score: 55, message: 'archive volume deleted' }] }),
    finding({ id: 'hist', kind: 'history', path: 'Users/alice/ConsoleHost_history.txt', line: 4, user: 'alice', level: 'critical', score: 90, details: { command: 'rar a -hpX -v60k C:\\Users\\Public\\bk.rar C:\\Users\\alice\\AppData\\Roaming\\out', shell: 'powershell', time: null }, reasons: [{ rule: 'history-archive-password', score: 50, message: 'rar encrypts headers' }] }),
    finding({ id: 'reg', kind: 'registry', path: 'Users/alice/NTUSER.DAT', key: 'Software\\WinRAR\\ArcHistory', value: '0', user: 'alice', level: 'high', score: 65, details: { keyLastWritten: '2025-03-15T04:26:30.0000000Z', tool: 'WinRAR', list: 'archives opened or created', target: 'C:\\Users\\Public\\bk.part1.rar' }, reasons: [{ rule: 'registry-archiver-history', score: 15, message: 'WinRAR archives opened' }] }),
  ];
}

describe('buildEpisodes', () => {
  it('joins a burst, split archive, deletion, history and registry trace into one scored episode', () => {
    const eps = buildEpisodes(stagingRun());
    expect(eps).toHaveLength(1);
    const e = eps[0]!;
    expect(e.findingIds).toEqual(['del', 'dir', 'hist', 'rar1', 'rar2', 'reg']);
    expect(e.evidenceKinds).toEqual(['file', 'archive', 'recycle-bin', 'history', 'registry']);
    expect(e.confidence).toBe('high');
    expect(e.score).toBe(100);
    expect(e.level).toBe('critical');
    expect(e.users).toEqual(['alice']);
    expect(e.start).toBe('2025-03-15T04:00:00.0000000Z');
    expect(e.end).toBe('2025-03-15T05:06:41.1230000Z');
    expect(e.attack[0]).toBe('T1074.001');
    expect(e.attack).toEqual(expect.arrayContaining(['T1560.001', 'T1070.004', 'T1005']));
    expect(e.locations).toEqual(expect.arrayContaining(['Users/alice/AppData/Roaming/out', 'Users/Public']));
    expect(e.id).toMatch(/^ep-[0-9a-f]{12}$/);
  });

  it('tells the story in plain language, in time order', () => {
    const e = buildEpisodes(stagingRun())[0]!;
    expect(e.narrative).toContain('Between 04:00 and 05:06 UTC on 2025-03-15');
    expect(e.narrative).toContain('25 files (docx, pdf) were written into Users/alice/AppData/Roaming/out');
    expect(e.narrative).toContain('an encrypted RAR archive in 2 volumes was written to Users/Public (bk.part1.rar, bk.part2.rar)');
    expect(e.narrative).toContain('C:\\Users\\Public\\bk.part3.rar was deleted to the Recycle Bin by alice');
    expect(e.narrative).toContain('rar a -hpX -v60k');
    expect(e.narrative).toMatch(/confidence high\.$/);
    const texts = e.steps.map((s) => s.text);
    expect(texts.findIndex((t) => t.includes('were written into'))).toBeLessThan(texts.findIndex((t) => t.includes('RAR archive')));
    expect(texts.findIndex((t) => t.includes('RAR archive'))).toBeLessThan(texts.findIndex((t) => t.includes('deleted to the Recycle Bin')));
    // The history line has no time of its own: it sorts after the archive it names.
    expect(texts.findIndex((t) => t.includes('history'))).toBeGreaterThan(texts.findIndex((t) => t.includes('RAR archive')));
    expect(e.steps.every((s) => s.findingIds.length > 0)).toBe(true);
  });

  it('is deterministic: input order does not change ids, order or text', () => {
    const a = buildEpisodes(stagingRun());
    const b = buildEpisodes([...stagingRun()].reverse());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('keeps runs apart when hours separate them and nothing links them', () => {
    const late = finding({ id: 'late', path: 'Windows/Temp/x.7z', format: '7z', level: 'critical', score: 85, times: { modified: at('11:00'), accessed: null, changed: null, born: null } });
    const eps = buildEpisodes([...stagingRun(), late]);
    expect(eps).toHaveLength(2);
    expect(eps.find((e) => e.findingIds.includes('late'))!.findingIds).toEqual(['late']);
    expect(eps.find((e) => e.findingIds.includes('late'))!.confidence).toBe('low');
  });

  it('joins runs across a long gap when a command names the archive', () => {
    const late = finding({ id: 'late', path: 'Windows/Temp/x.7z', format: '7z', level: 'critical', score: 85, times: { modified: at('11:00'), accessed: null, changed: null, born: null } });
    const cmd = finding({ id: 'cmd', kind: 'history', path: 'Users/alice/ConsoleHost_history.txt', line: 9, user: 'alice', details: { command: '7z a C:\\Windows\\Temp\\x.7z C:\\Users\\alice\\AppData\\Roaming\\out' } });
    const eps = buildEpisodes([...stagingRun(), late, cmd]);
    expect(eps).toHaveLength(1);
    expect(eps[0]!.findingIds).toContain('late');
  });

  it('does not merge neighbouring runs of two different users', () => {
    const bob = finding({ id: 'bob', kind: 'history', path: 'Users/bob/h.txt', user: 'bob', line: 1, details: { command: 'tar czf /tmp/b.tgz /home/bob' }, level: 'high' });
    const bobFile = finding({ id: 'bobzip', path: 'Users/bob/AppData/Local/Temp/b.zip', format: 'zip', user: 'bob', level: 'high', times: { modified: at('04:30'), accessed: null, changed: null, born: null } });
    const eps = buildEpisodes([...stagingRun(), bob, bobFile]);
    const alice = eps.find((e) => e.findingIds.includes('rar1'))!;
    expect(alice.findingIds).not.toContain('bobzip');
    expect(alice.users).toEqual(['alice']);
  });

  it('lets weak findings join a run but never bridge two runs', () => {
    const weak = (id: string, hhmm: string): Finding => finding({ id, path: `Windows/Temp/w${id}.log`, level: 'low', score: 20, times: { modified: at(hhmm), accessed: null, changed: null, born: null } });
    const early = finding({ id: 'a', path: 'ProgramData/a.zip', format: 'zip', level: 'high', times: { modified: at('01:00'), accessed: null, changed: null, born: null } });
    const lateRun = finding({ id: 'b', path: 'PerfLogs/b.zip', format: 'zip', level: 'high', times: { modified: at('03:00'), accessed: null, changed: null, born: null } });
    const chain = ['01:20', '01:40', '02:00', '02:20', '02:40'].map((t, i) => weak(`w${i}`, t));
    const eps = buildEpisodes([early, lateRun, ...chain]);
    expect(eps.filter((e) => e.findingIds.includes('a') || e.findingIds.includes('b'))).toHaveLength(2);
    expect(eps.find((e) => e.findingIds.includes('a'))!.findingIds).toContain('w0');
  });

  it('gives a weak finding to the first run whose window holds it, that window widened by the weak findings it took before', () => {
    const file = (id: string, path: string, level: Level, hhmm: string): Finding =>
      finding({ id, path, format: 'zip', level, score: level === 'low' ? 20 : 70, times: { modified: at(hhmm), accessed: null, changed: null, born: null } });
    // Run 0: 01:00-01:20 (its window to 01:50); run 1: 02:00 (its window from 01:30).
    const a1 = file('a1', 'ProgramData/a/1.zip', 'high', '01:00');
    const a2 = file('a2', 'ProgramData/a/2.zip', 'high', '01:20');
    const b = file('b', 'PerfLogs/b.zip', 'high', '02:00');
    // In both windows: the first run takes it, and its window now runs to 02:15...
    const l1 = file('l1', 'Windows/Temp/x/l1.zip', 'low', '01:45');
    // ...so this one, in run 1's window and in run 0's widened one, goes to run 0 too.
    const l3 = file('l3', 'Windows/Temp/y/l3.zip', 'low', '02:12');
    const eps = buildEpisodes([b, l3, a2, l1, a1]);
    const runA = eps.find((e) => e.findingIds.includes('a1'))!;
    const runB = eps.find((e) => e.findingIds.includes('b'))!;
    expect(runA.findingIds).toEqual(['a1', 'a2', 'l1', 'l3']);
    expect(runB.findingIds).toEqual(['b']);
  });

  it('needs a high finding, or a medium one confirmed by another kind of evidence', () => {
    const lone = finding({ id: 'm', path: 'Windows/Temp/a.zip', format: 'zip', level: 'medium', score: 45, times: { modified: at('04:00'), accessed: null, changed: null, born: null } });
    expect(buildEpisodes([lone])).toEqual([]);
    const cmd = finding({ id: 'c', kind: 'history', level: 'medium', score: 40, path: 'Users/x/h.txt', line: 2, details: { command: 'Compress-Archive -DestinationPath C:\\Windows\\Temp\\a.zip' } });
    const eps = buildEpisodes([lone, cmd]);
    expect(eps).toHaveLength(1);
    expect(eps[0]!.level).toBe('medium'); // no strong evidence: capped below high
    expect(eps[0]!.confidence).toBe('moderate');
    expect(unassignedFindings([lone], [])).toEqual([lone]);
  });

  it('scores more independent kinds of evidence higher', () => {
    const one = buildEpisodes([finding({ id: 'x', path: 'Windows/Temp/a.zip', format: 'zip', level: 'high', score: 60, times: { modified: at('04:00'), accessed: null, changed: null, born: null } })])[0]!;
    const two = buildEpisodes([
      finding({ id: 'x', path: 'Windows/Temp/a.zip', format: 'zip', level: 'high', score: 60, times: { modified: at('04:00'), accessed: null, changed: null, born: null } }),
      finding({ id: 'y', kind: 'history', path: 'Users/x/h.txt', line: 1, level: 'medium', score: 40, details: { command: 'zip C:\\Windows\\Temp\\a.zip' } }),
    ])[0]!;
    expect(two.score).toBeGreaterThan(one.score);
  });

  it('uses the gap constant it documents', () => {
    expect(EPISODE_GAP_MS).toBe(30 * 60 * 1000);
  });

  it('keeps the first steps by time, kind and text when thousands tie on time (their texts are made only as needed)', () => {
    const noon = at('12:00');
    // 200 folders of one file each, all written at the same minute, in an order their texts do not follow.
    const tied = Array.from({ length: 200 }, (_, i) => finding({ id: `t${i}`, path: `Users/Public/d${String((i * 37) % 200).padStart(3, '0')}/x.bin`, times: { modified: noon, accessed: null, changed: null, born: null } }));
    // One folder whose files arrive out of path order: its step lists them by time, then path.
    const early = ['c.bin', 'a.bin', 'b.bin'].map((name, i) => finding({ id: `e${i}`, path: `Users/Public/early/${name}`, times: { modified: at(i === 0 ? '11:59' : '11:58'), accessed: null, changed: null, born: null } }));
    const episodes = buildEpisodes([...tied, ...early]);
    expect(episodes).toHaveLength(1);
    const e = episodes[0];
    expect(e!.steps).toHaveLength(60);
    expect(e!.steps[0]!.text).toMatch(/^Between 11:58 and 11:59 3 suspicious files appeared in Users\/Public\/early: a\.bin \(test evidence\); b\.bin \(test evidence\); c\.bin \(test evidence\)\.$/);
    // Then the tied steps in their texts' order: d000, d001, ... d058.
    expect(e!.steps.slice(1).map((s) => /d(\d{3})/.exec(s.text)![1])).toEqual(Array.from({ length: 59 }, (_, i) => String(i).padStart(3, '0')));
    expect(e!.narrative).toContain('(50 more steps in the episode');
  });

  it('survives many findings without a quadratic blow-up in practice', () => {
    const many = Array.from({ length: 2000 }, (_, i) => finding({ id: `m${i}`, path: `Windows/Temp/d${i % 50}/f${i}.zip`, format: 'zip', level: 'high', times: { modified: new Date(Date.UTC(2025, 0, 1) + i * 7_200_000).toISOString(), accessed: null, changed: null, born: null } }));
    const t0 = cpuClock();
    const eps = buildEpisodes(many);
    expect(t0()).toBeLessThan(20_000);
    expect(eps.length).toBeGreaterThan(1);
  });
});

describe('spanPhrase', () => {
  it('names one day once, and both days across midnight', () => {
    expect(spanPhrase(Date.parse('2025-03-15T04:00:00Z'), Date.parse('2025-03-15T04:21:00Z'))).toBe('Between 04:00 and 04:21 UTC on 2025-03-15');
    expect(spanPhrase(Date.parse('2025-03-15T23:50:00Z'), Date.parse('2025-03-16T00:10:00Z'))).toBe('Between 2025-03-15 23:50 and 2025-03-16 00:10 UTC');
    expect(spanPhrase(null, null)).toBe('At an unknown time');
  });
});

describe('link reasons at scale (issue 17)', () => {
  it('the path index names exactly the findings boundaryIncludes names, on generated texts', () => {
    let seed = 99;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const parts = ['Users', 'alice', 'Public', 'out', 'out2', 'bk.rar', 'bk.part1.rar', '$Recycle.Bin', 'S-1-5-21-1-1001', '$RABC.zip', 'a b', 'x'];
    const paths = [...new Set(Array.from({ length: 300 }, () => Array.from({ length: 1 + rand(4) }, () => parts[rand(parts.length)]!).join('/')))];
    const facts = paths.map((p) => factsOf(finding({ path: p })));
    const index = new PathMentions(facts);
    const seps = [' ', '/', '(', ') ', '.', '.r', '-', '_', ', ', '\n', 'x'];
    let named = 0;
    for (let t = 0; t < 300; t++) {
      const text = Array.from({ length: 1 + rand(6) }, () => (rand(2) ? paths[rand(paths.length)]! : parts[rand(parts.length)]!) + seps[rand(seps.length)]!).join('');
      const viaIndex = new Set<number>();
      index.named(text, (j) => viaIndex.add(j));
      const pairwise = new Set(paths.flatMap((p, j) => (boundaryIncludes(text, p) ? [j] : [])));
      expect([...viaIndex].sort((a, b) => a - b)).toEqual([...pairwise].sort((a, b) => a - b));
      named += pairwise.size;
    }
    expect(named).toBeGreaterThan(300); // the texts did name paths
  });

  it('a link text of 170,000 characters naming paths thousands of times is searched in linear time (was 150 s)', () => {
    const facts = Array.from({ length: 2000 }, (_, i) => factsOf(finding({ path: `home/u/docs/f${i}.7z` })));
    const index = new PathMentions(facts);
    const text = Array.from({ length: 3000 }, (_, i) => `home/u/docs/f${i % 2000}.7z is written per u's bash history at line ${i + 1} (home/u/.bash_history)`).join('; ');
    expect(text.length).toBeGreaterThan(170_000);
    const clock = cpuClock();
    const named = new Set<number>();
    index.named(text, (j) => named.add(j));
    expect(clock()).toBeLessThan(2000);
    expect(named.size).toBe(2000);
  });

  it('an episode of 16,000 untimed commands naming timed archives tells its story in linear time (6,000: 3.7 s)', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 16_000; i++) {
      findings.push(finding({ id: `h${i}`, kind: 'history', path: 'Users/bob/ConsoleHost_history.txt', line: i + 1, user: 'bob', level: 'critical', score: 90, details: { command: `7z a -pX C:\\Users\\Public\\out\\p${i}.7z C:\\Users\\bob\\d`, shell: 'powershell', time: null } }));
      if (i % 2) findings.push(finding({ id: `a${i}`, path: `Users/Public/out/p${i}.7z`, format: '7z', level: 'high', score: 70, times: { modified: at('04:00'), accessed: null, changed: null, born: null } }));
    }
    const clock = cpuClock();
    const episodes = buildEpisodes(findings);
    expect(clock()).toBeLessThan(4000);
    const big = episodes.find((e) => e.findingIds.includes('h1'))!;
    // Each command with the archive it wrote (the even lines name archives that are not there).
    expect(big.findingIds).toEqual(expect.arrayContaining(['h1', 'a1', 'h15999', 'a15999']));
  });

  it('8,000 files each named by one value of one registry key group in seconds (the findings of the key joined once)', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 8000; i++) {
      findings.push(finding({ id: `r${i}`, kind: 'registry', path: 'Users/bob/NTUSER.DAT', key: 'ROOT\\Software\\WinRAR\\ArcHistory', value: String(i), level: 'high', score: 65 }));
      findings.push(finding({ id: `f${i}`, path: `Users/Public/out/bk${i}.rar`, format: 'rar', level: 'high', score: 70, times: { modified: at('04:00', `2025-0${1 + (i % 9)}-1${i % 10}`), accessed: null, changed: null, born: null }, reasons: [{ rule: 'named-in-registry', score: 15, message: `mru per registry ROOT\\Software\\WinRAR\\ArcHistory\\${i} in Users/bob/NTUSER.DAT` }] }));
    }
    const clock = cpuClock();
    const episodes = buildEpisodes(findings);
    expect(clock()).toBeLessThan(3000);
    // The reason names the key (not one value): every value of it, so every file, is one story.
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.findingIds).toHaveLength(16_000);
  });

  it('20,000 findings with 5,000 linked Recycle Bin records group in seconds, each record with its data', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = `$Recycle.Bin/S-1-5-21-1-1001/$R${i}.zip`;
      findings.push(finding({ id: `i${i}`, kind: 'recycle-bin', path: `$Recycle.Bin/S-1-5-21-1-1001/$I${i}.zip`, level: 'high', score: 65, deletedAt: at('04:00', `2025-0${1 + (i % 9)}-1${i % 10}`), reasons: [{ rule: 'linked-file-found', score: 20, message: `its data ${r} is present` }] }));
      findings.push(finding({ id: `r${i}`, path: r, level: 'medium', score: 45, times: { modified: at('04:00', `2025-0${1 + (i % 9)}-1${i % 10}`), accessed: null, changed: null, born: null } }));
    }
    for (let i = 0; i < 10_000; i++) findings.push(finding({ id: `z${i}`, path: `Windows/Temp/d${i % 50}/blob${i}.dat`, level: 'low', score: 25 }));
    const started = cpuClock();
    const episodes = buildEpisodes(findings);
    expect(started()).toBeLessThan(8000);
    const withRecord = episodes.filter((e) => e.findingIds.includes('i7'));
    expect(withRecord).toHaveLength(1);
    expect(withRecord[0]!.findingIds).toContain('r7');
  });
});

describe('link reasons naming a history line or a registry value', () => {
  it('joins a registry value and the history line its link reason names, as correlate/ words it', () => {
    // Days apart, in different places, naming no path in common: only the reason links them.
    const hist = finding({ id: 'hist', kind: 'history', path: 'home/bob/.bash_history', line: 12, user: 'bob', level: 'critical', score: 90, details: { command: '7z a -pX /tmp/out.7z /home/bob/docs', shell: 'bash', time: at('04:00', '2025-03-01') }, reasons: [{ rule: 'history-archive-password', score: 50, message: '7z with a password' }] });
    const other = finding({ id: 'hist112', kind: 'history', path: 'home/bob/.bash_history', line: 112, user: 'bob', level: 'high', score: 60, details: { command: 'zip -r /tmp/b.zip /srv', shell: 'bash', time: at('04:00', '2025-06-01') } });
    const reg = finding({
      id: 'reg',
      kind: 'registry',
      path: 'Windows/System32/config/SOFTWARE',
      key: 'ROOT\\Software\\7-Zip\\FM',
      value: 'ArcHistory',
      level: 'high',
      score: 65,
      details: { keyLastWritten: at('04:00', '2025-04-20') },
      reasons: [
        { rule: 'registry-archiver-history', score: 15, message: '7-Zip archives opened' },
        { rule: 'named-in-history', score: 20, message: "C:\\tmp\\out.7z is also written per bob's bash history at line 12 (home/bob/.bash_history) (/tmp/out.7z)" },
      ],
    });
    const episodes = buildEpisodes([hist, other, reg]);
    const withReg = episodes.filter((e) => e.findingIds.includes('reg'));
    expect(withReg).toHaveLength(1);
    expect(withReg[0]!.findingIds).toContain('hist');
    expect(withReg[0]!.findingIds).not.toContain('hist112');
  });

  it('names exactly what a check of every history and registry finding against the text names, on generated texts', () => {
    let seed = 7;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const histPaths = ['home/bob/.bash_history', 'home/bob/.bash_history2', 'Users/a (x86)/ConsoleHost_history.txt', 'Users/a (x86)', 'root/.zsh_history'];
    const lines = [1, 2, 12, 112, 120, null];
    const keys = ['ROOT\\Software\\7-Zip', 'ROOT\\Software\\7-Zip\\FM', 'ROOT\\Software\\WinRAR\\ArcHistory', 'Software in x', 'K'];
    const hives = ['Users/bob/NTUSER.DAT', 'Users/bob/NTUSER.DAT.bak', 'Windows/System32/config/SOFTWARE'];
    const facts = [
      ...histPaths.flatMap((p) => lines.map((line) => factsOf(finding({ kind: 'history', path: p, ...(line === null ? {} : { line }) })))),
      ...keys.flatMap((key) => hives.map((h) => factsOf(finding({ kind: 'registry', path: h, key })))),
    ];
    const index = new LocatorMentions(facts);
    const piece = (): string => {
      switch (rand(6)) {
        case 0:
          return `bob's bash history at line ${lines[rand(lines.length)] ?? '?'} (${histPaths[rand(histPaths.length)]!})`;
        case 1:
          return `registry ${keys[rand(keys.length)]!}${rand(2) ? `\\${['0', 'MRUList', 'a in b'][rand(3)]!}` : ''} in ${hives[rand(hives.length)]!}`;
        case 2:
          return `history at line ${rand(200)}${[' (', ')', ' ', ''][rand(4)]!}${histPaths[rand(histPaths.length)]!.slice(0, 1 + rand(30))}`;
        case 3:
          return `registry ${keys[rand(keys.length)]!.slice(0, 1 + rand(20))}`;
        case 4:
          return ` in ${hives[rand(hives.length)]!}`;
        default:
          return ['(', ')', ' ', '\n', 'x', '\\'][rand(6)]!;
      }
    };
    const names = (text: string, f: Finding): boolean =>
      f.kind === 'history'
        ? text.includes(`history at line ${f.line ?? '?'} (${f.path})`)
        : (text.includes(`registry ${f.key!}\\`) || text.includes(`registry ${f.key!} in `)) && text.includes(` in ${f.path}`);
    let named = 0;
    for (let t = 0; t < 2000; t++) {
      const text = Array.from({ length: 1 + rand(5) }, piece).join(rand(2) ? '\n' : ' ');
      const viaIndex = new Set<number>();
      index.named(text, (j) => viaIndex.add(j));
      const pairwise = facts.flatMap((b, j) => (names(text, b.finding) ? [j] : []));
      expect([...viaIndex].sort((a, b) => a - b)).toEqual(pairwise);
      named += pairwise.length;
    }
    expect(named).toBeGreaterThan(1000); // the texts did name findings
  });

  it('10,000 history commands, each linked to a missing archive, group in seconds (pairwise: 11 s)', () => {
    const findings: Finding[] = [];
    for (let i = 0; i < 10_000; i++) {
      findings.push(finding({ id: `h${i}`, kind: 'history', path: 'home/u/.bash_history', line: i + 1, user: 'u', level: 'critical', score: 90, details: { command: `7z a -pX /tmp/s${i}.7z /home/u/d${i}`, shell: 'bash', time: null }, reasons: [{ rule: 'named-path-missing', score: 0, message: `/tmp/s${i}.7z is not in the image nor in the Trash` }] }));
    }
    const started = cpuClock();
    const episodes = buildEpisodes(findings);
    expect(started()).toBeLessThan(5000);
    expect(episodes.flatMap((e) => e.findingIds)).toHaveLength(10_000);
  });
});

describe('episode locations', () => {
  it('spells each place as the first member whose path starts with it (the per-place search of every finding)', () => {
    const dirs = ['Users/Bob/Out', 'users/bob/OUT', 'Users/Bob/Out2', 'Users/Bob/Out/Sub', 'USERS/bob/out/sub/deeper', 'Temp/İx', 'temp/i̇x', 'ProgramData/A b', 'programdata/a B/c'];
    const findings: Finding[] = [];
    for (let i = 0; i < 300; i++) {
      const minute = String(i % 60).padStart(2, '0');
      const hour = String(Math.floor(i / 60)).padStart(2, '0');
      findings.push(finding({ id: `loc${String((i * 7919) % 300).padStart(3, '0')}`, path: `${dirs[(i * 5) % dirs.length]}/f${i}.bin`, times: { modified: at(`${hour}:${minute}`), accessed: null, changed: null, born: null } }));
    }
    const eps = buildEpisodes(findings);
    expect(eps).toHaveLength(1);
    const members = [...findings].sort((a, b) => a.id.localeCompare(b.id)).map(factsOf);
    const places = [...new Set(members.map((m) => m.place).filter((p): p is string => !!p))].sort();
    const expected = places.map((l) => members.find((m) => m.finding.path.toLowerCase().startsWith(l))?.finding.path.slice(0, l.length) ?? l);
    expect(eps[0]!.locations).toEqual(expected);
    expect(eps[0]!.locations.length).toBeGreaterThan(4);
  });
});
