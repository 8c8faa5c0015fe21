/** A YARA match as a reason (src/rules/yara/hits.ts): the level a rule claims, its ATT&CK ids, the message and the catalog rule. */
import { describe, expect, test } from '@jest/globals';
import { loadRuleCatalog } from '../../../src/rules/catalog.js';
import { scoreHits } from '../../../src/rules/engine.js';
import { globalsFor, memberGlobals } from '../../../src/rules/yara/globals.js';
import { DEFAULT_YARA_LEVEL, YARA_LEVELS, levelForYaraScore, yaraAttack, yaraDetail, yaraHit, yaraLevel, yaraMessage, yaraRuleId } from '../../../src/rules/yara/hits.js';
import type { MemberTally, WireMatch } from '../../../src/rules/yara/protocol.js';
import { memberWarning } from '../../../src/rules/yara/scanner.js';

const match = (over: Partial<WireMatch> = {}): WireMatch => ({ rule: 'Staging_Script', source: 0, tags: [], meta: [], patterns: [], ...over });

describe('the level a YARA rule claims', () => {
  test.each([
    [[['level', 'critical']], 'critical'],
    [[['severity', 'HIGH']], 'high'],
    [[['severity', 'warning']], 'high'],
    [[['level', 'notice']], 'medium'],
    [[['level', 'info']], 'informational'],
    [[['score', 100]], 'critical'],
    [[['score', 80]], 'critical'],
    [[['score', 79]], 'high'],
    [[['score', 60]], 'high'],
    [[['score', 50]], 'medium'],
    [[['score', 20]], 'low'],
    [[['score', 5]], 'informational'],
    [[['score', '75']], 'high'],
    [[['severity', 90]], 'critical'],
    // A level word wins over a score; an unknown word falls to the score, then to the default.
    [[['score', 90], ['level', 'low']], 'low'],
    [[['severity', 'bogus'], ['score', 45]], 'medium'],
    [[['severity', 'bogus']], DEFAULT_YARA_LEVEL],
    [[['author', 'x']], DEFAULT_YARA_LEVEL],
    [[['score', 'high-ish']], DEFAULT_YARA_LEVEL],
  ] as Array<[WireMatch['meta'], string]>)('%j -> %s', (meta, level) => {
    expect(yaraLevel(meta)).toBe(level);
  });

  test('the bands are stagehunt\'s level floors', () => {
    expect([100, 80, 60, 40, 20, 0].map(levelForYaraScore)).toEqual(['critical', 'critical', 'high', 'medium', 'low', 'informational']);
  });

  test('every level has a catalog rule whose points give a finding of that level on its own', () => {
    const catalog = loadRuleCatalog();
    const expected: Record<string, string> = { critical: 'critical', high: 'high', medium: 'low', low: 'info', informational: 'info' };
    for (const level of YARA_LEVELS) {
      const rule = catalog.get(yaraRuleId(level));
      expect(rule).toBeDefined();
      expect(scoreHits([{ rule: yaraRuleId(level), message: 'm' }], catalog).level).toBe(expected[level]);
    }
    // Strong only at high and critical: weak context cannot lift a low YARA match to an alert.
    expect(YARA_LEVELS.filter((l) => catalog.get(yaraRuleId(l))!.strong)).toEqual(['critical', 'high']);
  });
});

describe('ATT&CK ids a rule names', () => {
  test.each([
    [['T1074_001', 'APT'], [], ['T1074.001']],
    [['t1560'], [], ['T1560']],
    [[], [['mitre_attack', 'T1560.001, T1074.001']], ['T1074.001', 'T1560.001']],
    [[], [['technique', 'T1005']], ['T1005']],
    [[], [['description', 'mentions T1005 in passing']], []],
    [['T12345'], [], []],
    [['T1074_001'], [['attack', 'T1074.001']], ['T1074.001']],
  ] as Array<[string[], WireMatch['meta'], string[]]>)('tags %j meta %j -> %j', (tags, meta, ids) => {
    expect(yaraAttack({ tags, meta })).toEqual(ids);
  });
});

describe('the message and the hit', () => {
  test('names the rule, its file, its description and where its strings matched', () => {
    const m = match({ meta: [['description', 'a batch script that archives with a password']], patterns: [{ id: '$a', count: 1, offsets: [16] }, { id: '$b', count: 3, offsets: [47, 90, 200] }] });
    expect(yaraMessage(m, 'rules/staging.yar')).toBe('YARA rule Staging_Script (rules/staging.yar) matched: a batch script that archives with a password; $a at 0x10, $b 3 times, first at 0x2f');
  });

  test('a condition without strings, and more patterns than are shown', () => {
    expect(yaraMessage(match(), 'r.yar')).toBe('YARA rule Staging_Script (r.yar) matched; its condition alone (no string)');
    const many = match({ patterns: Array.from({ length: 8 }, (_, i) => ({ id: `$s${i}`, count: 1, offsets: [i] })) });
    expect(yaraMessage(many, 'r.yar')).toMatch(/\$s4 at 0x4, and 3 more patterns$/);
  });

  test('the hit carries the level\'s rule and the ATT&CK ids, which the engine adds to the finding', () => {
    const hit = yaraHit(match({ tags: ['T1560_001'], meta: [['score', 85]] }), 'r.yar');
    expect(hit.rule).toBe('yara-critical');
    expect(hit.attack).toEqual(['T1560.001']);
    const scored = scoreHits([hit], loadRuleCatalog());
    expect(scored.level).toBe('critical');
    expect(scored.attack).toEqual(['T1560.001']);
    expect(yaraHit(match(), 'r.yar').attack).toBeUndefined();
  });
});

