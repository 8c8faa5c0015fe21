/**
 * The JSON report and the JSONL finding against their JSON Schemas (docs/schema/), with Ajv
 * (draft 2020-12, strict mode): the golden outputs, a fresh scan of the demo image with every
 * optional block (case, hashes, baseline), and the hostile fixture. A broken document proves the
 * validator can fail.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { SCHEMA_VERSION, type ScanReport } from '../../src/model/report.js';
import { FINDING_KINDS, LOCATOR_FIELDS } from '../../src/model/kinds.js';
import { scan } from '../../src/pipeline/scan.js';
import { YaraScanner } from '../../src/rules/yara/scanner.js';
import { DEMO_IMAGE, ensureDemoImage, ROOT } from '../helpers/cli.js';
import { hostileReport } from './hostile-fixture.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, DIST_MISSING, testIf } from '../helpers/corpus.js';

const SCHEMA_DIR = path.join(ROOT, 'docs', 'schema');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const A_TIME = '2026-01-01T00:00:00.0000000Z';

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;
}

/** The golden files replace volatile times by placeholders (test/e2e/cli.test.ts): put valid times back. */
function denormalize(text: string): string {
  return text.replace(/"<(?:now|atime|start|end)>"/g, `"${A_TIME}"`);
}

let validateReport: ValidateFunction;
let validateFinding: ValidateFunction;

