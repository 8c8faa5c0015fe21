/**
 * Event logs of one channel in a root lend each other templates after the walk
 * (src/pipeline/evtx-lending.ts): the corpus's cleared Security log beside an older Security log of
 * the same machine, as Windows archives a full log, gives the 53 slack records that only the older
 * log's templates rebuild (as `parse --templates` does by hand: test/artifacts/evtx/conformance.test.ts)
 * to the detectors and to Sigma; alone, or beside a log of another channel, it gives none. And with
 * the fixture writer: a `rar a -hp` process creation left in a cleared log's slack, its template
 * overwritten and defined nowhere else in that log, is found through the archived log's template.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { loadSigmaRules } from '../../src/artifacts/evtx/sigma.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, describeIf, DIST_MISSING, testIf } from '../helpers/corpus.js';
import { BIN, runCli } from '../helpers/cli.js';
import { loadEvtxTemplates } from '../../src/cli/evtx-templates.js';
import { templatesOf } from '../../src/artifacts/evtx/index.js';
import { TemplateLibrary } from '../../src/artifacts/evtx/binxml.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { evtxFile, security4688 } from '../../fixtures/lib/evtx-writer.mjs';
import { breakTemplate, cutBack, RAR_COMMAND, recordOffsets } from '../artifacts/evtx/fixtures.js';

const LOGS = 'Windows/System32/winevt/Logs';

describeIf(corpusAvailable(), CORPUS_MISSING)('event logs of one channel lend each other templates in a scan', () => {
  let dir: string;
  let rules: ReturnType<typeof loadSigmaRules>['rules'];

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-lending-'));
    const sigma = path.join(dir, 'sigma');
    mkdirSync(sigma);
    // A failed logon (4625) at level high: each rebuilt one becomes a finding of its own.
    writeFileSync(
      path.join(sigma, 'failed-logon.yml'),
      'title: Failed logon\nid: 8f0e6a55-1d2b-4c3e-9a7f-000000000001\nlevel: high\nlogsource:\n  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4625\n  condition: selection\n',
    );
    rules = loadSigmaRules([sigma]).rules;
    expect(rules).toHaveLength(1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A Windows root holding the given corpus logs under winevt/Logs, by the names given. */
  function root(name: string, logs: Record<string, string>): string {
    const r = path.join(dir, name);
    mkdirSync(path.join(r, LOGS), { recursive: true });
    for (const [as, rel] of Object.entries(logs)) copyFileSync(corpusPath('evtx', rel), path.join(r, LOGS, as));
    return r;
  }

  const failedLogons = (report: Awaited<ReturnType<typeof scan>>) => report.findings.filter((f) => f.reasons.some((r) => r.message.startsWith('Sigma "Failed logon"')));

  test('the cleared log beside an archived Security log: its 9 failed logons among the 53 rebuilt records are found, each saying whose templates rebuilt it, and the log says what it took', async () => {
    const r = root('with-archive', { 'Security.evtx': 'velocidex-evtx/Security_1_record.evtx', 'Archive-Security-2020-01-01-00-00-00-000.evtx': 'velocidex-evtx/Security.evtx' });
    const report = await scan({ roots: [r], os: 'windows', scope: 'hotspots', sigma: rules });
    const rebuilt = failedLogons(report).filter((f) => f.path === `${LOGS}/Security.evtx`);
    expect(rebuilt).toHaveLength(9);
    for (const f of rebuilt) {
      expect(f.event?.recovered).toBe(true);
      expect(f.reasons.find((x) => x.message.startsWith('Sigma'))!.message).toMatch(new RegExp(`its record rebuilt with the templates of ${LOGS}/Archive-Security-2020-01-01-00-00-00-000\\.evtx$`));
    }
    const note = report.errors.find((e) => e.path === `${LOGS}/Security.evtx` && e.message.includes('rebuilt with the templates of'));
    expect(note?.message).toBe(`evtx: 53 of its 77 slack records whose templates were overwritten rebuilt with the templates of ${LOGS}/Archive-Security-2020-01-01-00-00-00-000.evtx (the Security channel in this root)`);
  });

  test('scan --evtx-templates: an older log outside the root (a shadow copy\'s, an earlier collection\'s) lends to the logs of its channel', async () => {
    const older = corpusPath('evtx', 'velocidex-evtx/Security.evtx');
    const r = root('given-outside', { 'Security.evtx': 'velocidex-evtx/Security_1_record.evtx' });
    const report = await scan({ roots: [r], os: 'windows', scope: 'hotspots', sigma: rules, evtxTemplates: loadEvtxTemplates([older]) });
    const rebuilt = failedLogons(report).filter((f) => f.path === `${LOGS}/Security.evtx`);
    expect(rebuilt).toHaveLength(9);
    expect(rebuilt[0]!.reasons.find((x) => x.message.startsWith('Sigma'))!.message.endsWith(`its record rebuilt with the templates of ${older}`)).toBe(true);
    expect(report.errors.find((e) => e.message.includes('rebuilt with the templates of'))?.message).toBe(`evtx: 53 of its 77 slack records whose templates were overwritten rebuilt with the templates of ${older} (the Security channel)`);
    // An Application log given lends nothing to a Security log.
    const other = await scan({ roots: [r], os: 'windows', scope: 'hotspots', sigma: rules, evtxTemplates: loadEvtxTemplates([corpusPath('evtx', 'evtx-rs/Application_no_crc32.evtx')]) });
    expect(failedLogons(other).filter((f) => f.path === `${LOGS}/Security.evtx`)).toHaveLength(0);
  });

  testIf(existsSync(BIN), DIST_MISSING)('scan --evtx-templates with a file that is missing or no event log: one line, exit code 2', () => {
    const r = root('bad-option', { 'Security.evtx': 'velocidex-evtx/Security_1_record.evtx' });
    const notLog = path.join(dir, 'notes.txt');
    writeFileSync(notLog, 'not an event log\n');
    for (const [given, says] of [[path.join(dir, 'missing.evtx'), /missing\.evtx/], [notLog, /--evtx-templates .*notes\.txt: not an event log whose records name their channel/]] as const) {
      const out = runCli(['scan', r, '--evtx-templates', given]);
      expect({ given, status: out.status, lines: out.stderr.trim().split('\n').length }).toEqual({ given, status: 2, lines: 1 });
      expect(out.stderr).toMatch(says);
    }
  });

  test('the cleared log alone, or beside a log of another channel: nothing rebuilt, nothing said', async () => {
    for (const [name, logs] of [
      ['alone', { 'Security.evtx': 'velocidex-evtx/Security_1_record.evtx' }],
      ['other-channel', { 'Security.evtx': 'velocidex-evtx/Security_1_record.evtx', 'Application.evtx': 'evtx-rs/Application_no_crc32.evtx' }],
    ] as const) {
      const report = await scan({ roots: [root(name, logs)], os: 'windows', scope: 'hotspots', sigma: rules });
      expect({ name, rebuilt: failedLogons(report).filter((f) => f.path === `${LOGS}/Security.evtx`).length }).toEqual({ name, rebuilt: 0 });
      expect(report.errors.some((e) => e.message.includes('rebuilt with the templates of'))).toBe(false);
    }
  });
});