describe('the globals a rule may test (THOR\'s and Loki\'s externals)', () => {
  test.each([
    ['Windows/Temp/run.BAT', 'run.BAT', 'windows', { filename: 'run.BAT', filepath: '\\Windows\\Temp\\run.BAT', extension: '.bat' }],
    ['tmp/x.tar.gz', 'x.tar.gz', 'linux', { filename: 'x.tar.gz', filepath: '/tmp/x.tar.gz', extension: '.gz' }],
    ['home/u/.bashrc', '.bashrc', 'linux', { filename: '.bashrc', filepath: '/home/u/.bashrc', extension: '' }],
    ['noext', 'noext', 'unknown', { filename: 'noext', filepath: '/noext', extension: '' }],
  ] as const)('%s (%s)', (relPath, name, os, globals) => {
    expect(globalsFor(relPath, name, os)).toEqual(globals);
  });

  test('an attacker-long name is cut', () => {
    const long = 'a'.repeat(100_000);
    const g = globalsFor(long, long, 'linux');
    expect(g.filename.length).toBe(8192);
    expect(g.filepath.length).toBe(8192);
  });
});

describe('an archive member\'s globals and message', () => {
  test.each([
    ['Windows/Temp/out.zip', 'out.zip', 'windows', 'Docs/Q3.PDF', { filename: 'Q3.PDF', filepath: '\\Windows\\Temp\\out.zip\\Docs\\Q3.PDF', extension: '.pdf' }],
    ['Windows/Temp/b.tgz', 'b.tgz', 'windows', './run.bat', { filename: 'run.bat', filepath: '\\Windows\\Temp\\b.tgz\\run.bat', extension: '.bat' }],
    ['tmp/x.tar.gz', 'x.tar.gz', 'linux', 'home/u/.ssh/id_rsa', { filename: 'id_rsa', filepath: '/tmp/x.tar.gz/home/u/.ssh/id_rsa', extension: '' }],
    // A member named with backslashes and empty parts (attacker-chosen) is joined with the root's separator.
    ['x.zip', 'x.zip', 'linux', 'a\\\\b//c.txt', { filename: 'c.txt', filepath: '/x.zip/a/b/c.txt', extension: '.txt' }],
  ] as const)('%s: %s', (relPath, name, os, member, globals) => {
    expect(memberGlobals(globalsFor(relPath, name, os), member)).toEqual(globals);
  });

  test('the message names the member, its control characters shown as \\xNN', () => {
    expect(yaraMessage(match({ member: 'docs/run\x1b[31m.bat', patterns: [{ id: '$a', count: 1, offsets: [16] }] }), 'r.yar')).toBe('YARA rule Staging_Script (r.yar) matched archive member "docs/run\\x1b[31m.bat"; $a at 0x10');
    expect(yaraDetail(match({ member: 'a.txt' }), 'r.yar')).toMatchObject({ rule: 'Staging_Script', member: 'a.txt', file: 'r.yar' });
    expect(yaraDetail(match(), 'r.yar')).not.toHaveProperty('member');
  });
});

describe('what an archive\'s error entry says of members the rules did not see whole', () => {
  const tally = (over: Partial<MemberTally>): MemberTally => ({ format: 'zip', scanned: 3, matched: 0, encrypted: 0, method: 0, tooLarge: 0, damaged: 0, budget: 0, beyond: 0, notes: [], ...over });
  test.each([
    [{}, null],
    // Encrypted members are counted in meta.yara only: the archive's own finding says it is encrypted.
    [{ encrypted: 4 }, null],
    [{ beyond: 1150 }, 'YARA: archive members not given to the rules whole: 1150 past --yara-members'],
    [{ tooLarge: 1, budget: 2, method: 3 }, 'YARA: archive members not given to the rules whole: 1 larger than --yara-max-size, 2 past the 128 MiB decompressed per archive, 3 compressed with a method not decompressed here'],
    [{ damaged: 1, notes: ['a.txt: CRC-32 00000000 where the header says 12345678 (what decoded was scanned)'] }, 'YARA: archive members not given to the rules whole: 1 damaged (a.txt: CRC-32 00000000 where the header says 12345678 (what decoded was scanned))'],
    [{ notes: ['no end of central directory: members read from their local headers'] }, 'YARA: archive members not given to the rules whole: listing damaged (no end of central directory: members read from their local headers)'],
  ] as Array<[Partial<MemberTally>, string | null]>)('%j', (over, said) => {
    expect(memberWarning(tally(over))).toBe(said);
  });
});
