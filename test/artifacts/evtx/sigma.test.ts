/**
 * Sigma over event-log records: modifiers, conditions, field mapping for Security 4688, unsupported
 * rules counted with their reason, stagehunt's own rules, and --sigma end to end.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load as parse } from 'js-yaml';
import { compileRule, fieldsOf, loadSigmaRules } from '../../../src/artifacts/evtx/sigma.js';
import { sigmaMatches } from '../../../src/artifacts/evtx/sigma-index.js';
import { readEvtx, type EvtxEvent } from '../../../src/artifacts/evtx/index.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { dataDir } from '../../../src/util/package-root.js';
import { scan } from '../../../src/pipeline/scan.js';
import { evtxFile, powershell4104, security4688, sysmon1, sysmonFile } from '../../../fixtures/lib/evtx-writer.mjs';
import { runCli } from '../../helpers/cli.js';
import { sigmaLoadLines } from '../../../src/cli/sigma.js';
import { cpuClock } from '../../helpers/cpu.js';

const T = new Date('2025-03-15T05:01:07Z');
const events = (...specs: Parameters<typeof evtxFile>[0]): EvtxEvent[] => [...readEvtx(bufferSource(evtxFile(specs)))];

const [sec, sys1, ps, created] = events(
  security4688({ recordId: 1, time: T, commandLine: 'C:\\Windows\\System32\\ntdsutil.exe "ac i ntds" ifm "create full C:\\PerfLogs\\x" q q', newProcessName: 'C:\\Windows\\System32\\ntdsutil.exe' }),
  sysmon1({ recordId: 2, time: T, commandLine: 'powershell.exe /enc JABzAD0AJwBoAGkAJwA= -nop', image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' }),
  powershell4104({ recordId: 3, time: T, text: 'Compress-Archive -Path C:\\Users\\alice\\Documents -DestinationPath C:\\Users\\Public\\d.zip' }),
  sysmonFile({ recordId: 4, time: T, targetFilename: 'C:\\PerfLogs\\d.7z.001' }),
);

/** One rule from YAML text, checked against one event. */
function fires(yamlText: string, e: EvtxEvent): boolean {
  return compileRule(parse(yamlText), 'inline.yml').matches(fieldsOf(e));
}
const proc = (detection: string) => `title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n${detection}`;