describe('a staging command in a cleared log\'s slack, through an archived log\'s template (fixture writer)', () => {
  test('the rar a -hp record whose template the clear overwrote is found, marked recovered, naming the lender; without the lender it is only counted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-lending-writer-'));
    try {
      const t = (minute: number) => new Date(Date.UTC(2025, 2, 15, 6, minute));
      // The cleared log: its 1102 (a template of its own), the rar record after it in the slack, its 4688 template's definition overwritten.
      const clear = { recordId: 300, time: t(9), provider: 'Microsoft-Windows-Eventlog', channel: 'Security', eventId: 1102, data: { SubjectUserName: 'alice', SubjectDomainName: 'WORKSTATION' } };
      const full = evtxFile([clear, { ...security4688({ recordId: 299, time: t(8), commandLine: RAR_COMMAND, newProcessName: 'C:\\Program Files\\WinRAR\\rar.exe' }), templateId: 0x4688 }]);
      const slackAt = recordOffsets(full)[1]!;
      const cleared = cutBack(full, slackAt);
      breakTemplate(cleared, slackAt);
      // The log Windows archived before: an ordinary process creation, the same 4688 template.
      const archived = evtxFile([{ ...security4688({ recordId: 120, time: t(1), commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs', newProcessName: 'C:\\Windows\\System32\\svchost.exe', user: 'SYSTEM' }), templateId: 0x4688 }]);
      for (const [name, withArchive] of [['with', true], ['without', false]] as const) {
        const root = path.join(dir, name);
        mkdirSync(path.join(root, LOGS), { recursive: true });
        writeFileSync(path.join(root, LOGS, 'Security.evtx'), cleared);
        if (withArchive) writeFileSync(path.join(root, LOGS, 'Archive-Security-2025-03-14-23-00-00-000.evtx'), archived);
        const report = await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0) });
        const rar = report.findings.find((f) => f.kind === 'event' && f.event?.recordId === 299);
        if (!withArchive) {
          expect(rar).toBeUndefined();
          expect(report.findings.find((f) => f.reasons.some((r) => r.rule === 'event-log-cleared'))!.reasons[0]!.message).toMatch(/1 record not among its current ones remain in its chunk slack \(none rebuilt: record id/);
          continue;
        }
        expect(rar).toBeDefined();
        expect(rar!.event).toEqual({ channel: 'Security', recordId: 299, eventId: 4688, recovered: true });
        const password = rar!.reasons.find((r) => r.rule === 'history-archive-password')!;
        expect(password.message).toMatch(/-hp/);
        expect(password.message).toMatch(new RegExp(`its record rebuilt with the templates of ${LOGS}/Archive-Security-2025-03-14-23-00-00-000\\.evtx$`));
        expect(['high', 'critical']).toContain(rar!.level);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several lenders at once', () => {
  test('their templates are taken together; an id two lenders define with different GUIDs is never lent', () => {
    const t = new Date(Date.UTC(2025, 2, 15, 6, 0));
    const log = (fill: number) => evtxFile([{ ...security4688({ recordId: 1, time: t, commandLine: 'cmd /c whoami', newProcessName: 'C:\\Windows\\System32\\cmd.exe' }), templateId: 0x4688, templateGuidFill: fill }]);
    const of = (fill: number) => templatesOf([{ name: `${fill}.evtx`, source: bufferSource(log(fill)) }], []);
    const merged = new TemplateLibrary();
    merged.absorb(of(0x5a));
    expect(merged.lend(0x4688)).not.toBeNull();
    merged.absorb(of(0x5a));
    expect(merged.lend(0x4688)).not.toBeNull();
    merged.absorb(of(0x33));
    expect(merged.lend(0x4688)).toBeNull();
  });
});
