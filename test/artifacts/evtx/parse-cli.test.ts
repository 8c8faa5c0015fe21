/** `stagehunt parse file.evtx`: one JSON object per record, streamed, warnings on stderr. */
import { expect, test } from '@jest/globals';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { runCli } from '../../helpers/cli.js';

const HAVE = corpusAvailable();

describeIf(HAVE, CORPUS_MISSING)('stagehunt parse on an EVTX log', () => {
  test('sysmon.evtx: 358 records as JSON lines, 100-ns times, named event data', () => {
    const r = runCli(['parse', corpusPath('evtx', 'evtx-rs', 'sysmon.evtx')]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(358);
    expect(lines[0]).toMatchObject({
      type: 'evtx-record', recordId: 1742, time: '2017-12-26T13:10:29.1368792Z', channel: 'Microsoft-Windows-Sysmon/Operational',
      provider: 'Microsoft-Windows-Sysmon', eventId: 1, computer: 'DESKTOP-2KGM189', userSid: 'S-1-5-18',
      data: { CommandLine: 'ping  -n 6 127.0.0.1 ', Image: 'C:\\Windows\\SysWOW64\\PING.EXE' },
    });
    // The 8 unused chunks past the last written one are garbage: one warning for the run, not fatal.
    expect(r.stderr).toMatch(/warning: chunks 9-16 at offsets 593920-1052672: bad signature, skipped \(8 chunks\)/);
    expect(r.stderr).not.toMatch(/warning: chunk 1\d at offset/);
  });

  test('--format json gives one document with the header summary', () => {
    const r = runCli(['parse', '-f', 'json', corpusPath('evtx', 'velocidex-evtx', 'Security_1_record.evtx'), '--quiet']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.parser).toBe('evtx');
    expect(doc.summary).toMatchObject({ version: '3.1', dirty: true, records: 1 });
    expect(doc.records[0]).toMatchObject({ recordId: 33072, eventId: 1102, userData: 'LogFileCleared', data: { SubjectUserName: 'test' } });
  });
});
