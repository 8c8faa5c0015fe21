/**
 * Sigma correlation rules (docs/eventlogs.md "Sigma correlations"). On the corpus's real logs the
 * firings are checked against the records python-evtx printed (the corpus's stored reference
 * output), windowed here by a plain count over every window; the rest are the specification's
 * examples and the bounds, on logs written by fixtures/lib/evtx-writer.mjs.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSigmaRules } from '../../../src/artifacts/evtx/sigma.js';
import { scan } from '../../../src/pipeline/scan.js';
import type { Finding } from '../../../src/model/finding.js';
import { evtxFile, security4688, sysmon1, sysmonFile } from '../../../fixtures/lib/evtx-writer.mjs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { runCli } from '../../helpers/cli.js';
import { LIMITS } from '../../../src/util/limits.js';

const HAVE_CORPUS = corpusAvailable();

function ruleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-corr-rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function scanWith(root: string, rules: string): Promise<{ correlated: Finding[]; all: Finding[]; warnings: string[] }> {
  const report = await scan({ roots: [root], os: 'windows', scope: 'all', now: () => new Date(0), sigma: loadSigmaRules([rules]).rules });
  return { correlated: report.findings.filter((f) => f.correlation !== undefined), all: report.findings, warnings: report.errors.map((e) => e.message) };
}

interface RefRecord {
  recordId: number;
  eventId: number;
  ms: number;
  data: Record<string, string>;
}

/** The records python-evtx printed for a corpus log: event id, record id, time (to the ms) and the EventData fields. */
function pythonEvtxRecords(rel: string): RefRecord[] {
  const xml = gunzipSync(readFileSync(corpusPath('evtx', `${rel}.expected.python-evtx.xml.gz`))).toString('utf8');
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  return xml.split('</Event>').slice(0, -1).map((ev) => {
    const t = /SystemTime="(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?"/.exec(ev)!;
    const data: Record<string, string> = {};
    for (const m of ev.matchAll(/<Data Name="([^"]+)">([^<]*)<\/Data>/g)) data[m[1]!] = unescape(m[2]!);
    return {
      recordId: Number(/<EventRecordID>(\d+)</.exec(ev)![1]),
      eventId: Number(/<EventID[^>]*>(\d+)</.exec(ev)![1]),
      // To the millisecond, as the correlation measures.
      ms: Date.parse(`${t[1]}T${t[2]}Z`) + Math.floor(Number(`0.${t[3] ?? '0'}`) * 1000),
      data,
    };
  });
}

/**
 * The windows the specification's count asks for, by brute force: per group, in time order, from
 * each record the records within the timespan are counted afresh; a window that holds the condition
 * is one firing and the next starts after it.
 */
function bruteForce(records: RefRecord[], groupOf: (r: RefRecord) => string, countOf: (w: RefRecord[]) => number, spanMs: number, holds: (n: number) => boolean): { group: string; first: number; count: number }[] {
  const groups = new Map<string, RefRecord[]>();
  for (const r of records) groups.set(groupOf(r), [...(groups.get(groupOf(r)) ?? []), r]);
  const out: { group: string; first: number; count: number }[] = [];
  for (const [group, list] of groups) {
    const sorted = [...list].sort((a, b) => a.ms - b.ms);
    let i = 0;
    while (i < sorted.length) {
      const window = sorted.filter((r, k) => k >= i && r.ms - sorted[i]!.ms <= spanMs);
      if (holds(countOf(window))) {
        out.push({ group, first: sorted[i]!.recordId, count: countOf(window) });
        i += window.length;
      } else i++;
    }
  }
  return out.sort((a, b) => a.first - b.first);
}

const fired = (fs: Finding[]) => fs.map((f) => ({ group: Object.values((f.details!.correlation as { groupBy: Record<string, string> }).groupBy).join('|'), first: f.event!.recordId, count: (f.details!.correlation as { count: number }).count })).sort((a, b) => a.first - b.first);

