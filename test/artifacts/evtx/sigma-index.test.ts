/**
 * The index of Sigma rules by what they need (sigma-index.ts): a record meets only the rules one of
 * whose needed texts it has, plus those with no known need, and the rules it matches are those a
 * test of every rule finds, in order. Held on generated rules (every modifier, keywords, null
 * values, expressions, and/or/not/"1 of"/"all of") against generated records of each category.
 */
import { describe, expect, test } from '@jest/globals';
import { load as parse } from 'js-yaml';
import { compileRule, fieldsOf, RecordFields, type SigmaRule } from '../../../src/artifacts/evtx/sigma.js';
import { logSourcesOf } from '../../../src/artifacts/evtx/sigma-logsource.js';
import { sigmaMatches } from '../../../src/artifacts/evtx/sigma-index.js';
import type { EvtxEvent } from '../../../src/artifacts/evtx/record.js';
import { builtinSigmaRules } from '../../../src/cli/sigma.js';
import { prng } from '../../helpers/random.js';
import { LIMITS } from '../../../src/util/limits.js';

const PIECES = ['cmd', 'CMD.exe', '\\', 'power', 'Shell', ' -enc ', ' /c ', '-nop', '7z', 'a', ' ', '\u00e9', '\u017f', 'S', 'rar', '.zip', 'C:\\Users\\Public'];
const VALUE_EXTRAS = ['*', '?', '\\*'];
const FIELDS = ['CommandLine', 'Image', 'ParentImage', 'User', 'OriginalFileName', 'TargetFilename', 'ScriptBlockText', 'TargetObject', 'ProcessId'];
const MODIFIERS = ['', '|contains', '|startswith', '|endswith', '|contains|all', '|contains|windash', '|re', '|cased', '|contains|cased', '|base64offset|contains', '|endswith|all', '|cidr', '|fieldref'];
const IPS = ['10.1.2.3', '192.168.0.9', '8.8.8.8', 'fe80::1', '2606:4700::1'];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

function text(rnd: () => number, pieces: readonly string[], max: number): string {
  return Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(rnd, pieces)).join('');
}

function selection(rnd: () => number): unknown {
  if (rnd() < 0.12) return Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => text(rnd, PIECES, 2)); // keywords
  const map = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < 1 + Math.floor(rnd() * 2); k++) {
      const modifier = pick(rnd, MODIFIERS);
      const values = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (): string | null => {
        if (rnd() < 0.05) return null;
        if (modifier === '|re') return pick(rnd, ['cmd.*exe', 'powe?r', '^c:', 'enc$', '[a-z]+\\.zip']);
        if (modifier === '|cidr') return pick(rnd, ['10.0.0.0/8', '192.168.0.0/16', 'fe80::/10', '8.8.8.8']);
        if (modifier === '|fieldref') return pick(rnd, FIELDS);
        return text(rnd, modifier.includes('base64') ? PIECES : [...PIECES, ...VALUE_EXTRAS], 3);
      });
      if (modifier === '|cidr' || modifier === '|fieldref') for (let v = 0; v < values.length; v++) values[v] ??= modifier === '|cidr' ? '10.0.0.0/8' : 'Image';
      out[`${modifier === '|cidr' ? 'DestinationIp' : pick(rnd, FIELDS)}${modifier}`] = values.length === 1 ? values[0] : values;
    }
    return out;
  };
  return rnd() < 0.15 ? [map(), map()] : map();
}

function condition(rnd: () => number, names: readonly string[], depth: number): string {
  const r = rnd();
  if (depth > 2 || r < 0.35) return pick(rnd, names);
  if (r < 0.5) return `not ${condition(rnd, names, depth + 1)}`;
  if (r < 0.6) return pick(rnd, ['1 of sel*', 'all of sel*', '1 of them', 'all of them']);
  const op = rnd() < 0.5 ? 'and' : 'or';
  return `(${condition(rnd, names, depth + 1)} ${op} ${condition(rnd, names, depth + 1)})`;
}

/** Log sources of the generated rules: categories of Sysmon, Security 4688 and PowerShell, services by channel, and both at once. */
const LOGSOURCES: ReadonlyArray<Record<string, string>> = [
  { category: 'process_creation' }, { category: 'file_event' }, { category: 'file_delete' }, { category: 'ps_script' }, { category: 'ps_module' },
  { category: 'registry_set' }, { category: 'registry_event' }, { service: 'security' }, { service: 'sysmon' }, { category: 'ps_script', service: 'powershell' },
];

