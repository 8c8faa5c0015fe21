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
import { logSourcesOf, ruleLogSource } from '../../../src/artifacts/evtx/sigma-logsource.js';
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

  test('|re with a leading inline group of flags ((?i), (?is): PCRE\'s and Rust\'s) takes them as flags; elsewhere in the expression it is still refused', () => {
    expect(fires(proc("  s: {CommandLine|re: '(?i)IFM \"CREATE (FULL|SYSVOL)'}\n  condition: s"), sec!)).toBe(true);
    expect(fires(proc("  s: {CommandLine|re: 'IFM \"CREATE (FULL|SYSVOL)'}\n  condition: s"), sec!)).toBe(false);
    expect(fires(proc("  s: {CommandLine|re: '(?is)ntdsutil.+Q Q$'}\n  condition: s"), sec!)).toBe(true);
    expect(() => compileRule(parse(proc("  s: {CommandLine|re: 'ntds(?i)util'}\n  condition: s")), 'x.yml')).toThrow(/not valid in JavaScript/);
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
    put('windows/process_creation/count.yml', proc("  s: {Image|endswith: '\\cmd.exe'}\n  condition: s | max(TerminalSessionId) by User > 5").replace('title: t', 'title: Aggregated'));
    put('windows/registry/reg.yml', "title: Registry\nlogsource: {category: registry_set, product: windows}\ndetection:\n  s: {TargetObject|contains: Run}\n  condition: s\n");
    put('windows/dns-client/dns.yml', "title: DNS client\nlogsource: {service: dns-client, product: windows}\ndetection:\n  s: {QueryName|endswith: .onion}\n  condition: s\n");
    put('linux/proc.yml', "title: Linux\nlogsource: {category: process_creation, product: linux}\ndetection:\n  s: {Image|endswith: /tar}\n  condition: s\n");
    put('windows/expand.yml', proc("  s: {CommandLine|expand: '%Staging%'}\n  condition: s").replace('title: t', 'title: Placeholder'));
    put('broken.yml', 'title: [unclosed\n');
    put('notes.txt', 'not a rule');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('supported rules load; every other one is listed with its reason', () => {
    const set = loadSigmaRules([dir]);
    expect(set.rules.map((r) => [r.title, r.level, r.attack, r.logsource])).toEqual([['NTDS IFM', 'high', ['T1003.003'], 'process_creation'], ['Registry', 'medium', [], 'registry_set']]);
    const reasons = Object.fromEntries(set.unsupported.map((u) => [u.file, u.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['broken.yml', 'linux/proc.yml', 'windows/dns-client/dns.yml', 'windows/expand.yml', 'windows/process_creation/count.yml']);
    expect(reasons['windows/process_creation/count.yml']).toMatch(/aggregation/);
    expect(reasons['windows/dns-client/dns.yml']).toMatch(/dns-client/);
    expect(reasons['linux/proc.yml']).toMatch(/product linux/);
    expect(reasons['windows/expand.yml']).toMatch(/modifier 'expand'/);
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
      'broken.yml': 'YAML', 'linux/proc.yml': 'log source', 'windows/expand.yml': 'modifier',
      'windows/process_creation/count.yml': 'aggregation', 'windows/dns-client/dns.yml': 'log source',
    });
    expect(sigmaLoadLines(set, ['/r'], false)).toEqual(['stagehunt: sigma: 2 rules loaded from /r; 5 unsupported (2 log source, 1 aggregation, 1 modifier, 1 YAML); --verbose lists them']);
    const verbose = sigmaLoadLines(set, ['/r'], true);
    expect(verbose[0]).toBe('stagehunt: sigma: 2 rules loaded from /r; 5 unsupported (2 log source, 1 aggregation, 1 modifier, 1 YAML)');
    expect(verbose.slice(1)).toHaveLength(5);
    expect(verbose).toContain("stagehunt: sigma: unsupported windows/expand.yml (Placeholder): modifier 'expand' (CommandLine)");
    expect(sigmaLoadLines({ rules: [], correlations: [], unsupported: [] }, ['/r'], false)).toEqual(['stagehunt: sigma: 0 rules loaded from /r; 0 unsupported']);
  });

  test('stagehunt scan --sigma: one summary line on stderr, every rule with --verbose; a missing directory is a usage error', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-root-'));
    try {
      const r = runCli(['scan', empty, '--sigma', dir, '-f', 'json']);
      expect(r.status).toBe(0);
      const sigmaLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('stagehunt: sigma:'));
      expect(sigmaLines(r.stderr)).toEqual([expect.stringMatching(/sigma: 2 rules loaded from .*; 5 unsupported \(2 log source, 1 aggregation, 1 modifier, 1 YAML\); --verbose lists them$/)]);
      const v = runCli(['scan', empty, '--sigma', dir, '-f', 'json', '--verbose']);
      expect(v.status).toBe(0);
      expect(sigmaLines(v.stderr)).toHaveLength(6);
      expect(v.stderr).toMatch(/unsupported windows\/expand\.yml \(Placeholder\): modifier 'expand'/);
      const bad = runCli(['scan', empty, '--sigma', path.join(dir, 'nope')]);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('Sigma hits at the cap of findings per log', () => {
  test('a record that would need a new finding past the cap does not stop the hits of later records joining their findings', async () => {
    const { detectEvents } = await import('../../../src/artifacts/evtx/detect.js');
    const { NO_TIMES } = await import('../../../src/model/finding.js');
    const { LIMITS } = await import('../../../src/util/limits.js');
    const log = events(
      sysmon1({ recordId: 1, time: T, commandLine: 'powershell.exe -ExecutionPolicy Bypass -File C:\\ProgramData\\a.ps1', image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' }),
      sysmon1({ recordId: 2, time: T, commandLine: '7z.exe a -pS3cret C:\\Users\\Public\\a.7z C:\\Users\\alice\\Documents', image: 'C:\\Program Files\\7-Zip\\7z.exe' }),
      sysmon1({ recordId: 3, time: T, commandLine: '7z.exe a -pS3cret C:\\Users\\Public\\b.7z C:\\Users\\alice\\Desktop', image: 'C:\\Program Files\\7-Zip\\7z.exe' }),
    );
    const rules = [
      compileRule(parse("title: bypass\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {CommandLine|contains: '-ExecutionPolicy Bypass'}\n  condition: s\nlevel: low"), 'bypass.yml'),
      compileRule(parse("title: 7z password\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {Image|endswith: '\\7z.exe', CommandLine|contains: ' -p'}\n  condition: s\nlevel: high"), '7z.yml'),
    ];
    const ctx = { relPath: 'Windows/System32/winevt/Logs/s.evtx', name: 's.evtx', head: Buffer.alloc(0), size: 0, format: 'evtx', os: 'windows' as const, hotspot: null, hotspotWeight: 0, times: NO_TIMES, options: { sigma: rules } };
    const limits = LIMITS as { maxFindingsPerArtifact: number };
    const cap = limits.maxFindingsPerArtifact;
    limits.maxFindingsPerArtifact = 2;
    try {
      const found = detectEvents(log, log.length, ctx);
      expect(found.map((c) => [c.event?.recordId, c.hits.some((h) => h.rule === 'sigma-high')])).toEqual([[2, true], [3, true]]);
    } finally {
      limits.maxFindingsPerArtifact = cap;
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

describe('Sigma log sources beyond process creation (Sysmon categories, PowerShell, services by channel)', () => {
  const rule = (logsource: string, detection: string, title = 't') => compileRule(parse(`title: ${title}\nlogsource: {${logsource}, product: windows}\ndetection:\n${detection}`), `${title}.yml`);
  const T2 = new Date('2025-03-15T05:09:00Z');
  const [reg, timestomp, access] = events(
    { provider: 'Microsoft-Windows-Sysmon', channel: 'Microsoft-Windows-Sysmon/Operational', recordId: 21, time: T2, eventId: 13, userSid: 'S-1-5-18', data: { RuleName: '-', EventType: 'SetValue', Image: 'C:\\PerfLogs\\r.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\7-Zip\\Compression\\ArcHistory', Details: 'C:\\Users\\Public\\out.7z' } },
    { provider: 'Microsoft-Windows-Sysmon', channel: 'Microsoft-Windows-Sysmon/Operational', recordId: 22, time: T2, eventId: 2, userSid: 'S-1-5-18', data: { RuleName: '-', Image: 'C:\\PerfLogs\\r.exe', TargetFilename: 'C:\\Users\\Public\\out.7z', CreationUtcTime: '2019-01-01 00:00:00.000', PreviousCreationUtcTime: '2025-03-15 05:08:00.000' } },
    { provider: 'Microsoft-Windows-Security-Auditing', channel: 'Security', recordId: 23, time: T2, eventId: 4663, data: { SubjectUserName: 'alice', ObjectType: 'File', ObjectName: 'C:\\Windows\\NTDS\\ntds.dit', AccessMask: '0x1', ProcessName: 'C:\\Windows\\System32\\esentutl.exe' } },
  );

  test('each record belongs to its Sysmon categories, its service by channel (any case), and both together', () => {
    expect(logSourcesOf(reg!)).toEqual(['registry_set', 'registry_event', 'service:sysmon', 'registry_set|service:sysmon', 'registry_event|service:sysmon']);
    expect(logSourcesOf(access!)).toEqual(['service:security']);
    expect(logSourcesOf(sec!)).toEqual(['process_creation', 'service:security', 'process_creation|service:security']);
    expect(logSourcesOf({ ...access!, channel: 'SECURITY' })).toEqual(['service:security']);
    expect(logSourcesOf({ ...access!, channel: 'Microsoft-Windows-Unknown/Operational' })).toEqual([]);
    expect(logSourcesOf(ps!)).toEqual(['ps_script', 'service:powershell', 'ps_script|service:powershell']);
    expect(ruleLogSource({ category: 'file_access', product: 'windows' })).toEqual({ unsupported: expect.stringMatching(/file_access/) });
    expect(ruleLogSource({ service: 'dns-client', product: 'windows' })).toEqual({ unsupported: expect.stringMatching(/dns-client/) });
    expect(ruleLogSource({ category: 'registry_set', product: 'linux' })).toEqual({ unsupported: 'product linux' });
    expect(ruleLogSource({ category: 'ps_script', service: 'powershell' })).toEqual({ key: 'ps_script|service:powershell' });
  });

  test('registry, file-change and Security object-access rules fire on their records only', () => {
    const regSet = rule('category: registry_set', "  s: {TargetObject|contains: '\\7-Zip\\Compression\\ArcHistory'}\n  condition: s", 'regset');
    const regEvent = rule('category: registry_event', "  s: {Details|endswith: '.7z'}\n  condition: s", 'regevent');
    const change = rule('category: file_change', "  s: {TargetFilename|endswith: '.7z', CreationUtcTime|startswith: '2019'}\n  condition: s", 'change');
    const ntds = rule('service: security', "  s: {EventID: 4663, ObjectName|endswith: '\\ntds.dit'}\n  condition: s", 'ntds');
    const rules = [regSet, regEvent, change, ntds];
    expect(sigmaMatches(rules, reg!).map((r) => r.title)).toEqual(['regset', 'regevent']);
    expect(sigmaMatches(rules, timestomp!).map((r) => r.title)).toEqual(['change']);
    expect(sigmaMatches(rules, access!).map((r) => r.title)).toEqual(['ntds']);
    expect(sigmaMatches(rules, sec!)).toEqual([]);
  });

  test('Security 4688 reads under Sysmon names for process_creation rules only; a service: security rule reads it as written', () => {
    // ProcessId of 4688 is the creator's (0x2b8); Sigma's process_creation ProcessId is the new process's (NewProcessId 0x1a2c).
    const asProcess = rule('category: process_creation', "  s: {ProcessId: '0x1a2c'}\n  condition: s", 'process');
    const asSecurity = rule('service: security', "  s: {EventID: 4688, ProcessId: '0x2b8'}\n  condition: s", 'security');
    const wrong = rule('service: security', "  s: {EventID: 4688, ProcessId: '0x1a2c'}\n  condition: s", 'wrong');
    expect(sigmaMatches([asProcess, asSecurity, wrong], sec!).map((r) => r.title)).toEqual(['process', 'security']);
  });

  test('network connections: |cidr ranges of either family, and a filter of them', () => {
    const connect = (ip: string) => ({ ...reg!, eventId: 3, data: { Image: 'C:\\PerfLogs\\rclone.exe', DestinationIp: ip, DestinationPort: '443', Initiated: 'true' } });
    const external = rule('category: network_connection', "  s: {Image|endswith: '\\rclone.exe'}\n  local: {DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16', 'fe80::/10', '::1/128']}\n  condition: s and not local", 'external');
    expect(sigmaMatches([external], connect('52.1.2.3')).map((r) => r.title)).toEqual(['external']);
    expect(sigmaMatches([external], connect('192.168.4.5'))).toEqual([]);
    expect(sigmaMatches([external], connect('fe80::1%7'))).toEqual([]);
    expect(sigmaMatches([external], connect('2606:4700::1')).map((r) => r.title)).toEqual(['external']);
    expect(() => rule('category: network_connection', "  s: {DestinationIp|cidr: '10.0.0.0/40'}\n  condition: s")).toThrow(/not an address range/);
  });

  test('|fieldref: a process that deletes its own image (the field holds what another holds, case-insensitively unless |cased)', () => {
    const deletes = (target: string) => ({ ...reg!, eventId: 23, data: { Image: 'C:\\PerfLogs\\r.exe', TargetFilename: target } });
    const own = rule('category: file_delete', "  s: {TargetFilename|fieldref: Image}\n  condition: s", 'own');
    const cased = rule('category: file_delete', "  s: {TargetFilename|fieldref|cased: Image}\n  condition: s", 'cased');
    expect(sigmaMatches([own, cased], deletes('C:\\PerfLogs\\r.exe')).map((r) => r.title)).toEqual(['own', 'cased']);
    expect(sigmaMatches([own, cased], deletes('c:\\perflogs\\R.EXE')).map((r) => r.title)).toEqual(['own']);
    expect(sigmaMatches([own, cased], deletes('C:\\PerfLogs\\out.7z'))).toEqual([]);
    expect(() => rule('category: file_delete', "  s: {TargetFilename|fieldref|endswith: Image}\n  condition: s")).toThrow(/'endswith' with fieldref/);
  });

  test('|exists and the numeric comparisons (|lt, |lte, |gt, |gte): a field present or absent; its decimal or 0x number against the value', () => {
    const withMask = (mask: string | undefined): EvtxEvent => {
      const data: Record<string, string> = mask === undefined ? { ObjectName: 'C:\\Windows\\NTDS\\ntds.dit' } : { ...access!.data, AccessMask: mask };
      return { ...access!, data };
    };
    const present = rule('service: security', "  s: {AccessMask|exists: true}\n  condition: s", 'present');
    const absent = rule('service: security', "  s: {AccessMask|exists: false, ObjectName|endswith: '\\ntds.dit'}\n  condition: s", 'absent');
    expect(sigmaMatches([present, absent], withMask('0x1')).map((r) => r.title)).toEqual(['present']);
    // An empty value is a field that exists.
    expect(sigmaMatches([present, absent], withMask('')).map((r) => r.title)).toEqual(['present']);
    expect(sigmaMatches([present, absent], withMask(undefined)).map((r) => r.title)).toEqual(['absent']);
    const big = rule('service: security', "  s: {AccessMask|gt: 256}\n  condition: s", 'gt');
    const atLeast = rule('service: security', "  s: {AccessMask|gte: 256}\n  condition: s", 'gte');
    const small = rule('service: security', "  s: {AccessMask|lt: [2, '0x100']}\n  condition: s", 'lt');
    const atMost = rule('service: security', "  s: {AccessMask|lte: 1}\n  condition: s", 'lte');
    const all = [big, atLeast, small, atMost];
    const titles = (mask: string | undefined) => sigmaMatches(all, withMask(mask)).map((r) => r.title);
    expect(titles('0x1')).toEqual(['lt', 'lte']);
    expect(titles('0x100')).toEqual(['gte']);
    expect(titles('257')).toEqual(['gt', 'gte']);
    expect(titles(' 100 ')).toEqual(['lt']);
    expect(titles('-3.5')).toEqual(['lt', 'lte']);
    // Text that is no number, or no field, matches no comparison.
    expect(titles('%%4416')).toEqual([]);
    expect(titles('1e3')).toEqual([]);
    expect(titles(undefined)).toEqual([]);
    // On EventID as well.
    expect(sigmaMatches([rule('service: security', "  s: {EventID|gte: 4660, EventID|lt: 4670}\n  condition: s", 'range')], access!).map((r) => r.title)).toEqual(['range']);
    expect(() => rule('service: security', "  s: {AccessMask|exists: yes please}\n  condition: s")).toThrow(/exists takes true or false/);
    expect(() => rule('service: security', "  s: {AccessMask|exists|contains: true}\n  condition: s")).toThrow(/'contains' with exists/);
    expect(() => rule('service: security', "  s: {AccessMask|gt: high}\n  condition: s")).toThrow(/gt takes numbers/);
    expect(() => rule('service: security', "  s: {AccessMask|gt|all: [1, 2]}\n  condition: s")).toThrow(/modifiers 'gt\|all' together/);
  });

  test('keywords are searched in every value of the record; a keyword map with |all needs each of them; a record cannot name its values after the keywords', () => {
    const exchange = (cmdlet: string) => ({ ...access!, provider: 'MSExchange CmdletLogs', channel: 'MSExchange Management', eventId: 1, data: { '#1': `${cmdlet} -Identity "x" -Confirm "False"`, '#2': 'Microsoft.Exchange' } });
    const remove = rule('service: msexchange-management', "  keywords:\n    '|all':\n      - 'Remove-MailboxExportRequest'\n      - ' -Identity '\n      - ' -Confirm \"False\"'\n  condition: keywords", 'remove');
    expect(sigmaMatches([remove], exchange('Remove-MailboxExportRequest')).map((r) => r.title)).toEqual(['remove']);
    expect(sigmaMatches([remove], exchange('Get-MailboxExportRequest'))).toEqual([]);
    // A keyword in a field the old list of six did not read (CurrentDirectory).
    const dir = rule('category: process_creation', "  k: ['\\PerfLogs\\staging']\n  condition: k", 'dir');
    expect(sigmaMatches([dir], { ...sys1!, data: { ...sys1!.data, CurrentDirectory: 'C:\\PerfLogs\\staging\\' } }).map((r) => r.title)).toEqual(['dir']);
    expect(sigmaMatches([dir], { ...sys1!, data: { ...sys1!.data, CurrentDirectory: 'C:\\PerfLogs\\staging\\', '\u0000keywords': 'nothing here' } }).map((r) => r.title)).toEqual(['dir']);
  });

  test('classic PowerShell 400: Data is its unnamed Data elements; ps_classic_start and service: powershell-classic both see it', () => {
    const e = { ...sec!, provider: 'PowerShell', channel: 'Windows PowerShell', eventId: 400, data: { '#1': 'Available', '#2': 'None', '#3': '\tNewEngineState=Available\r\n\tHostApplication=powershell.exe -nop -w hidden -enc JABzAA==' } };
    const start = rule('category: ps_classic_start', "  s: {Data|contains|all: ['HostApplication=', ' -enc ']}\n  condition: s", 'start');
    const service = rule('service: powershell-classic', "  s: {EventID: 400, Data|contains: 'NewEngineState=Available'}\n  condition: s", 'classic');
    expect(sigmaMatches([start, service], e).map((r) => r.title)).toEqual(['start', 'classic']);
    expect(sigmaMatches([start, service], { ...e, data: {} })).toEqual([]);
  });

  test('a scan: a registry record a rule matched is a finding that says what it is about; a Sysmon 2 names the file whose time was changed', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-sources-'));
    const rules = mkdtempSync(path.join(tmpdir(), 'stagehunt-sigma-sources-rules-'));
    try {
      const logs = path.join(root, 'Windows', 'System32', 'winevt', 'Logs');
      mkdirSync(logs, { recursive: true });
      writeFileSync(path.join(logs, 'Microsoft-Windows-Sysmon%4Operational.evtx'), evtxFile([
        { provider: 'Microsoft-Windows-Sysmon', channel: 'Microsoft-Windows-Sysmon/Operational', recordId: 21, time: T2, eventId: 13, userSid: 'S-1-5-18', data: { RuleName: '-', EventType: 'SetValue', Image: 'C:\\PerfLogs\\r.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\7-Zip\\Compression\\ArcHistory', Details: 'C:\\Users\\Public\\out.7z' } },
        { provider: 'Microsoft-Windows-Sysmon', channel: 'Microsoft-Windows-Sysmon/Operational', recordId: 22, time: T2, eventId: 2, userSid: 'S-1-5-18', data: { RuleName: '-', Image: 'C:\\PerfLogs\\r.exe', TargetFilename: 'C:\\Users\\Public\\out.7z', CreationUtcTime: '2019-01-01 00:00:00.000', PreviousCreationUtcTime: '2025-03-15 05:08:00.000' } },
      ]));
      writeFileSync(path.join(rules, 'reg.yml'), "title: 7-Zip archive history written\nlogsource: {category: registry_set, product: windows}\ndetection:\n  s: {TargetObject|contains: '\\7-Zip\\Compression\\ArcHistory'}\n  condition: s\nlevel: high\n");
      writeFileSync(path.join(rules, 'stomp.yml'), "title: Archive creation time changed\nlogsource: {category: file_change, product: windows}\ndetection:\n  s: {TargetFilename|endswith: '.7z'}\n  condition: s\nlevel: medium\n");
      const report = await scan({ roots: [root], os: 'windows', scope: 'all', now: () => new Date(0), sigma: loadSigmaRules([rules]).rules });
      const byRecord = (id: number) => report.findings.find((f) => f.kind === 'event' && f.event?.recordId === id)!;
      const registry = byRecord(21);
      expect(registry.reasons.map((r) => r.rule)).toContain('sigma-high');
      expect(registry.details).toMatchObject({ source: 'Sysmon 13', summary: expect.stringContaining('TargetObject=HKU\\S-1-5-21-1\\Software\\7-Zip\\Compression\\ArcHistory') });
      expect(registry.details?.command).toBeUndefined();
      const stomp = byRecord(22);
      expect(stomp.details).toMatchObject({ source: 'Sysmon 2', target: 'C:\\Users\\Public\\out.7z' });
      expect([...report.timeline].filter((r) => r.type === 'file-changed' && r.description.includes('changed the creation time of C:\\Users\\Public\\out.7z'))).toHaveLength(1);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(rules, { recursive: true, force: true });
    }
  });
});
