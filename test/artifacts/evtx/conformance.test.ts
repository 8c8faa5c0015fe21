/**
 * Every corpus EVTX file against libevtx (evtxexport -f xml) and python-evtx (evtx_dump.py):
 * record ids, times (100 ns), channel, provider, event id, computer, user SID and every EventData /
 * UserData field, record by record. The agreement table in docs/eventlogs.md comes from this test
 * (EVTX_AGREEMENT=1 prints its rows).
 */
import { expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, testIf, toolAvailable, toolMissing, CORPUS_MISSING } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { newReadState, readEvtx, templatesOf, type EvtxEvent } from '../../../src/artifacts/evtx/index.js';
import { corpusLogs, parseEvtxexportXml, readEvtxexport, readPythonEvtx, readTools, type ExpectedEvent } from './expectations.js';

const HAVE = corpusAvailable();
const logs = HAVE ? corpusLogs() : [];

/** The log's current records (`events`) and those recovered from its chunks' slack, apart. */
function own(rel: string, keepSlackCopies = false) {
  const state = newReadState();
  const all = [...readEvtx(bufferSource(readFileSync(corpusPath('evtx', rel))), state, { keepSlackCopies })];
  return { events: all.filter((e) => !e.recovered), recovered: all.filter((e) => e.recovered), state };
}

/** evtxinfo's "Number of recovered records" (its expectation file in the corpus). */
function evtxinfoRecovered(rel: string): number {
  const m = /Number of recovered records\s*:\s*(\d+)/.exec(readFileSync(corpusPath('evtx', `${rel}.expected.evtxinfo.txt`), 'utf8'));
  if (!m) throw new Error(`no recovered count in ${rel}.expected.evtxinfo.txt`);
  return Number(m[1]);
}

/** The bad-magic sample: evtxinfo counts 163 recoverable records, evtxexport -m recovered exports 81 (docs/eventlogs.md). */
const BAD_MAGIC = 'evtx-rs/sample_with_a_bad_chunk_magic.evtx';

function comparable(e: EvtxEvent | ExpectedEvent, micro = false) {
  const time = e.time ?? '';
  return {
    recordId: e.recordId,
    time: micro ? time.slice(0, 26) : time,
    channel: e.channel ?? '',
    provider: e.provider ?? '',
    eventId: e.eventId,
    computer: e.computer ?? '',
    userSid: e.userSid ?? null,
    data: e.data,
  };
}

/**
 * python-evtx writes GUIDs in lower case and FILETIMEs as "YYYY-MM-DD hh:mm:ss.ffffff" through a
 * float (the last microsecond may be off): compare case-insensitively and times to the millisecond.
 */
function pythonish(v: string): string {
  const t = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?Z?$/.exec(v);
  if (!t) return v.toLowerCase();
  const ms = Math.round(Number(`0${t[3] ?? ''}`) * 1000);
  return `${t[1]} ${t[2]} +${ms}ms`;
}

/** python-evtx renders binary as base64 and a string array as <string>..</string> lines. */
function samePython(own: string | undefined, py: string | undefined): boolean {
  if (own === undefined || py === undefined) return own === py;
  if (pythonish(own) === pythonish(py)) return true;
  if (/^([0-9A-F]{2})+$/.test(own) && Buffer.from(own, 'hex').toString('base64') === py) return true;
  return false;
}

/**
 * Known differences with evtxexport, each explained in docs/eventlogs.md: record, field, own value.
 * Application_no_crc32 record 441: ExtraInfo holds a single line feed, which evtxexport prints as empty.
 */
const KNOWN: ReadonlyArray<[number, string, string]> = [[441, 'ExtraInfo', '\n']];

/** Differences between expected and own events, matched by record id. */
function differences(expected: ExpectedEvent[], mine: EvtxEvent[], micro: boolean): string[] {
  const byId = new Map<number, EvtxEvent>();
  for (const e of mine) if (!byId.has(e.recordId)) byId.set(e.recordId, e);
  const out: string[] = [];
  for (const x of expected) {
    const m = byId.get(x.recordId);
    if (!m) { out.push(`record ${x.recordId}: missing`); continue; }
    const a = comparable(m, micro);
    const b = comparable(x, micro);
    if (micro) {
      // python-evtx converts FILETIME through a float: its microseconds may be 1 off.
      const us = (t: string) => Date.parse(t.slice(0, 23) + 'Z') * 1000 + Number(t.slice(23, 26) || 0);
      if (Math.abs(us(a.time) - us(b.time)) <= 2) a.time = b.time;
    }
    if (micro) {
      // python-evtx's array and binary rendering: compare field by field; arrays (#n) count once.
      const pyArrays = Object.values(b.data).some((v) => v.startsWith('<string>'));
      const same = pyArrays || Object.keys({ ...a.data, ...b.data }).every((k) => samePython(a.data[k], b.data[k]));
      if (same) a.data = b.data;
    }
    for (const [id, field, value] of KNOWN) if (a.recordId === id && a.data[field] === value && b.data[field] === '') a.data = { ...a.data, [field]: '' };
    for (const k of Object.keys(b) as Array<keyof typeof b>) {
      if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`record ${x.recordId} ${k}: own ${JSON.stringify(a[k]).slice(0, 300)} expected ${JSON.stringify(b[k]).slice(0, 300)}`);
    }
  }
  return out;
}

