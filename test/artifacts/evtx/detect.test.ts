/**
 * Event-log detection end to end: Security 4688 `rar a -hp`, Sysmon 11 volume set in PerfLogs and a
 * two-part PowerShell 4104 Compress-Archive block, in winevt/Logs of a scanned image, each give a
 * finding at high or above with its locator, process, user, command and timeline row, linked to the
 * volume found in PerfLogs. The written logs are first checked with evtxexport (libevtx).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../../src/pipeline/scan.js';
import { levelRank, type Finding } from '../../../src/model/finding.js';
import type { Episode, TimelineRow } from '../../../src/model/report.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { readEvtx } from '../../../src/artifacts/evtx/index.js';
import { makeRar5 } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';
import { toolAvailable, describeIf, toolMissing } from '../../helpers/corpus.js';
import { parseEvtxexportXml } from './expectations.js';
import { credentialLog, CREDENTIAL_COMMANDS, MODULE_ARCHIVE, powershellLog, RAR_COMMAND, SCRIPT_PARTS, securityLog, shadowCopyLog, SHADOW_COPY_COMMANDS, sysmonLog } from './fixtures.js';

const LOGS = 'Windows/System32/winevt/Logs';
const reason = (f: Finding | undefined, rule: string) => f?.reasons.find((r) => r.rule === rule)?.message ?? '';

const haveEvtxexport = toolAvailable('evtxexport');
describeIf(haveEvtxexport, toolMissing('evtxexport'))('the EVTX writer against evtxexport (libevtx)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-evtx-writer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([['security', securityLog], ['sysmon', sysmonLog], ['powershell', powershellLog], ['credentials', credentialLog], ['shadow copies', shadowCopyLog]] as const)('%s log: libevtx reads every record as stagehunt does', (name, make) => {
    const buf = make();
    const file = path.join(dir, `${name}.evtx`);
    writeFileSync(file, buf);
    const xml = execFileSync('evtxexport', ['-f', 'xml', file], { encoding: 'utf8' });
    const expected = parseEvtxexportXml(xml);
    const own = [...readEvtx(bufferSource(buf))];
    expect(expected.length).toBe(own.length);
    expect(own.map((e) => ({ recordId: e.recordId, time: e.time, channel: e.channel, provider: e.provider, eventId: e.eventId, computer: e.computer, userSid: e.userSid, data: e.data })))
      .toEqual(expected);
    const info = execFileSync('evtxinfo', [file], { encoding: 'utf8' });
    expect(info).not.toMatch(/corrupted/i);
  });
});

describe('event logs in a scanned image', () => {
  let root = '';
  let findings: Finding[] = [];
  let timeline: TimelineRow[] = [];
  let episodes: Episode[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-evtx-scan-'));
    const put = (rel: string, data: Buffer) => {
      const abs = path.join(root, ...rel.split('/'));
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, data);
    };
    put(`${LOGS}/Security.evtx`, securityLog());
    put(`${LOGS}/Microsoft-Windows-Sysmon%4Operational.evtx`, sysmonLog());
    put(`${LOGS}/Microsoft-Windows-PowerShell%4Operational.evtx`, powershellLog());
    put(`${LOGS}/Archive-Security-2025-03-15.evtx`, credentialLog());
    put(`${LOGS}/Archive-Security-2025-03-16.evtx`, shadowCopyLog());
    put('PerfLogs/data.part1.rar', makeRar5({ files: [{ name: 'Documents/plan.docx', size: 4000, encrypted: true }], headersEncrypted: true, volume: { index: 0 } }));
    const report = await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0) });
    findings = report.findings;
    timeline = [...report.timeline];
    episodes = report.episodes ?? [];
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const events = () => findings.filter((f) => f.kind === 'event');
  const byRecord = (channel: string, recordId: number) => events().find((f) => f.event?.channel === channel && f.event.recordId === recordId);

  test('Security 4688 rar a -hp: high or above, with locator, process, user and command', () => {
    const f = byRecord('Security', 102)!;
    expect(f).toBeDefined();
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
    expect(f.path).toBe(`${LOGS}/Security.evtx`);
    expect(f.event).toEqual({ channel: 'Security', recordId: 102, eventId: 4688 });
    expect(f.user).toBe('WORKSTATION\\alice');
    expect(f.details).toMatchObject({ source: 'Security 4688', process: 'C:\\Program Files\\WinRAR\\rar.exe', command: RAR_COMMAND, time: '2025-03-15T05:01:07.1230000Z' });
    expect(reason(f, 'history-archive-password')).toMatch(/-hp/);
    expect(reason(f, 'history-archive-volumes')).toMatch(/data\.part1\.rar/);
    // Correlation: the volume the command names was found in PerfLogs.
    expect(reason(f, 'linked-file-found')).toMatch(/PerfLogs\/data\.part1\.rar/);
    expect(timeline.some((r) => r.findingId === f.id && r.type === 'command' && r.time === '2025-03-15T05:01:07.1230000Z')).toBe(true);
  });

  test('the benign svchost start and the Downloads zip give no finding', () => {
    expect(byRecord('Security', 101)).toBeUndefined();
    expect(events().filter((f) => /ProcessMonitor/.test(JSON.stringify(f.details)))).toEqual([]);
  });

  test('Sysmon 11 volume set in PerfLogs: one high finding naming the three volumes', () => {
    const f = byRecord('Microsoft-Windows-Sysmon/Operational', 10)!;
    expect(f).toBeDefined();
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
    expect(reason(f, 'event-volume-set-written')).toMatch(/3 volumes/);
    expect(reason(f, 'event-archive-written-to-staging')).toMatch(/PerfLogs/);
    expect(f.details).toMatchObject({ source: 'Sysmon 11', target: 'C:\\PerfLogs\\data.part1.rar', records: [10, 11, 12] });
    expect(timeline.filter((r) => r.findingId === f.id && r.type === 'file-created')).toHaveLength(3);
  });

  test('PowerShell 4104 Compress-Archive split over two parts: reassembled, high or above', () => {
    const f = events().find((x) => x.event?.eventId === 4104)!;
    expect(f).toBeDefined();
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
    expect(f.event).toEqual({ channel: 'Microsoft-Windows-PowerShell/Operational', recordId: 41, eventId: 4104 });
    expect(f.details).toMatchObject({ command: SCRIPT_PARTS.join(''), parts: '2 of 2', records: [41, 42] });
    expect(reason(f, 'history-archive-to-staging-location')).toMatch(/C:\\Users\\Public\\docs\.zip/);
  });

  test('PowerShell 4103 module logging: the Compress-Archive invocation rebuilt from its parameter bindings, high or above', () => {
    const f = byRecord('Microsoft-Windows-PowerShell/Operational', 44)!;
    expect(f).toBeDefined();
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
    expect(f.event).toEqual({ channel: 'Microsoft-Windows-PowerShell/Operational', recordId: 44, eventId: 4103 });
    expect(f.user).toBe('WORKSTATION\\alice');
    expect(f.details).toMatchObject({ source: 'PowerShell 4103', process: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' });
    expect(f.details?.command).toBe(`Compress-Archive -Path "C:\\Users\\alice\\Desktop\\HR, C:\\Users\\alice\\Documents\\Payroll" -DestinationPath "${MODULE_ARCHIVE}" -CompressionLevel "Optimal" -Force`);
    expect(reason(f, 'history-archive-to-staging-location')).toContain(MODULE_ARCHIVE);
    expect(reason(f, 'history-archive-user-data')).toMatch(/Desktop\\HR/);
    // The benign module-logged Get-ChildItem gives nothing.
    expect(byRecord('Microsoft-Windows-PowerShell/Operational', 43)).toBeUndefined();
  });

  test.each([
    [201, 'history-ntds-ifm', /C:\\PerfLogs\\ntds/],
    [202, 'history-reg-save-hive', /HKLM\\SAM to C:\\Users\\Public\\sam\.hiv/],
    [203, 'history-lsass-dump', /C:\\Windows\\Temp\\l\.dmp/],
  ] as const)('credential material staged as files (4688 record %i): %s, high or above', (recordId, rule, text) => {
    const f = byRecord('Security', recordId)!;
    expect(f).toBeDefined();
    expect(f.details?.command).toBe(CREDENTIAL_COMMANDS[recordId - 201]);
    expect(reason(f, rule)).toMatch(text);
    expect(reason(f, 'history-archive-to-staging-location')).not.toBe('');
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
  });

  test.each([301, 302])('shadow copies deleted (4688 record %i): medium on its own', (recordId) => {
    const f = byRecord('Security', recordId)!;
    expect(f).toBeDefined();
    expect(f.details?.command).toBe(SHADOW_COPY_COMMANDS[recordId - 301]);
    expect(reason(f, 'history-shadow-copies-deleted')).toMatch(/deletes the volume shadow copies/);
    expect(f.level).toBe('medium');
  });

  test('listing the shadow copies gives no finding', () => {
    expect(byRecord('Security', 303)).toBeUndefined();
  });

  test('a benign reg query gives no finding', () => {
    expect(byRecord('Security', 204)).toBeUndefined();
  });

  test('the volume found in PerfLogs names the event-log command and the Sysmon file event', () => {
    const vol = findings.find((f) => f.kind === 'file' && f.path === 'PerfLogs/data.part1.rar')!;
    expect(vol).toBeDefined();
    expect(reason(vol, 'named-in-event-log')).toMatch(/Security log, event 4688 record 102/);
    expect(reason(vol, 'named-in-event-log')).toMatch(/Sysmon\/Operational log, event 11 record 10/);
  });

  test('the episode holds the command, the Sysmon file event and the volume, with event evidence', () => {
    const cmd = byRecord('Security', 102)!;
    const created = byRecord('Microsoft-Windows-Sysmon/Operational', 10)!;
    const vol = findings.find((f) => f.path === 'PerfLogs/data.part1.rar')!;
    const episode = episodes.find((e) => e.findingIds.includes(vol.id))!;
    expect(episode).toBeDefined();
    expect(episode.findingIds).toEqual(expect.arrayContaining([cmd.id, created.id]));
    expect(episode.evidenceKinds).toContain('event');
    expect(episode.narrative).toMatch(/Security log, event 4688 record 102/);
  });
});

describe('an exported log in a staging place', () => {
  let root = '';
  let findings: Finding[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-evtx-export-'));
    mkdirSync(path.join(root, 'Windows', 'System32'), { recursive: true });
    mkdirSync(path.join(root, 'Users', 'Public'), { recursive: true });
    writeFileSync(path.join(root, 'Users', 'Public', 'sec.evtx'), securityLog());
    findings = (await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0) })).findings;
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the file itself is a finding (weak: context), and its events are read as in winevt/Logs', () => {
    const file = findings.find((f) => f.kind === 'file' && f.path === 'Users/Public/sec.evtx')!;
    expect(reason(file, 'event-log-outside-winevt')).toMatch(/2 records/);
    expect(levelRank(file.level)).toBeLessThan(levelRank('high'));
    expect(findings.find((f) => f.kind === 'event' && f.path === 'Users/Public/sec.evtx' && f.event?.recordId === 102)).toBeDefined();
  });
});
