/**
 * Records in a chunk's slack (after its free-space offset), on logs written by the fixture writer
 * and then cut back: a Security log whose `rar a -hp` record lies past the free-space offset (as
 * after a clear, or in a dirty log) is recovered, marked, and detected as a recovered record; one
 * whose template definition was overwritten is only counted, with its id and time; bytes that merely
 * look like a record header are not counted. The corpus side (evtxinfo, evtxexport -m recovered) is
 * in conformance.test.ts. Then a cleared log (Security 1102, System 104): who cleared it, and what its
 * slack still holds.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../../src/pipeline/scan.js';
import type { Finding } from '../../../src/model/finding.js';
import type { TimelineRow } from '../../../src/model/report.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { evtxParser, newReadState, readEvtx } from '../../../src/artifacts/evtx/index.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import type { Candidate } from '../../../src/rules/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { evtxFile, security4688, sysmon1, type EventSpec } from '../../../fixtures/lib/evtx-writer.mjs';
import { corpusAvailable, corpusPath, testIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { CHUNK, FILE_HEADER, RECORD } from '../../../src/artifacts/evtx/layout.js';
import { breakTemplate, cutBack, RAR_COMMAND, recordOffsets, securityLog } from './fixtures.js';

const HAVE_CORPUS = corpusAvailable();
const CHUNK_AT = FILE_HEADER.size;

function read(log: Buffer) {
  const state = newReadState();
  const all = [...readEvtx(bufferSource(log), state)];
  return { current: all.filter((e) => !e.recovered), recovered: all.filter((e) => e.recovered), state };
}

describe('records in chunk slack', () => {
  const log = securityLog();
  const [first, second] = recordOffsets(log);

  test('the writer lays out two records, the second (rar a -hp) after the first', () => {
    expect(first).toBe(CHUNK.recordsStart);
    expect(second).toBeGreaterThan(first!);
    expect(read(log).recovered).toEqual([]);
  });

  test('a record past the free-space offset is rebuilt, marked recovered, with its own fields; a note says so and the log is not damaged', () => {
    const { current, recovered, state } = read(cutBack(log, second!));
    expect(current.map((e) => e.recordId)).toEqual([101]);
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ recordId: 102, eventId: 4688, channel: 'Security', recovered: true, chunk: 0, data: { CommandLine: RAR_COMMAND } });
    expect(state.recoveredRecords).toBe(1);
    expect(state.slackUnreadable).toBeNull();
    expect(state.corrupted).toBe(false);
    expect(state.warnings).toEqual(["1 record recovered from chunk slack or from after a damaged record (not among the log's current records as read; marked recovered)"]);
  });

  test('a slack record whose template does not check (overwritten) is counted with its id and time, not rebuilt from a wrong template', () => {
    const written = read(log).current[1]!.written;
    const cut = cutBack(log, second!);
    breakTemplate(cut, second!);
    const { current, recovered, state } = read(cut);
    expect(current.map((e) => e.eventId)).toEqual([4688]);
    expect(recovered).toEqual([]);
    expect(state.slackUnreadable).toEqual({ records: 1, firstRecordId: 102, lastRecordId: 102, firstWritten: written, lastWritten: written });
    expect(state.corrupted).toBe(false);
    expect(state.warnings).toEqual([`1 record in chunk slack could not be rebuilt (names or templates they use are overwritten): record id 102, written ${written}`]);
    // Where the same bytes are one of the chunk's current records, the template is not checked (the chunk's own records always hold it): read as before.
    const current2 = read((() => { const whole = Buffer.from(log); breakTemplate(whole, second!); return whole; })()).current;
    expect(current2.map((e) => e.recordId)).toEqual([101, 102]);
  });

  test('bytes that only look like a record header (signature, size and its copy) with an implausible id or time are not counted', () => {
    const cut = cutBack(log, second!);
    const chunk = cut.subarray(CHUNK_AT, CHUNK_AT + CHUNK.size);
    chunk.writeBigUInt64LE(30064771072n, second! + RECORD.id);
    chunk.writeBigUInt64LE(7n, second! + RECORD.written);
    const { state } = read(cut);
    // Its template still checks, so it is rebuilt: the header's id and time are the record's own, whatever they say.
    expect(state.recoveredRecords).toBe(1);
    // With the template broken too, nothing about it is counted.
    breakTemplate(cut, second!);
    const broken = read(cut).state;
    expect([broken.recoveredRecords, broken.slackUnreadable]).toEqual([0, null]);
  });

  test('a false header whose size spans the rest of the chunk does not hide the record after it', () => {
    const cut = cutBack(log, CHUNK.recordsStart);
    const chunk = cut.subarray(CHUNK_AT, CHUNK_AT + CHUNK.size);
    const at = CHUNK.recordsStart;
    chunk.writeUInt32LE(chunk.length - at, at + RECORD.size);
    chunk.writeUInt32LE(chunk.length - at, chunk.length - 4);
    chunk.writeBigUInt64LE(0n, at + RECORD.id);
    chunk[at + RECORD.binxml] = 0xff; // no binary XML token
    const { current, recovered, state } = read(cut);
    expect(current).toEqual([]);
    expect(recovered.map((e) => e.recordId)).toEqual([102]);
    expect(state.slackUnreadable).toBeNull();
  });

  test('a chunk whose signature is damaged: its whole records are recovered, marked, with a warning for the chunk', () => {
    const damaged = Buffer.from(log);
    damaged.write('XlfChnk\0', CHUNK_AT, 'latin1');
    const { current, recovered, state } = read(damaged);
    expect(current).toEqual([]);
    expect(recovered.map((e) => [e.recordId, e.eventId])).toEqual([[101, 4688], [102, 4688]]);
    expect(state.badChunks).toBe(1);
    expect(state.warnings[0]).toMatch(/^chunk 0 at offset 4096: bad signature, skipped/);
  });

  test('recovered records count towards the records limit: the read stops there, with the limit warning before the slack note', () => {
    const damaged = Buffer.from(log);
    damaged.write('XlfChnk\0', CHUNK_AT, 'latin1');
    const saved = LIMITS.maxEvtxRecords;
    (LIMITS as { maxEvtxRecords: number }).maxEvtxRecords = 1;
    try {
      const { recovered, state } = read(damaged);
      expect(recovered.map((e) => e.recordId)).toEqual([101]);
      expect(state.warnings).toEqual([
        expect.stringMatching(/^chunk 0 at offset 4096: bad signature, skipped/),
        'stopped after 1 records (limit)',
        "1 record recovered from chunk slack or from after a damaged record (not among the log's current records as read; marked recovered)",
      ]);
    } finally {
      (LIMITS as { maxEvtxRecords: number }).maxEvtxRecords = saved;
    }
  });

  test('a record with a damaged size ends the current records; the whole ones after it are recovered', () => {
    const damaged = Buffer.from(log);
    const chunk = damaged.subarray(CHUNK_AT, CHUNK_AT + CHUNK.size);
    chunk.writeUInt32LE(3, first! + RECORD.size);
    const { current, recovered, state } = read(damaged);
    expect(current).toEqual([]);
    expect(recovered.map((e) => e.recordId)).toEqual([102]);
    expect(state.corrupted).toBe(true);
  });

  test('slack of random bytes and of repeated record signatures ends, finds nothing, and takes linear time', () => {
    const cut = cutBack(log, second!);
    const chunk = cut.subarray(CHUNK_AT, CHUNK_AT + CHUNK.size);
    for (let p = second!; p + 8 <= chunk.length; p += 8) {
      chunk.writeUInt32LE(RECORD.magic, p);
      chunk.writeUInt32LE(8 + (p % 64), p + 4); // sizes below the minimum or not matching a trailing copy
    }
    const { current, recovered, state } = read(cut);
    expect(current).toHaveLength(1);
    expect([recovered.length, state.slackUnreadable]).toEqual([0, null]);
  });
});

describe('a slack record whose template is overwritten, rebuilt with the same template from elsewhere in the log', () => {
  const start = Date.UTC(2025, 2, 15, 5, 0, 0);
  const ev = (recordId: number, commandLine: string, extra: Partial<EventSpec> = {}): EventSpec => ({
    ...security4688({ recordId, time: new Date(start + recordId * 1000), commandLine, newProcessName: 'C:\\Windows\\System32\\cmd.exe' }),
    ...extra,
  });
  /** The log with the record at `at` of its first chunk in the slack and its own (inline) template definition's GUID broken. */
  function slackWithBrokenTemplate(log: Buffer, at: number): Buffer {
    const cut = cutBack(log, at);
    breakTemplate(cut, at);
    return cut;
  }

  test('the template a current record defines (same id, same GUID, the values fit): rebuilt, marked, the same fields as when it was current', () => {
    const log = evtxFile([ev(101, 'cmd /c whoami', { templateId: 0x4688 }), ev(102, RAR_COMMAND, { templateId: 0x4688 })]);
    const asCurrent = read(log).current[1]!;
    const { current, recovered, state } = read(slackWithBrokenTemplate(log, recordOffsets(log)[1]!));
    expect(current.map((e) => e.recordId)).toEqual([101]);
    expect(recovered).toHaveLength(1);
    const { recovered: mark, templateFromLog, ...fields } = recovered[0]!;
    expect({ mark, templateFromLog }).toEqual({ mark: true, templateFromLog: true });
    expect(fields).toEqual(asCurrent);
    expect(state.recoveredWithLogTemplate).toBe(1);
    expect(state.warnings).toEqual(["1 record recovered from chunk slack or from after a damaged record (not among the log's current records as read; marked recovered; 1 of them with the same template defined elsewhere in the log, their own being overwritten)"]);
  });

  test('a template first defined in a later chunk: the slack record waits for it and is rebuilt after the last chunk', () => {
    const events = Array.from({ length: 90 }, (_, i) => ev(101 + i, `cmd /c echo ${'x'.repeat(400)} ${i}`));
    const inFirst = recordOffsets(evtxFile(events)).length;
    expect(inFirst).toBeLessThan(events.length);
    // Only the first chunk's last record and one record of the second chunk share a template.
    events[inFirst - 1] = { ...events[inFirst - 1]!, templateId: 0x4688 };
    events[inFirst + 3] = { ...events[inFirst + 3]!, templateId: 0x4688 };
    const log = evtxFile(events);
    const last = recordOffsets(log).at(-1)!;
    const { recovered, state } = read(slackWithBrokenTemplate(log, last));
    expect(recovered.map((e) => [e.recordId, e.templateFromLog])).toEqual([[101 + inFirst - 1, true]]);
    expect(recovered[0]!.data.CommandLine).toBe(events[inFirst - 1]!.data.CommandLine);
    expect(state.slackUnreadable).toBeNull();
  });

  test('no template is lent where it would not fit or is not the one: other values, an id two GUIDs share, an id no record defines', () => {
    const written = (log: Buffer) => read(log).current[1]!.written;
    // The same id, but the template takes another set of fields (a Sysmon 1): its slots do not fit a 4688's values.
    const other = evtxFile([{ ...sysmon1({ recordId: 101, time: new Date(start), commandLine: 'notepad', image: 'C:\\Windows\\notepad.exe' }), templateId: 0x4688 }, ev(102, RAR_COMMAND, { templateId: 0x4688 })]);
    const unfit = read(slackWithBrokenTemplate(other, recordOffsets(other)[1]!));
    expect([unfit.recovered.length, unfit.state.slackUnreadable?.records]).toEqual([0, 1]);
    // Two current records define templates of one id with different GUIDs: neither is lent.
    const twoGuids = evtxFile([ev(100, 'a', { templateId: 0x4688 }), ev(101, 'b', { templateId: 0x4688, templateGuidFill: 0x11 }), ev(102, RAR_COMMAND, { templateId: 0x4688 })]);
    const ambiguous = read(slackWithBrokenTemplate(twoGuids, recordOffsets(twoGuids)[2]!));
    expect([ambiguous.recovered.length, ambiguous.state.slackUnreadable?.records]).toEqual([0, 1]);
    // Its id defined nowhere else: counted, as before.
    const alone = evtxFile([ev(101, 'a'), ev(102, RAR_COMMAND)]);
    const none = read(slackWithBrokenTemplate(alone, recordOffsets(alone)[1]!));
    expect(none.state.slackUnreadable).toMatchObject({ records: 1, firstRecordId: 102, firstWritten: written(alone) });
  });

  test('a slack record with the id of a current record (a stale copy: ids go on across a clear) is counted, not given twice; asked for, it is given', () => {
    const log = evtxFile([ev(101, 'cmd /c whoami'), ev(102, RAR_COMMAND)]);
    const secondAt = recordOffsets(log)[1]!;
    const copy = cutBack(log, secondAt);
    // Its id in the header and in its EventRecordID value, both 102, made 101.
    const chunk = copy.subarray(CHUNK_AT, CHUNK_AT + CHUNK.size);
    const end = secondAt + chunk.readUInt32LE(secondAt + RECORD.size);
    for (let p = secondAt; p + 8 <= end; p++) if (chunk.readBigUInt64LE(p) === 102n) chunk.writeBigUInt64LE(101n, p);
    const { current, recovered, state } = read(copy);
    expect([current.map((e) => e.recordId), recovered.length, state.slackCopies, state.slackUnreadable]).toEqual([[101], 0, 1, null]);
    expect(state.warnings).toEqual(['1 record in chunk slack is a copy of current records (the same record ids): not given twice']);
    const all = [...readEvtx(bufferSource(copy), newReadState(), { keepSlackCopies: true })];
    expect(all.map((e) => [e.recordId, e.recovered ?? false])).toEqual([[101, false], [101, true]]);
  });
});

