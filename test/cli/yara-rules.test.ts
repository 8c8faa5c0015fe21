/** Reading --yara paths (src/cli/yara.ts): which files become rule sources, and the usage errors. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readYaraRules, yaraLimitsOf } from '../../src/cli/yara.js';
import { UsageError } from '../../src/cli/errors.js';
import { LIMITS } from '../../src/util/limits.js';

describe('--yara paths', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sh-yara-rules-'));
    mkdirSync(path.join(dir, 'set', 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'set', 'b.yar'), 'rule B { condition: true }');
    writeFileSync(path.join(dir, 'set', 'sub', 'a.YARA'), 'rule A { condition: true }');
    writeFileSync(path.join(dir, 'set', 'notes.txt'), 'not a rule');
    writeFileSync(path.join(dir, 'set', 'huge.yar'), '');
    truncateSync(path.join(dir, 'set', 'huge.yar'), LIMITS.maxYaraRuleFileBytes + 1);
    writeFileSync(path.join(dir, 'outside.yar'), 'rule Outside { condition: true }');
    symlinkSync(path.join(dir, 'outside.yar'), path.join(dir, 'set', 'link.yar'));
    symlinkSync(dir, path.join(dir, 'set', 'loop'));
    writeFileSync(path.join(dir, 'named.rules'), 'rule Named { condition: true }');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a directory gives its .yar/.yara files below it, sorted, links not followed, too large ones left out with why', () => {
    const set = readYaraRules([path.join(dir, 'set')]);
    expect(set.sources.map((s) => path.relative(dir, s.label))).toEqual([path.join('set', 'b.yar'), path.join('set', 'sub', 'a.YARA')]);
    expect(set.files.map((f) => f.sha256)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(set.skipped).toEqual([{ path: path.join(dir, 'set', 'huge.yar'), reason: `larger than ${LIMITS.maxYaraRuleFileBytes} bytes` }]);
    expect(set.direct.size).toBe(0);
  });

  test('a file named on the command line is read whatever its name, and is marked as named', () => {
    const set = readYaraRules([path.join(dir, 'named.rules')]);
    expect(set.sources.map((s) => s.text)).toEqual(['rule Named { condition: true }']);
    expect([...set.direct]).toEqual([path.join(dir, 'named.rules')]);
  });

  test('usage errors: a missing path, a directory without rules, a named file too large', () => {
    expect(() => readYaraRules([path.join(dir, 'missing')])).toThrow(UsageError);
    mkdirSync(path.join(dir, 'empty'), { recursive: true });
    expect(() => readYaraRules([path.join(dir, 'empty')])).toThrow(/no \.yar or \.yara rule file found/);
    expect(() => readYaraRules([path.join(dir, 'set', 'huge.yar')])).toThrow(/larger than/);
  });

  test('limits: sizes, seconds and members, defaults and bounds', () => {
    const members = (maxMembers: number, maxMemberBytes: number, packages = false) => ({ maxMembers, maxMemberBytes, maxTotalBytes: Math.max(maxMemberBytes, LIMITS.yaraArchiveBytes), packages });
    expect(yaraLimitsOf({})).toEqual({ maxFileBytes: LIMITS.yaraMaxFileBytes, timeoutMs: LIMITS.yaraTimeoutMs, members: members(LIMITS.yaraMaxMembers, LIMITS.yaraMaxFileBytes) });
    expect(yaraLimitsOf({ yaraMaxSize: '64M', yaraTimeout: 0.5, yaraMembers: 5, yaraPackages: true })).toEqual({ maxFileBytes: 64 * 1024 * 1024, timeoutMs: 500, members: members(5, 64 * 1024 * 1024, true) });
    expect(yaraLimitsOf({ yaraMaxSize: '1G', yaraTimeout: 3600 })).toEqual({ maxFileBytes: 1024 ** 3, timeoutMs: 3_600_000, members: members(LIMITS.yaraMaxMembers, 1024 ** 3) });
    // --yara-members 0: archives are not opened
    expect(yaraLimitsOf({ yaraMembers: 0 }).members).toBeNull();
    for (const [size, secs] of [['1.5G', 1], ['lots', 1], ['1M', 0], ['1M', -2], ['1M', Number.NaN], ['1M', 3601]] as Array<[string, number]>) {
      expect(() => yaraLimitsOf({ yaraMaxSize: size, yaraTimeout: secs })).toThrow(UsageError);
    }
    for (const n of [-1, 1.5, 100_001, Number.NaN]) expect(() => yaraLimitsOf({ yaraMembers: n })).toThrow(/--yara-members/);
    expect(() => yaraLimitsOf({ yaraMembers: 0, yaraPackages: true })).toThrow(/--yara-packages/);
  });
});