function errorsOf(v: ValidateFunction, doc: unknown): string[] {
  return v(doc) ? [] : (v.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

beforeAll(() => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addSchema(load('finding.schema.json'));
  ajv.addSchema(load('report.schema.json'));
  validateReport = ajv.getSchema('https://stagehunt.example/schema/1/report.schema.json')!;
  validateFinding = ajv.getSchema('https://stagehunt.example/schema/1/finding.schema.json')!;
});

describe('JSON Schema of the report and the JSONL finding', () => {
  it('the golden JSON report is valid and carries the schema version', () => {
    const doc = JSON.parse(denormalize(readFileSync(path.join(GOLDEN, 'demo.json'), 'utf8'))) as ScanReport;
    expect(errorsOf(validateReport, doc)).toEqual([]);
    expect(doc.meta.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it('every golden JSONL line is a valid finding', () => {
    const lines = denormalize(readFileSync(path.join(GOLDEN, 'demo.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const [i, line] of lines.entries()) expect({ i, errors: errorsOf(validateFinding, JSON.parse(line)) }).toEqual({ i, errors: [] });
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('a scan of an image with shadow copies (meta.roots[].shadowCopy, schema 1.3) is valid', async () => {
    const report = await scan({ roots: [corpusPath('images/plaso/vsstest.qcow2')], os: 'auto', scope: 'all' });
    expect(report.meta.roots.map((r) => r.shadowCopy?.number ?? 0)).toEqual([0, 1, 2]);
    expect(errorsOf(validateReport, JSON.parse(JSON.stringify(report)))).toEqual([]);
    // the schema is strict there: an unknown field in shadowCopy is refused
    const broken = JSON.parse(JSON.stringify(report)) as { meta: { roots: Array<{ shadowCopy?: Record<string, unknown> }> } };
    broken.meta.roots[1]!.shadowCopy!.extra = 1;
    expect(errorsOf(validateReport, broken)).not.toEqual([]);
  }, 60_000);

  const yaraWorker = pathToFileURL(path.join(process.cwd(), 'dist', 'rules', 'yara', 'yara-worker.js'));
  testIf(YaraScanner.available(yaraWorker), DIST_MISSING)('a scan with YARA rules (meta.yara, a finding\'s details.yara; schema 1.4) is valid', async () => {
    await ensureDemoImage();
    const rules = readFileSync(path.join(process.cwd(), 'fixtures', 'yara', 'reference.yar'), 'utf8');
    const yara = new YaraScanner({ files: [{ path: 'reference.yar', sha256: '0'.repeat(64), bytes: rules.length }], sources: [{ label: 'reference.yar', text: rules }], skipped: [] }, { maxFileBytes: 1 << 20, timeoutMs: 10_000, members: { maxMembers: 100, maxMemberBytes: 1 << 20, maxTotalBytes: 8 << 20, packages: false } }, yaraWorker);
    let report;
    try {
      report = await scan({ roots: [DEMO_IMAGE], os: 'auto', scope: 'hotspots', yara });
    } finally {
      yara.close();
    }
    expect(report.meta.yara!.filesMatched).toBeGreaterThan(0);
    expect(report.findings.some((f) => Array.isArray(f.details?.yara))).toBe(true);
    expect(errorsOf(validateReport, JSON.parse(JSON.stringify(report)))).toEqual([]);
    const broken = JSON.parse(JSON.stringify(report)) as { meta: { yara: Record<string, unknown> } };
    broken.meta.yara.extra = 1;
    expect(errorsOf(validateReport, broken)).not.toEqual([]);
  }, 120_000);

  it('a fresh scan with case, hashes and a baseline is valid', async () => {
    await ensureDemoImage();
    const report = await scan({
      roots: [DEMO_IMAGE],
      os: 'auto',
      scope: 'hotspots',
      minLevel: 'info',
      hash: { mode: 'all', algorithms: ['sha256', 'sha1', 'md5'], maxSize: 1e12 },
      baseline: { file: 'old.json', ids: new Set(['e4fc0825b6be273d', 'gone00000000000']) },
      caseInfo: { id: 'IR-42', examiner: null },
    });
    expect(report.summary.baseline).toBeDefined();
    expect(report.findings.some((f) => f.known)).toBe(true);
    expect(errorsOf(validateReport, JSON.parse(JSON.stringify(report)))).toEqual([]);
  });

  it('the hostile fixture (every optional locator) is valid once it has hex ids', () => {
    const report = hostileReport();
    report.findings.forEach((f, i) => (f.id = `${i}`.padStart(16, '0')));
    report.meta.finishedAt = A_TIME;
    report.meta.startedAt = A_TIME;
    for (const f of report.findings) expect(errorsOf(validateFinding, f)).toEqual([]);
  });

  it('fails what breaks the contract (control)', () => {
    const doc = JSON.parse(denormalize(readFileSync(path.join(GOLDEN, 'demo.json'), 'utf8'))) as Record<string, unknown> & ScanReport;
    const bad = structuredClone(doc);
    (bad.findings[0] as unknown as Record<string, unknown>).level = 'severe';
    expect(errorsOf(validateReport, bad).join('\n')).toMatch(/findings\/0\/level/);
    const extra = structuredClone(doc);
    (extra.findings[0] as unknown as Record<string, unknown>).renamedField = 1;
    expect(errorsOf(validateReport, extra).join('\n')).toMatch(/additional/);
    const time = structuredClone(doc);
    time.meta.startedAt = '15/03/2025 04:00';
    expect(errorsOf(validateReport, time).join('\n')).toMatch(/startedAt/);
  });

  it('the schema version in the schema matches the writer', () => {
    const pattern = new RegExp(((load('report.schema.json').properties as Record<string, { properties: Record<string, { pattern: string }> }>).meta!.properties.schemaVersion!.pattern));
    expect(pattern.test(SCHEMA_VERSION)).toBe(true);
  });
});

describe('the finding schema follows the kinds table (src/model/kinds.ts)', () => {
  it('names every finding kind and every locator field', () => {
    const schema = load('finding.schema.json') as { properties: Record<string, { enum?: string[] }> };
    expect([...(schema.properties.kind!.enum ?? [])].sort()).toEqual(Object.keys(FINDING_KINDS).sort());
    for (const field of LOCATOR_FIELDS) expect([field, field in schema.properties]).toEqual([field, true]);
  });
});
