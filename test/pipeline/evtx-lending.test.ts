/**
 * Event logs of one channel in a root lend each other templates after the walk
 * (src/pipeline/evtx-lending.ts): the corpus's cleared Security log beside an older Security log of
 * the same machine, as Windows archives a full log, gives the 53 slack records that only the older
 * log's templates rebuild (as `parse --templates` does by hand: test/artifacts/evtx/conformance.test.ts)
 * to the detectors and to Sigma; alone, or beside a log of another channel, it gives none.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { loadSigmaRules } from '../../src/artifacts/evtx/sigma.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, describeIf } from '../helpers/corpus.js';

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