describe('a recovered record in a scan', () => {
  let root = '';
  let findings: Finding[] = [];
  let timeline: TimelineRow[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-evtx-slack-'));
    const logs = path.join(root, 'Windows', 'System32', 'winevt', 'Logs');
    mkdirSync(logs, { recursive: true });
    const log = securityLog();
    writeFileSync(path.join(logs, 'Security.evtx'), cutBack(log, recordOffsets(log)[1]!));
    // A second log, as after a clear: the rar record left in the slack with its own template overwritten,
    // the same 4688 template defined again by a process creation logged after it.
    const t = (minute: number) => new Date(Date.UTC(2025, 2, 15, 6, minute));
    const cleared = evtxFile([
      { ...security4688({ recordId: 201, time: t(5), commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', newProcessName: 'C:\\Windows\\System32\\svchost.exe', user: 'SYSTEM' }), templateId: 0x4688 },
      { ...security4688({ recordId: 200, time: t(1), commandLine: RAR_COMMAND, newProcessName: 'C:\\Program Files\\WinRAR\\rar.exe' }), templateId: 0x4688 },
    ]);
    const slackAt = recordOffsets(cleared)[1]!;
    const withSlack = cutBack(cleared, slackAt);
    breakTemplate(withSlack, slackAt);
    writeFileSync(path.join(logs, 'Archive-Security-2025-03-15.evtx'), withSlack);
    const report = await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0) });
    findings = report.findings;
    timeline = [...report.timeline];
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('a staging command in a cleared log\'s slack, its template overwritten, found through the same template defined after it: recovered, with its command line', () => {
    const f = findings.find((x) => x.kind === 'event' && x.event?.recordId === 200);
    expect(f).toBeDefined();
    expect(f!.path).toMatch(/Archive-Security-2025-03-15\.evtx$/);
    expect(f!.event).toEqual({ channel: 'Security', recordId: 200, eventId: 4688, recovered: true });
    expect(f!.reasons.find((r) => r.rule === 'history-archive-password')?.message).toMatch(/-hp/);
  });

  test('the rar a -hp record from the slack is a finding whose locator and timeline row say it was recovered', () => {
    const f = findings.find((x) => x.kind === 'event' && x.event?.recordId === 102);
    expect(f).toBeDefined();
    expect(f!.event).toEqual({ channel: 'Security', recordId: 102, eventId: 4688, recovered: true });
    expect(f!.reasons.find((r) => r.rule === 'history-archive-password')?.message).toMatch(/-hp/);
    expect(timeline.filter((r) => r.findingId === f!.id).map((r) => r.description)).toEqual(expect.arrayContaining([expect.stringContaining('(Security event 4688 record 102 (recovered from slack))')]));
  });
});

describe('a cleared log (Security 1102, System 104)', () => {
  const ctx: DetectContext = { name: 'Security.evtx', head: Buffer.alloc(0), size: 0, format: 'evtx', os: 'windows', times: NO_TIMES, relPath: 'Windows/System32/winevt/Logs/Security.evtx', hotspot: null, hotspotWeight: 0 };
  const cleared = (candidates: Candidate[]) => candidates.filter((c) => c.hits.some((h) => h.rule === 'event-log-cleared'));

  testIf(HAVE_CORPUS, CORPUS_MISSING)('the corpus log cleared before its one record: who cleared it, and the 77 records before the clear left in its slack', async () => {
    const log = readFileSync(corpusPath('evtx', 'velocidex-evtx', 'Security_1_record.evtx'));
    const held = (await evtxParser.parse(bufferSource(log), ctx))!;
    const found = cleared(evtxParser.detect!(held, ctx));
    expect(found).toHaveLength(1);
    expect(found[0]!.user).toBe('TESTCOMPUTER\\test');
    expect(found[0]!.event).toEqual({ channel: 'Security', recordId: 33072, eventId: 1102 });
    expect(found[0]!.hits[0]!.message).toBe(
      'TESTCOMPUTER\\test cleared the Security log (Security event 1102 record 33072); 77 records not among its current ones remain in its chunk slack (none rebuilt: record ids 32994 to 33071, written 2019-02-09T15:17:14.5517317Z to 2019-02-09T17:04:29.5578159Z, all written before the clear)',
    );
    // The scan's pass keeps the 1102 and gives the same finding.
    expect(cleared((await evtxParser.scan!(bufferSource(log), ctx))!.candidates)).toEqual(found);
  });

  test('System 104 names the log it cleared; the same ids from another provider or channel are not a clear', async () => {
    const time = new Date(Date.UTC(2025, 2, 15, 6, 0, 0));
    const clear = (over: Partial<EventSpec>): EventSpec => ({ recordId: 7, time, provider: 'Microsoft-Windows-Eventlog', channel: 'System', eventId: 104, data: { SubjectUserName: 'alice', SubjectDomainName: 'WORKSTATION', Channel: 'Microsoft-Windows-Sysmon/Operational', BackupPath: '' }, ...over });
    const system = evtxFile([clear({}), clear({ recordId: 8, provider: 'Service Control Manager' }), clear({ recordId: 9, channel: 'Application' }), clear({ recordId: 10, eventId: 1102 })]);
    const held = (await evtxParser.parse(bufferSource(system), { ...ctx, name: 'System.evtx', relPath: 'Windows/System32/winevt/Logs/System.evtx' }))!;
    const found = cleared(evtxParser.detect!(held, ctx));
    expect(found.map((c) => c.event?.recordId)).toEqual([7]);
    expect(found[0]!.hits[0]!.message).toBe('WORKSTATION\\alice cleared the Microsoft-Windows-Sysmon/Operational log (System event 104 record 7)');
    expect(found[0]!.details).toMatchObject({ source: 'System 104', clearedLog: 'Microsoft-Windows-Sysmon/Operational' });
    expect(found[0]!.events).toEqual([{ time: '2025-03-15T06:00:00.0000000Z', type: 'log-cleared', description: found[0]!.hits[0]!.message }]);
  });
});