describe('Sigma rules on event records', () => {
  test('Security 4688 fields are mapped to Sigma names (Image, ParentImage, User)', () => {
    expect(fires(proc("  s: {Image|endswith: '\\ntdsutil.exe', User: 'WORKSTATION\\alice', ParentImage|endswith: '\\cmd.exe'}\n  condition: s"), sec!)).toBe(true);
    expect(fires(proc("  s: {Image|endswith: '\\rar.exe'}\n  condition: s"), sec!)).toBe(false);
  });

  test('modifiers: contains|all, startswith, re, cased, windash, base64offset, null, wildcards', () => {
    expect(fires(proc("  s: {CommandLine|contains|all: ['ntdsutil', 'IFM', 'create full']}\n  condition: s"), sec!)).toBe(true);
    expect(fires(proc("  s: {CommandLine|contains|all: ['ntdsutil', 'snapshot']}\n  condition: s"), sec!)).toBe(false);
    expect(fires(proc("  s: {CommandLine|startswith: 'c:\\windows\\system32\\ntds'}\n  condition: s"), sec!)).toBe(true);
    expect(fires(proc("  s: {CommandLine|re: 'ifm \"create (full|sysvol)'}\n  condition: s"), sec!)).toBe(true);
    expect(fires(proc("  s: {CommandLine|contains|cased: 'IFM'}\n  condition: s"), sec!)).toBe(false);
    expect(fires(proc("  s: {CommandLine|contains|windash: ' -enc '}\n  condition: s"), sys1!)).toBe(true); // written /enc
    // "$s='hi'" in UTF-16 as PowerShell -enc takes it, found at any offset.
    expect(fires(proc("  s: {CommandLine|wide|base64offset|contains: \"$s='hi'\"}\n  condition: s"), sys1!)).toBe(true);
    expect(fires(proc("  s: {OriginalFileName: null}\n  condition: s"), sys1!)).toBe(true);
    expect(fires(proc("  s: {Image: '*\\powershell.e?e'}\n  condition: s"), sys1!)).toBe(true);
  });

  test('|re runs in linear time over a hostile field (|re|i too); an expression that needs backtracking is unsupported, with the reason', () => {
    // Against V8's backtracking engine `(a+)+$` over these 30,000 letters would not end in a lifetime.
    const [hostile] = events(security4688({ recordId: 9, time: T, commandLine: `${'a'.repeat(30_000)}!`, newProcessName: 'C:\\x.exe' }));
    const cpu = cpuClock();
    expect(fires(proc("  s: {CommandLine|re: '(a+)+$'}\n  condition: s"), hostile!)).toBe(false);
    expect(fires(proc("  s: {CommandLine|re|i: '^(A+)+!$'}\n  condition: s"), hostile!)).toBe(true);
    expect(fires(proc("  s: {CommandLine|re: '^(A+)+!$'}\n  condition: s"), hostile!)).toBe(false);
    expect(cpu()).toBeLessThan(10_000);
    expect(() => compileRule(parse(proc("  s: {CommandLine|re: 'ntds(?=util)'}\n  condition: s")), 'x.yml')).toThrow(/regular expression not run: it needs backtracking/);
  });

  test('conditions: and, or, not, parentheses, 1 of, all of, them, keyword lists, lists of maps', () => {
    const sel = "  a: {CommandLine|contains: ntdsutil}\n  b: {CommandLine|contains: snapshot}\n  c: [{Image|endswith: '\\x.exe'}, {Image|endswith: '\\ntdsutil.exe'}]\n  k: ['ifm']\n";
    expect(fires(proc(`${sel}  condition: a and not b`), sec!)).toBe(true);
    expect(fires(proc(`${sel}  condition: a and b`), sec!)).toBe(false);
    expect(fires(proc(`${sel}  condition: (b or c) and k`), sec!)).toBe(true);
    expect(fires(proc(`${sel}  condition: 1 of them`), sec!)).toBe(true);
    expect(fires(proc(`${sel}  condition: all of them`), sec!)).toBe(false);
    expect(fires(proc(`${sel}  condition: all of a* and 1 of c`), sec!)).toBe(true);
    expect(fires(proc(`${sel}  condition: not (a or b)`), sec!)).toBe(false);
  });

  test('categories: a file_event rule sees Sysmon 11, a ps_script rule sees 4104, not each other', () => {
    const fileRule = compileRule(parse("title: f\nlogsource: {category: file_event, product: windows}\ndetection:\n  s: {TargetFilename|re: '\\.7z\\.\\d{3}$'}\n  condition: s"), 'f.yml');
    const psRule = compileRule(parse("title: p\nlogsource: {category: ps_script, product: windows}\ndetection:\n  s: {ScriptBlockText|contains: Compress-Archive}\n  condition: s"), 'p.yml');
    expect(sigmaMatches([fileRule, psRule], created!).map((r) => r.title)).toEqual(['f']);
    expect(sigmaMatches([fileRule, psRule], ps!).map((r) => r.title)).toEqual(['p']);
    expect(sigmaMatches([fileRule, psRule], sec!)).toEqual([]);
  });
});

