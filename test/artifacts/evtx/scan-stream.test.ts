/**
 * A scan keeps only the events an EVTX detector reads (`evtxParser.scan`, `isDetectable`): its
 * findings and result must equal `parse` + `detect` on every fixture log and corpus log, with and
 * without the built-in Sigma rules, in winevt/Logs and in a staging place.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { evtxParser, readEvtx, newReadState } from '../../../src/artifacts/evtx/index.js';
import { isDetectable } from '../../../src/artifacts/evtx/detect.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { builtinSigmaRules } from '../../../src/cli/sigma.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, describeIf } from '../../helpers/corpus.js';
import { credentialLog, largeSecurityLog, powershellLog, securityLog, sysmonLog } from './fixtures.js';

const SIGMA = builtinSigmaRules();

function contexts(buf: Buffer): DetectContext[] {
  const base = { name: 'x.evtx', head: buf.subarray(0, 4096), size: buf.length, format: 'evtx', os: 'windows' as const, times: NO_TIMES };
  return [
    { ...base, relPath: 'Windows/System32/winevt/Logs/x.evtx', hotspot: null, hotspotWeight: 0 },
    { ...base, relPath: 'Users/Public/x.evtx', hotspot: 'win-users-public', hotspotWeight: 3, options: { sigma: SIGMA } },
    { ...base, relPath: 'Windows/System32/winevt/Logs/x.evtx', hotspot: null, hotspotWeight: 0, options: { sigma: SIGMA } },
  ];
}

async function expectScanEqualsParse(buf: Buffer): Promise<void> {
  for (const ctx of contexts(buf)) {
    const held = await evtxParser.parse(bufferSource(buf), ctx);
    const scanned = await evtxParser.scan!(bufferSource(buf), ctx);
    if (!held) {
      expect(scanned).toBeNull();
      continue;
    }
    expect(scanned!.result).toEqual({ ...held, records: [] });
    expect(scanned!.candidates).toEqual(evtxParser.detect!(held, ctx));
  }
}

describe('EVTX streamed in a scan', () => {
  test('fixture logs (4688, Sysmon 1/11, 4103, 4104 parts, credential commands): same findings as parse + detect', async () => {
    const logs = [securityLog(), sysmonLog(), powershellLog(), credentialLog()];
    for (const buf of logs) await expectScanEqualsParse(buf);
    // And the logs had findings to compare.
    const ctx = contexts(logs[0]!)[1]!;
    expect((await evtxParser.scan!(bufferSource(logs[0]!), ctx))!.candidates.length).toBeGreaterThan(0);
  });

  test('an event no detector reads is not kept', () => {
    const events = [...readEvtx(bufferSource(securityLog()), newReadState())];
    const logon = { ...events[0]!, eventId: 4624, data: { TargetUserName: 'alice', LogonType: '2' } };
    expect(isDetectable(logon, SIGMA)).toBe(false);
    expect(isDetectable(events[0]!, [])).toBe(true);
  });
});

describeIf(corpusAvailable(), CORPUS_MISSING)('EVTX streamed in a scan: corpus', () => {
  test('every corpus log: same findings and result as parse + detect', async () => {
    let logs = 0;
    const visit = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? visit(`${dir}/${d.name}`) : d.name.endsWith('.evtx') ? [`${dir}/${d.name}`] : []));
    for (const file of visit(corpusPath('evtx'))) {
      await expectScanEqualsParse(readFileSync(file));
      logs++;
    }
    expect(logs).toBeGreaterThan(3);
  }, 600_000);
});

test('a log that takes a while to read lets the event loop turn (Ctrl-C is handled while it is read)', async () => {
  const log = largeSecurityLog(10_000);
  for (const read of [(ctx: DetectContext) => evtxParser.scan!(bufferSource(log), ctx), (ctx: DetectContext) => evtxParser.parse(bufferSource(log), ctx)]) {
    let done = false;
    let timerBeforeDone: boolean | null = null;
    setTimeout(() => (timerBeforeDone = !done), 10);
    // With the built-in Sigma rules: the scan reads such a log on its own thread.
    const started = Date.now();
    const got = await read(contexts(log)[2]!);
    done = true;
    expect(got).not.toBeNull();
    // A read shorter than a turn's interval proves nothing: the log is large enough not to be.
    expect(Date.now() - started).toBeGreaterThan(100);
    expect(timerBeforeDone).toBe(true);
  }
});