function rule(rnd: () => number, n: number): SigmaRule {
  const names = ['sel1', 'sel2', 'filter'].slice(0, 1 + Math.floor(rnd() * 3));
  const detection: Record<string, unknown> = {};
  for (const name of names) detection[name] = selection(rnd);
  detection.condition = condition(rnd, names.filter((x) => x !== 'filter' || names.length === 1), 0).replace(/^\((.*)\)$/, '$1');
  return compileRule({ title: `r${n}`, logsource: { ...pick(rnd, LOGSOURCES), product: 'windows' }, detection }, `r${n}.yml`);
}

const KINDS = {
  sysmon1: ['Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 1],
  sysmon11: ['Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 11],
  sysmon13: ['Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 13],
  sysmon23: ['Microsoft-Windows-Sysmon', 'Microsoft-Windows-Sysmon/Operational', 23],
  4688: ['Microsoft-Windows-Security-Auditing', 'Security', 4688],
  4663: ['Microsoft-Windows-Security-Auditing', 'Security', 4663],
  4104: ['Microsoft-Windows-PowerShell', 'Microsoft-Windows-PowerShell/Operational', 4104],
  4103: ['Microsoft-Windows-PowerShell', 'Microsoft-Windows-PowerShell/Operational', 4103],
} as const;

function event(rnd: () => number, n: number): EvtxEvent {
  const kind = pick(rnd, Object.keys(KINDS) as Array<keyof typeof KINDS>);
  const [provider, channel, eventId] = KINDS[kind];
  const data: Record<string, string> = {};
  const names = eventId === 4688 ? ['CommandLine', 'NewProcessName', 'ParentProcessName', 'SubjectUserName', 'ProcessId'] : FIELDS;
  for (const name of names) if (rnd() < 0.8) data[name] = rnd() < 0.1 ? '' : text(rnd, PIECES, 6);
  if (rnd() < 0.5) data.DestinationIp = pick(rnd, IPS);
  // Base64 of some of the pieces, so that base64offset values find something.
  if (rnd() < 0.2) data.CommandLine = `powershell -enc ${Buffer.from(text(rnd, PIECES, 3), 'utf16le').toString('base64')}`;
  return { type: 'evtx-record', recordId: n, time: null, written: null, channel, provider, eventId, version: null, level: null, task: null, opcode: null, keywords: null, computer: null, userSid: null, processId: null, threadId: null, data } as EvtxEvent;
}

/** Every rule of each of the record's log sources tested, in the rule set's order: what the index must give. */
function byEveryRule(rules: readonly SigmaRule[], e: EvtxEvent): SigmaRule[] {
  const matched = new Set<SigmaRule>();
  for (const key of logSourcesOf(e)) {
    const fields = new RecordFields(fieldsOf(e, key));
    for (const r of rules) if (r.logsource === key && r.matchesRecord(fields)) matched.add(r);
  }
  return rules.filter((r) => matched.has(r));
}

describe('Sigma rules indexed by what they need', () => {
  test('the rules a record matches, in order, are those every rule\'s test finds (1,500 generated rules, 800 records)', () => {
    const rnd = prng(41);
    const rules = Array.from({ length: 1500 }, (_, n) => rule(rnd, n));
    let matched = 0;
    for (let n = 0; n < 800; n++) {
      const e = event(rnd, n);
      const want = byEveryRule(rules, e).map((r) => r.title);
      expect({ record: n, data: e.data, got: sigmaMatches(rules, e).map((r) => r.title) }).toEqual({ record: n, data: e.data, got: want });
      matched += want.length;
    }
    // Matches are common, and most generated rules have something the index can look for.
    expect(matched).toBeGreaterThan(800);
    const indexed = rules.filter((r) => r.needs !== null).length;
    expect(indexed).toBeGreaterThan(rules.length / 3);
    expect(indexed).toBeLessThan(rules.length);
  });

  test('a record meets only the rules whose needed text it has, and those with no known need', () => {
    const yaml = (detection: string) => parse(`title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n${detection}`);
    const counted = (r: SigmaRule) => {
      let calls = 0;
      return { rule: { ...r, matchesRecord: (f: RecordFields) => (calls++, r.matchesRecord(f)) }, calls: () => calls };
    };
    const rar = counted(compileRule(yaml("  s: {Image|endswith: '\\rar.exe', CommandLine|contains: ' a '}\n  condition: s"), 'rar.yml'));
    const notCmd = counted(compileRule(yaml("  s: {Image|endswith: '\\cmd.exe'}\n  condition: not s"), 'not.yml'));
    const re = counted(compileRule(yaml("  s: {CommandLine|re: 'ntds.*ifm'}\n  condition: s"), 're.yml'));
    const rules = [rar.rule, notCmd.rule, re.rule];
    const e = (image: string, commandLine: string): EvtxEvent => ({ ...event(prng(1), 0), provider: 'Microsoft-Windows-Sysmon', eventId: 1, data: { Image: image, CommandLine: commandLine } });
    expect(sigmaMatches(rules, e('C:\\Windows\\System32\\cmd.exe', 'cmd /c dir')).map((r) => r.title)).toEqual([]);
    expect([rar.calls(), notCmd.calls(), re.calls()]).toEqual([0, 1, 1]);
    expect(sigmaMatches(rules, e('C:\\Program Files\\WinRAR\\Rar.exe', 'rar.exe a -hp x.rar C:\\Users')).map((r) => r.title)).toEqual(['t', 't']);
    expect([rar.calls(), notCmd.calls(), re.calls()]).toEqual([1, 2, 2]);
  });

  test('what a rule needs: the most selective part of an "and", every part of an "or", nothing under "not" or for an expression', () => {
    const needs = (detection: string) => compileRule(parse(`title: t\nlogsource: {category: process_creation, product: windows}\ndetection:\n${detection}`), 'x.yml').needs;
    expect(needs("  s: {Image|endswith: '\\rar.exe', CommandLine|contains: ' a '}\n  condition: s")).toEqual([{ field: 'Image', text: '\\RAR.EXE' }]);
    expect(needs("  s: {CommandLine|contains: ['*/temp/*.zip', 'x?y']}\n  condition: s")).toBeNull();
    expect(needs("  s: {CommandLine|contains: ['*/temp/*.zip', '7z']}\n  condition: s")).toEqual([{ field: 'CommandLine', text: '/TEMP/' }, { field: 'CommandLine', text: '7Z' }]);
    expect(needs("  s: {CommandLine|contains|all: [' a ', '-hp', 'rar.exe']}\n  condition: s")).toEqual([{ field: 'CommandLine', text: 'RAR.EXE' }]);
    expect(needs("  s: {CommandLine|contains|windash: ' -p'}\n  condition: s")).toEqual([' -P', ' /P', ' \u2013P', ' \u2014P', ' \u2015P'].map((text) => ({ field: 'CommandLine', text })));
    expect(needs("  s: ['mimikatz']\n  condition: s")).toEqual([{ field: '\u0000keywords', text: 'MIMIKATZ' }]);
    expect(needs("  a: {Image|endswith: '\\7z.exe'}\n  b: {Image|endswith: '\\rar.exe'}\n  condition: a or b")).toHaveLength(2);
    expect(needs("  a: {Image|endswith: '\\7z.exe'}\n  b: {Image|endswith: '\\rar.exe'}\n  condition: a and not b")).toEqual([{ field: 'Image', text: '\\7Z.EXE' }]);
    expect(needs("  a: {Image|endswith: '\\7z.exe'}\n  b: {CommandLine: null}\n  condition: a or b")).toBeNull();
    expect(needs("  s: {CommandLine|re: 'ntds.*ifm'}\n  condition: s")).toBeNull();
    expect(needs("  s: {CommandLine|cased|contains: 'Rar'}\n  condition: s")).toEqual([{ field: 'CommandLine', text: 'RAR' }]);
  });

  test('a rule whose texts would take a field\'s automaton past its bound is tried on every record instead', () => {
    const values = Array.from({ length: Math.ceil(LIMITS.maxSigmaIndexUnitsPerField / 20) + 1 }, (_, i) => `value-${String(i).padStart(14, '0')}`);
    const big = compileRule({ title: 'big', logsource: { category: 'process_creation', product: 'windows' }, detection: { s: { 'CommandLine|contains': values }, condition: 's' } }, 'big.yml');
    const small = compileRule({ title: 'small', logsource: { category: 'process_creation', product: 'windows' }, detection: { s: { 'CommandLine|contains': 'rar a' }, condition: 's' } }, 'small.yml');
    expect(big.needs).toHaveLength(values.length);
    let bigCalls = 0;
    const rules = [small, { ...big, matchesRecord: (f: RecordFields) => (bigCalls++, big.matchesRecord(f)) }];
    const e = (commandLine: string): EvtxEvent => ({ ...event(prng(1), 0), provider: 'Microsoft-Windows-Sysmon', eventId: 1, data: { CommandLine: commandLine } });
    expect(sigmaMatches(rules, e('cmd /c dir')).map((r) => r.title)).toEqual([]);
    expect(bigCalls).toBe(1);
    expect(sigmaMatches(rules, e(`rar a x.rar ${values[values.length - 1]}`)).map((r) => r.title)).toEqual(['small', 'big']);
  });

  test('stagehunt\'s own rules are all indexed', () => {
    const own = builtinSigmaRules();
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((r) => r.needs === null).map((r) => r.file)).toEqual([]);
  });
});