describeIf(HAVE, CORPUS_MISSING)('EVTX conformance with evtxexport (libevtx) and evtx_dump.py (python-evtx)', () => {
  test('the corpus has the 9 logs the manifest lists', () => {
    expect(logs.length).toBe(9);
  });

  test.each(logs)('%s: every evtxexport record agrees', (rel) => {
    const { events, state } = own(rel);
    const expected = readEvtxexport(rel);
    expect(expected.length).toBe(readTools(rel).info.evtxexport_events);
    const diff = differences(expected, events, false);
    if (process.env.EVTX_AGREEMENT) {
      const py = readPythonEvtx(rel);
      const pyDiff = differences(py, events, true);
      console.log(`AGREEMENT | ${rel} | ${events.length} | ${expected.length} | ${expected.length - new Set(diff.map((d) => d.split(' ')[1])).size} | ${py.length} | ${py.length - new Set(pyDiff.map((d) => d.split(' ')[1])).size} | ${state.warnings.length} |\n${pyDiff.slice(0, 5).join('\n')}`);
    }
    expect(diff.slice(0, 10)).toEqual([]);
  });

  /**
   * python-evtx disagrees where its own reading differs (docs/eventlogs.md): it reads 3 records of
   * the bad-magic sample's damaged chunks that libevtx skips, and keeps 2 Application events' empty
   * optional <Data>/<Binary> elements that libevtx leaves out.
   */
  const PYTHON_DIFFERENT: Readonly<Record<string, number>> = { 'evtx-rs/sample_with_a_bad_chunk_magic.evtx': 3, 'evtx-rs/Application_no_crc32.evtx': 2 };

  test.each(logs)('%s: evtx_dump.py records agree but for the documented differences', (rel) => {
    const { events } = own(rel);
    const py = readPythonEvtx(rel);
    expect(py.length).toBe(readTools(rel).info.python_evtx_events);
    const differing = new Set(differences(py, events, true).map((d) => d.split(' ')[1]));
    expect(differing.size).toBe(PYTHON_DIFFERENT[rel] ?? 0);
  });

  test('records beyond evtxexport come only from the truncated last chunk of System2.evtx', () => {
    for (const rel of logs) {
      const { events, state } = own(rel);
      const known = new Set(readEvtxexport(rel).map((e) => e.recordId));
      const extra = events.filter((e) => !known.has(e.recordId));
      if (rel !== 'plaso/System2.evtx') expect(extra).toEqual([]);
      else {
        expect(extra.length).toBe(89);
        expect(new Set(extra.map((e) => e.chunk))).toEqual(new Set([2]));
        expect(state.warnings.some((w) => w.startsWith('chunk 2 truncated'))).toBe(true);
      }
    }
  });

  test('damage is reported: bad CRCs, skipped chunks, and the dirty flag', () => {
    const app = own('evtx-rs/Application_no_crc32.evtx').state;
    expect(app.warnings).toEqual(expect.arrayContaining(['file header checksum mismatch', 'chunk 0: record data checksum mismatch']));
    const bad = own('evtx-rs/sample_with_a_bad_chunk_magic.evtx').state;
    expect(bad.corrupted).toBe(true);
    expect(own('velocidex-evtx/Security.evtx').state.header?.dirty).toBe(true);
    const clean = own('evtx-rs/new-user-security.evtx').state;
    // Its only note is the slack's, which is not damage.
    expect(clean.warnings).toEqual(['2 records in chunk slack could not be rebuilt (names or templates they use are overwritten): record ids 71 to 73, written 2013-10-23T16:14:50.3540743Z']);
    expect(clean.corrupted).toBe(false);
  });

  /**
   * Slack (docs/eventlogs.md "Recovered records"): the records rebuilt there and those whose names or
   * templates are overwritten add up to evtxinfo's "recovered records" in every log but the bad-magic
   * sample, where evtxinfo counts 82 more than the 81 that both evtxexport and stagehunt rebuild.
   */
  test.each(logs)('%s: records found in chunk slack add up to evtxinfo\'s recovered count', (rel) => {
    const { recovered, state } = own(rel);
    expect(state.recoveredRecords).toBe(recovered.length);
    const found = recovered.length + state.slackCopies + (state.slackUnreadable?.records ?? 0);
    if (rel === BAD_MAGIC) expect([found, evtxinfoRecovered(rel)]).toEqual([81, 163]);
    else expect(found).toBe(evtxinfoRecovered(rel));
  });

  test('a cleared Security log: the 77 older records in its slack are counted with their ids and times, none rebuilt from overwritten templates', () => {
    const { events, recovered, state } = own('velocidex-evtx/Security_1_record.evtx');
    expect(events.map((e) => e.eventId)).toEqual([1102]);
    expect(recovered).toEqual([]);
    expect(state.slackUnreadable).toEqual({ records: 77, firstRecordId: 32994, lastRecordId: 33071, firstWritten: '2019-02-09T15:17:14.5517317Z', lastWritten: '2019-02-09T17:04:29.5578159Z' });
  });

  const haveEvtxexport = HAVE && toolAvailable('evtxexport');
  testIf(haveEvtxexport, toolMissing('evtxexport'))('the records rebuilt from slack with their own chunk\'s templates are those evtxexport -m recovered exports, and agree field by field', () => {
    let rebuilt = 0;
    for (const rel of logs) {
      // Slack copies of current records kept, as evtxexport exports them (a scan counts them instead).
      const recovered = own(rel, true).recovered.filter((e) => !e.templateFromLog);
      rebuilt += recovered.length;
      const theirs = parseEvtxexportXml(execFileSync('evtxexport', ['-m', 'recovered', '-f', 'xml', corpusPath('evtx', rel)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
      const ours = new Set(recovered.map((e) => e.recordId));
      expect(theirs.filter((x) => !ours.has(x.recordId)).map((x) => x.recordId)).toEqual([]);
      expect(differences(theirs, recovered, false)).toEqual([]);
      expect(recovered.length).toBe(theirs.length);
    }
    expect(rebuilt).toBe(82);
  });

  test('the cleared log rebuilt with the templates of an older log of the same machine (parse --templates): 53 of its 77 slack records, each naming itself and its machine as its header does', () => {
    const warnings: string[] = [];
    const library = templatesOf([{ name: 'Security.evtx', source: bufferSource(readFileSync(corpusPath('evtx', 'velocidex-evtx/Security.evtx'))) }], warnings);
    expect(warnings).toEqual([]);
    const state = newReadState();
    const all = [...readEvtx(bufferSource(readFileSync(corpusPath('evtx', 'velocidex-evtx/Security_1_record.evtx'))), state, { lendFrom: library })];
    const recovered = all.filter((e) => e.recovered);
    expect({ recovered: recovered.length, lent: state.recoveredWithLogTemplate, unreadable: state.slackUnreadable?.records }).toEqual({ recovered: 53, lent: 53, unreadable: 24 });
    const kinds = new Map<number, number>();
    for (const e of recovered) kinds.set(e.eventId!, (kinds.get(e.eventId!) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({ 4624: 13, 4625: 9, 4627: 13, 4672: 13, 4776: 4, 4798: 1 });
    // A template whose slots were not the record's would put other values under System: the EventRecordID
    // from the values is the header's id, the machine is the log's, the time is the written one, in every record.
    for (const e of recovered) expect({ id: e.recordId, header: e.headerRecordId, computer: e.computer, channel: e.channel, early: e.time! <= e.written! }).toEqual({ id: e.recordId, header: undefined, computer: 'TestComputer', channel: 'Security', early: true });
    expect(recovered.filter((e) => e.eventId === 4625).every((e) => e.data.TargetUserName !== undefined && e.data.SubjectUserName === 'test')).toBe(true);
  });

  test('records rebuilt with the same template found elsewhere in the log (their own overwritten): 38 in Security.evtx, each a slack copy of a current record and equal to it in every field; 22 in Application_no_crc32.evtx, older than its current ones', () => {
    const security = own('velocidex-evtx/Security.evtx', true);
    const lent = security.recovered.filter((e) => e.templateFromLog);
    expect(lent).toHaveLength(38);
    const current = new Map(security.events.map((e) => [e.recordId, e]));
    const fields = (e: EvtxEvent) => ({ recordId: e.recordId, written: e.written, eventId: e.eventId, channel: e.channel, provider: e.provider, computer: e.computer, userSid: e.userSid, data: e.data });
    for (const e of lent) expect(fields(e)).toEqual(fields(current.get(e.recordId)!));
    // As a scan reads it: copies of current records are counted, not given twice.
    const scanned = own('velocidex-evtx/Security.evtx');
    expect({ recovered: scanned.recovered.length, copies: scanned.state.slackCopies }).toEqual({ recovered: 0, copies: 39 });
    expect(scanned.state.warnings).toContain('39 records in chunk slack are copies of current records (the same record ids): not given twice');

    const app = own('evtx-rs/Application_no_crc32.evtx');
    expect({ recovered: app.state.recoveredRecords, lent: app.state.recoveredWithLogTemplate, unreadable: app.state.slackUnreadable?.records }).toEqual({ recovered: 22, lent: 22, unreadable: 12 });
    const oldest = Math.min(...app.events.map((e) => e.recordId));
    expect(app.recovered.every((e) => e.recordId < oldest && e.templateFromLog)).toBe(true);
    // Software Protection's 16384 as Windows renders it: "scheduled ... for re-start at 2021-04-01T23:47:46Z. Reason: RulesEngine."
    expect(app.recovered.find((e) => e.recordId === 420)).toMatchObject({ eventId: 16384, provider: 'Microsoft-Windows-Security-SPP', data: { '#1': '2021-04-01T23:47:46Z', '#2': 'RulesEngine' } });
  });
});