describeIf(HAVE_CORPUS, CORPUS_MISSING)('Sigma correlations on the corpus logs agree with a brute-force count over python-evtx output', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-corr-root-'));
    copyFileSync(corpusPath('evtx', 'evtx-rs', 'sysmon.evtx'), path.join(root, 'sysmon.evtx'));
    copyFileSync(corpusPath('evtx', 'velocidex-evtx', 'Security.evtx'), path.join(root, 'Security.evtx'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('event_count: Sysmon process creations by ParentImage, at least 10 within a minute', async () => {
    const rules = ruleDir({
      'burst.yml': 'title: Many processes from one parent\nid: c0000000-0000-4000-8000-000000000001\nlevel: high\ncorrelation:\n  type: event_count\n  rules: [proc]\n  group-by: [ParentImage]\n  timespan: 1m\n  condition: {gte: 10}\n---\ntitle: Process creation\nname: proc\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {EventID: 1}\n  condition: s\n',
    });
    try {
      const { correlated, all } = await scanWith(root, rules);
      const ref = pythonEvtxRecords('evtx-rs/sysmon.evtx').filter((r) => r.eventId === 1);
      const expected = bruteForce(ref, (r) => r.data.ParentImage ?? '', (w) => w.length, 60_000, (n) => n >= 10);
      expect(expected.length).toBeGreaterThan(5);
      expect(fired(correlated)).toEqual(expected);
      // The rule the correlation reads makes no finding of its own (generate is false by default).
      expect(all.filter((f) => f.reasons.some((r) => r.message.includes('"Process creation"') && !r.message.includes('correlation')))).toEqual([]);
      const f = correlated[0]!;
      expect(f.level).toBe('high');
      expect(f.path).toBe('sysmon.evtx');
      expect(f.correlation).toMatch(/^c0000000-0000-4000-8000-000000000001 by ParentImage=C:\\/);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('value_count in the older aggregation syntax: distinct Image by ParentImage, 5 or more within 5 minutes', async () => {
    const rules = ruleDir({ 'agg.yml': 'title: Many images from one parent\nlevel: low\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {EventID: 1}\n  timeframe: 5m\n  condition: s | count(Image) by ParentImage >= 5\n' });
    try {
      const { correlated } = await scanWith(root, rules);
      const ref = pythonEvtxRecords('evtx-rs/sysmon.evtx').filter((r) => r.eventId === 1);
      const expected = bruteForce(ref, (r) => r.data.ParentImage ?? '', (w) => new Set(w.map((r) => r.data.Image)).size, 300_000, (n) => n >= 5);
      expect(expected.length).toBeGreaterThan(0);
      expect(fired(correlated)).toEqual(expected);
      // Each firing lists its distinct values (here at most 12: within the listing's 20).
      for (const e of expected) expect((correlated.find((f) => f.event!.recordId === e.first)!.details!.correlation as { values: string[] }).values.length).toBe(e.count);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('temporal_ordered with aliases: a logon (4624) then special privileges (4672) for the same logon id within a second', async () => {
    const rules = ruleDir({
      'logon.yml': [
        'title: Privileged logon\nid: c0000000-0000-4000-8000-000000000002\nlevel: medium\ncorrelation:\n  type: temporal_ordered\n  rules: [logon, privileges]\n  group-by: [logon_id]\n  timespan: 1s\n  aliases:\n    logon_id: {logon: TargetLogonId, privileges: SubjectLogonId}',
        'title: Logon\nname: logon\nlogsource: {service: security, product: windows}\ndetection:\n  s: {EventID: 4624}\n  condition: s',
        'title: Special privileges\nname: privileges\nlogsource: {service: security, product: windows}\ndetection:\n  s: {EventID: 4672}\n  condition: s',
      ].join('\n---\n'),
    });
    try {
      const { correlated } = await scanWith(root, rules);
      const ref = pythonEvtxRecords('velocidex-evtx/Security.evtx');
      // By brute force, per logon id in time order (records of one millisecond in the log's order): each
      // 4624 after the last pair taken, with the first 4672 after it within 1 s.
      const expected: { group: string; first: number; count: number }[] = [];
      const byId = new Map<string, RefRecord[]>();
      for (const r of ref) {
        const id = r.eventId === 4624 ? r.data.TargetLogonId : r.eventId === 4672 ? r.data.SubjectLogonId : undefined;
        if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), r]);
      }
      for (const [id, list] of byId) {
        const sorted = [...list].sort((a, b) => a.ms - b.ms || a.recordId - b.recordId);
        let taken = -1;
        sorted.forEach((l, i) => {
          if (l.eventId !== 4624 || i <= taken) return;
          const k = sorted.findIndex((x, n) => n > i && x.eventId === 4672 && x.ms - l.ms <= 1000);
          if (k < 0) return;
          expected.push({ group: id, first: l.recordId, count: 2 });
          taken = k;
        });
      }
      expect(expected.length).toBeGreaterThan(3);
      expect(fired(correlated)).toEqual(expected.sort((a, b) => a.first - b.first));
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });
});

describe('Sigma correlations: the specification, across logs, chains and bounds', () => {
  const T0 = Date.parse('2025-03-15T05:00:00Z');
  const at = (s: number) => new Date(T0 + s * 1000);
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-corr-spec-'));
    mkdirSync(path.join(root, 'Windows', 'System32', 'winevt', 'Logs'), { recursive: true });
    const logs = path.join(root, 'Windows', 'System32', 'winevt', 'Logs');
    // Sysmon: twelve documents copied into PerfLogs from 00:00 to 00:11, the archive written at 00:40; Security: alice runs 7-Zip at 00:30 (4688).
    writeFileSync(path.join(logs, 'Security.evtx'), evtxFile([security4688({ recordId: 1, time: at(30), commandLine: '7z.exe a -pX C:\\PerfLogs\\p.7z C:\\PerfLogs\\docs', newProcessName: 'C:\\Program Files\\7-Zip\\7z.exe' })]));
    const copies = Array.from({ length: 12 }, (_, i) => sysmonFile({ recordId: 10 + i, time: at(i), targetFilename: `C:\\PerfLogs\\docs\\report${i}.docx`, image: 'C:\\Windows\\System32\\robocopy.exe' }));
    writeFileSync(path.join(logs, 'Microsoft-Windows-Sysmon%4Operational.evtx'), evtxFile([...copies, sysmonFile({ recordId: 30, time: at(40), targetFilename: 'C:\\PerfLogs\\p.7z' }), sysmon1({ recordId: 31, time: at(50), commandLine: 'cmd /c dir', image: 'C:\\Windows\\System32\\cmd.exe' })]));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const chain = [
    'title: Documents gathered then archived by one user\nid: c0000000-0000-4000-8000-000000000010\nlevel: critical\ntags: [attack.t1074.001]\ncorrelation:\n  type: temporal_ordered\n  rules: [many_copies, archiver]\n  group-by: [User]\n  timespan: 5m',
    'title: Many documents copied\nname: many_copies\ncorrelation:\n  type: event_count\n  rules: [doc_copy]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 10}',
    'title: Document written\nname: doc_copy\nlogsource: {category: file_event, product: windows}\ndetection:\n  s: {TargetFilename|endswith: .docx}\n  condition: s',
    'title: Archiver run\nname: archiver\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {Image|endswith: \\7z.exe}\n  condition: s',
  ].join('\n---\n');

  test('a chain across two logs: an event_count in Sysmon, then a 4688 in Security, by the same user; its steps make no findings', async () => {
    const rules = ruleDir({ 'chain.yml': chain });
    try {
      const { correlated, all } = await scanWith(root, rules);
      expect(correlated.map((f) => [f.level, f.correlation, f.event?.recordId, f.path])).toEqual([
        ['critical', 'c0000000-0000-4000-8000-000000000010 by User=WORKSTATION\\alice', 10, 'Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx'],
      ]);
      const d = correlated[0]!.details!.correlation as { rules: string[]; listed: { path: string; recordId: number }[]; first: string; last: string };
      expect(d.rules).toEqual(['Many documents copied', 'Archiver run']);
      // The event_count's records, then the archiver's: the first from Sysmon, the last from Security.
      expect(d.listed.slice(0, 2).map((r) => r.recordId)).toEqual([10, 11]);
      expect(d.listed[d.listed.length - 1]).toMatchObject({ path: 'Windows/System32/winevt/Logs/Security.evtx', recordId: 1 });
      expect([d.first, d.last]).toEqual(['2025-03-15T05:00:00.0000000Z', '2025-03-15T05:00:30.0000000Z']);
      expect(correlated[0]!.attack).toContain('T1074.001');
      // Neither the Document written rule nor the intermediate event_count made a finding.
      expect(all.filter((f) => f.reasons.some((r) => /Document written|"Many documents copied" \(/.test(r.message) && !r.message.startsWith('Sigma correlation "Documents')))).toEqual([]);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('temporal: both rules within the timespan, in any order, by the same user', async () => {
    const rules = ruleDir({ 'temporal.yml': chain.split('\n---\n').slice(2).join('\n---\n') + '\n---\ntitle: Copied and archived\nlevel: high\ncorrelation:\n  type: temporal\n  rules: [archiver, doc_copy]\n  group-by: [User]\n  timespan: 1m\n' });
    try {
      const { correlated } = await scanWith(root, rules);
      // From the first copy (00:00): twelve copies and the archiver (00:30) within the minute; counted: 2 rules.
      expect(correlated.map((f) => [f.correlation, f.event?.recordId, (f.details!.correlation as { count: number; records: number }).count, (f.details!.correlation as { records: number }).records])).toEqual([['Copied and archived by User=WORKSTATION\\alice', 10, 2, 13]]);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('generate: true keeps the rules\' own findings; conditions as ranges; lt fires on a quiet group', async () => {
    const rules = ruleDir({
      'range.yml': 'title: Ten to twenty copies\nlevel: low\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [doc_copy]\n  group-by: [Image]\n  timespan: 1h\n  condition: {gt: 9, lte: 20}\n---\ntitle: Document written\nname: doc_copy\nid: c0000000-0000-4000-8000-000000000020\nlevel: informational\nlogsource: {category: file_event, product: windows}\ndetection:\n  s: {TargetFilename|contains: \\PerfLogs\\}\n  condition: s\n',
      'narrow.yml': 'title: Fewer than two\nlevel: low\ncorrelation:\n  type: event_count\n  rules: [c0000000-0000-4000-8000-000000000020]\n  group-by: [Image]\n  timespan: 1h\n  condition: {lt: 2}\n',
    });
    try {
      const { correlated, all } = await scanWith(root, rules);
      // robocopy: 12 copies in the hour (10..20 holds, lt 2 does not); r.exe: the one archive (lt 2 holds, 10..20 does not).
      expect(correlated.map((f) => f.correlation).sort()).toEqual(['Fewer than two by Image=C:\\PerfLogs\\r.exe', 'Ten to twenty copies by Image=C:\\Windows\\System32\\robocopy.exe']);
      expect(all.filter((f) => f.reasons.some((r) => r.message.startsWith('Sigma "Document written"')))).toHaveLength(13);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('names nothing has, loops and bad sections are unsupported with their reasons, never dropped', () => {
    const rules = ruleDir({
      'missing.yml': 'title: Reads a ghost\ncorrelation:\n  type: event_count\n  rules: [ghost]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 2}\n',
      'loop.yml': 'title: A\nname: a\ncorrelation:\n  type: temporal\n  rules: [b]\n  group-by: [User]\n  timespan: 1m\n---\ntitle: B\nname: b\ncorrelation:\n  type: temporal\n  rules: [a]\n  group-by: [User]\n  timespan: 1m\n',
      'value.yml': 'title: No field\ncorrelation:\n  type: value_count\n  rules: [x]\n  group-by: [User]\n  timespan: 1m\n  condition: {gte: 2}\n---\ntitle: X\nname: x\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {Image: a}\n  condition: s\n',
      'span.yml': 'title: Bad span\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 1 week\n  condition: {gte: 2}\n',
      'kind.yml': 'title: Sum\ncorrelation:\n  type: value_sum\n  rules: [x]\n  timespan: 1m\n  condition: {gte: 2}\n',
      'agg.yml': 'title: Near\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {Image: a}\n  condition: s | near t\n',
    });
    try {
      const set = loadSigmaRules([rules]);
      const reasons = Object.fromEntries(set.unsupported.map((u) => [`${u.file}:${u.title ?? ''}`, `${u.kind}: ${u.reason}`]));
      expect(reasons).toEqual({
        'missing.yml:Reads a ghost': 'correlation rule: correlation names no loaded rule: ghost',
        'loop.yml:A': 'correlation rule: correlation chain loops through b',
        'loop.yml:B': 'correlation rule: correlation chain loops through a',
        'value.yml:No field': 'correlation rule: value_count without condition.field',
        'span.yml:Bad span': 'correlation rule: timespan "1 week" (a number and s, m, h or d)',
        'kind.yml:Sum': 'correlation rule: correlation type "value_sum"',
        'agg.yml:Near': 'aggregation: aggregation "near t" (only count() and count(field), by fields, compared with a number)',
      });
      // X stays a rule of its own: the correlation that read it could not be loaded.
      expect(set.rules.map((r) => [r.title, r.standalone])).toEqual([['X', true]]);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('Sigma 1.0 rule collections: global merged under each rule, repeat over the one before, reset dropping the global; another action is unsupported', async () => {
    const rules = ruleDir({
      'collection.yml': [
        'action: global\ntitle: Archiver into PerfLogs\nlevel: high\ndetection:\n  folder: {CommandLine|contains: \\PerfLogs\\}\n  condition: archiver and folder',
        'logsource: {category: process_creation, product: windows}\ndetection:\n  archiver: {Image|endswith: \\7z.exe}',
        // Maps merge key by key (a selection of the same name would gain the fields): the repeat names its own.
        'action: repeat\ntitle: Archive written into PerfLogs\nlogsource: {category: file_event, product: windows}\ndetection:\n  written: {TargetFilename|endswith: .7z}\n  there: {TargetFilename|contains: \\PerfLogs\\}\n  condition: written and there',
        'action: reset',
        'title: Without the global\nlogsource: {category: process_creation, product: windows}\ndetection:\n  s: {Image|endswith: \\robocopy.exe}\n  condition: s',
      ].join('\n---\n'),
      'odd.yml': 'action: include\ntitle: X\n---\ntitle: Y\n',
    });
    try {
      const set = loadSigmaRules([rules]);
      expect(set.rules.map((r) => [r.title, r.level, r.logsource])).toEqual([
        ['Archiver into PerfLogs', 'high', 'process_creation'],
        ['Archive written into PerfLogs', 'high', 'file_event'],
        ['Without the global', 'medium', 'process_creation'],
      ]);
      expect(set.unsupported.map((u) => `${u.file}: ${u.reason}`)).toEqual(['odd.yml: action: include (only global, reset and repeat)']);
      // The merged rules match: the 4688 of 7-Zip writing into PerfLogs, the Sysmon 11 of the archive there.
      const { all } = await scanWith(root, rules);
      const by = (title: string) => all.filter((f) => f.reasons.some((r) => r.message.startsWith(`Sigma "${title}"`))).map((f) => f.event?.recordId).sort((a, b) => a! - b!);
      expect([by('Archiver into PerfLogs'), by('Archive written into PerfLogs'), by('Without the global')]).toEqual([[1], [30], []]);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });

  test('the CLI: the correlation\'s finding in the report, the correlations counted on stderr', () => {
    const rules = ruleDir({ 'chain.yml': chain });
    try {
      const r = runCli(['scan', root, '--scope', 'all', '--sigma', rules, '-f', 'json', '-q']);
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as { findings: Finding[] };
      expect(report.findings.filter((f) => f.correlation).map((f) => f.level)).toEqual(['critical']);
      // The episode's story tells what the correlation counted, from its first record.
      const story = (JSON.parse(r.stdout) as { episodes: { narrative: string }[] }).episodes.map((e) => e.narrative).join(' ');
      expect(story).toContain('The event logs match the Sigma correlation "Documents gathered then archived by one user": "Many documents copied" then "Archiver run" within 5m by User=WORKSTATION\\alice');
      // The scan's stderr counts the correlations with the rules.
      const loud = runCli(['scan', root, '--scope', 'all', '--sigma', rules, '-f', 'json']);
      expect(loud.stderr).toMatch(/sigma: 2 rules and 2 correlations loaded from .*; 0 unsupported/);
      // explain of the Sysmon log, with the same rules, shows the same firing (the root is scanned).
      const sysmon = path.join(root, 'Windows', 'System32', 'winevt', 'Logs', 'Microsoft-Windows-Sysmon%4Operational.evtx');
      const explained = runCli(['explain', sysmon, '--root', root, '--scope', 'all', '--sigma', rules, '-f', 'json', '-q']);
      expect(explained.status).toBe(0);
      const fromScan = report.findings.find((f) => f.correlation)!;
      type Explained = { inner: Array<{ correlation?: string; level: string; score: number }> };
      expect((JSON.parse(explained.stdout) as Explained).inner.filter((v) => v.correlation).map((v) => [v.correlation, v.level, v.score])).toEqual([[fromScan.correlation, fromScan.level, fromScan.score]]);
      // Without the rules, explain judges the log by stagehunt's own: no correlation.
      const plain = JSON.parse(runCli(['explain', sysmon, '--root', root, '--scope', 'all', '-f', 'json', '-q']).stdout) as Explained;
      expect(plain.inner.filter((v) => v.correlation)).toEqual([]);
    } finally {
      rmSync(rules, { recursive: true, force: true });
    }
  });
});

describe('Sigma correlations: hostile logs stay bounded', () => {
  test('matches past the per-root cap are counted in a warning, not kept', async () => {
    const saved = LIMITS.maxSigmaCorrelationHits;
    (LIMITS as { maxSigmaCorrelationHits: number }).maxSigmaCorrelationHits = 5;
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-corr-cap-'));
    const rules = ruleDir({ 'c.yml': 'title: Copies\nlevel: low\nlogsource: {category: file_event, product: windows}\ndetection:\n  s: {TargetFilename|endswith: .docx}\n  condition: s | count() > 3\n' });
    try {
      const T = Date.parse('2025-03-15T05:00:00Z');
      writeFileSync(path.join(root, 'Sysmon.evtx'), evtxFile(Array.from({ length: 9 }, (_, i) => sysmonFile({ recordId: i + 1, time: new Date(T + i * 1000), targetFilename: `C:\\PerfLogs\\d${i}.docx` }))));
      const { correlated, warnings } = await scanWith(root, rules);
      expect(correlated.map((f) => (f.details!.correlation as { count: number }).count)).toEqual([5]);
      expect(warnings).toContain('sigma correlations: only the first 5 matches of their rules were kept (limit); 4 more left out');
    } finally {
      (LIMITS as { maxSigmaCorrelationHits: number }).maxSigmaCorrelationHits = saved;
      rmSync(root, { recursive: true, force: true });
      rmSync(rules, { recursive: true, force: true });
    }
  });
});