describe('loading Sigma directories', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-'));
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    put('windows/process_creation/ntds.yml', `title: NTDS IFM\nid: 11111111-1111-1111-1111-111111111111\ntags: [attack.t1003.003]\n${proc("  s: {CommandLine|contains|all: [ntdsutil, ifm]}\n  condition: s").slice('title: t\n'.length)}\nlevel: high\n`);
    put('windows/process_creation/count.yml', proc("  s: {Image|endswith: '\\cmd.exe'}\n  condition: s | count() by User > 5").replace('title: t', 'title: Aggregated'));
    put('windows/registry/reg.yml', "title: Registry\nlogsource: {category: registry_set, product: windows}\ndetection:\n  s: {TargetObject|contains: Run}\n  condition: s\n");
    put('linux/proc.yml', "title: Linux\nlogsource: {category: process_creation, product: linux}\ndetection:\n  s: {Image|endswith: /tar}\n  condition: s\n");
    put('windows/lt.yml', proc("  s: {EventID|lt: 5}\n  condition: s").replace('title: t', 'title: Less than'));
    put('broken.yml', 'title: [unclosed\n');
    put('notes.txt', 'not a rule');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('supported rules load; every other one is listed with its reason', () => {
    const set = loadSigmaRules([dir]);
    expect(set.rules.map((r) => [r.title, r.level, r.attack])).toEqual([['NTDS IFM', 'high', ['T1003.003']]]);
    const reasons = Object.fromEntries(set.unsupported.map((u) => [u.file, u.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['broken.yml', 'linux/proc.yml', 'windows/lt.yml', 'windows/process_creation/count.yml', 'windows/registry/reg.yml']);
    expect(reasons['windows/process_creation/count.yml']).toMatch(/aggregation/);
    expect(reasons['windows/registry/reg.yml']).toMatch(/registry_set/);
    expect(reasons['linux/proc.yml']).toMatch(/product linux/);
    expect(reasons['windows/lt.yml']).toMatch(/modifier 'lt'/);
    expect(reasons['broken.yml']).toMatch(/^YAML/);
  });

  test("stagehunt's own rules load, all of them", () => {
    const own = loadSigmaRules([dataDir('rules', 'data', 'sigma')]);
    expect(own.unsupported).toEqual([]);
    expect(own.rules.length).toBe(4);
    expect(sigmaMatches(own.rules, sec!).map((r) => r.title)).toEqual(['Active Directory database copied with ntdsutil IFM (stagehunt)']);
  });

  test('a scan with Sigma rules: the ntdsutil 4688 event joins the Sigma hit to the command matcher\'s own reasons', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-scan-'));
    try {
      const logs = path.join(root, 'Windows', 'System32', 'winevt', 'Logs');
      mkdirSync(logs, { recursive: true });
      writeFileSync(path.join(logs, 'Security.evtx'), evtxFile([security4688({ recordId: 5, time: T, commandLine: 'ntdsutil "ac i ntds" ifm "create full C:\\PerfLogs\\x" q q', newProcessName: 'C:\\Windows\\System32\\ntdsutil.exe' })]));
      const report = await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0), sigma: loadSigmaRules([dir]).rules });
      const f = report.findings.find((x) => x.kind === 'event' && x.event?.recordId === 5)!;
      expect(f).toBeDefined();
      // The built-in matcher reads the IFM copy into PerfLogs (critical on its own); the user's rule adds its hit.
      expect(f.level).toBe('critical');
      expect(f.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['history-ntds-ifm', 'history-archive-to-staging-location', 'sigma-high']));
      expect(f.reasons.find((r) => r.rule === 'sigma-high')).toMatchObject({ message: expect.stringMatching(/Sigma "NTDS IFM" \(11111111-.*\) from windows\/process_creation\/ntds\.yml matched Security event 4688 record 5/) });
      expect(f.details?.sigma).toEqual([expect.objectContaining({ title: 'NTDS IFM', attack: ['T1003.003'] })]);
      expect(f.attack).toEqual(expect.arrayContaining(['T1003.003', 'T1074.001']));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('unsupported rules are counted per reason on one line; --verbose lists each', () => {
    const set = loadSigmaRules([dir]);
    expect(Object.fromEntries(set.unsupported.map((u) => [u.file, u.kind]))).toEqual({
      'broken.yml': 'YAML', 'linux/proc.yml': 'log source', 'windows/lt.yml': 'modifier',
      'windows/process_creation/count.yml': 'aggregation', 'windows/registry/reg.yml': 'log source',
    });
    expect(sigmaLoadLines(set, ['/r'], false)).toEqual(['stagehunt: sigma: 1 rules loaded from /r; 5 unsupported (2 log source, 1 aggregation, 1 modifier, 1 YAML); --verbose lists them']);
    const verbose = sigmaLoadLines(set, ['/r'], true);
    expect(verbose[0]).toBe('stagehunt: sigma: 1 rules loaded from /r; 5 unsupported (2 log source, 1 aggregation, 1 modifier, 1 YAML)');
    expect(verbose.slice(1)).toHaveLength(5);
    expect(verbose).toContain("stagehunt: sigma: unsupported windows/lt.yml (Less than): modifier 'lt' (EventID)");
    expect(sigmaLoadLines({ rules: [], unsupported: [] }, ['/r'], false)).toEqual(['stagehunt: sigma: 0 rules loaded from /r; 0 unsupported']);
  });

  test('stagehunt scan --sigma: one summary line on stderr, every rule with --verbose; a missing directory is a usage error', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-root-'));
    try {
      const r = runCli(['scan', empty, '--sigma', dir, '-f', 'json']);
      expect(r.status).toBe(0);
      const sigmaLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('stagehunt: sigma:'));
      expect(sigmaLines(r.stderr)).toEqual([expect.stringMatching(/sigma: 1 rules loaded from .*; 5 unsupported \(2 log source, 1 aggregation, 1 modifier, 1 YAML\); --verbose lists them$/)]);
      const v = runCli(['scan', empty, '--sigma', dir, '-f', 'json', '--verbose']);
      expect(v.status).toBe(0);
      expect(sigmaLines(v.stderr)).toHaveLength(6);
      expect(v.stderr).toMatch(/unsupported windows\/lt\.yml \(Less than\): modifier 'lt'/);
      const bad = runCli(['scan', empty, '--sigma', path.join(dir, 'nope')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('Sigma ps_script on a script block split over records', () => {
  test('the rule sees the whole block once, on its first record', async () => {
    const { detectEvtx } = await import('../../../src/artifacts/evtx/detect.js');
    const { NO_TIMES } = await import('../../../src/model/finding.js');
    const parts = ['$d = "C:\\Users\\Public\\"; Compress-', 'Archive -Path C:\\Users\\bob\\Desktop -DestinationPath "$d\\x.zip"'];
    const log = events(
      powershell4104({ recordId: 7, time: T, text: parts[0]!, part: 1, total: 2 }),
      powershell4104({ recordId: 8, time: T, text: parts[1]!, part: 2, total: 2 }),
    );
    const rule = compileRule(parse("title: split\nlogsource: {category: ps_script, product: windows}\ndetection:\n  s: {ScriptBlockText|contains: 'Compress-Archive'}\n  condition: s\nlevel: high"), 'split.yml');
    const result = { parser: 'evtx', records: log, warnings: [], corrupted: false };
    const ctx = { relPath: 'ps.evtx', name: 'ps.evtx', head: Buffer.alloc(0), size: 0, format: 'evtx', os: 'windows' as const, hotspot: null, hotspotWeight: 0, times: NO_TIMES, options: { sigma: [rule] } };
    const withSigma = detectEvtx(result, ctx).filter((c) => c.hits.some((h) => h.rule === 'sigma-high'));
    expect(withSigma.map((c) => c.event?.recordId)).toEqual([7]);
    expect(compileRule(parse("title: split\nlogsource: {category: ps_script}\ndetection:\n  s: {ScriptBlockText|contains: 'Compress-Archive'}\n  condition: s"), 'x.yml').matches(fieldsOf(log[0]!))).toBe(false);
  });
});
