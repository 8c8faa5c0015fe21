/**
 * WordWheelQuery (searches typed into Explorer's search box) against RegRipper's wordwheelquery
 * plugin, on the corpus hive that has the key and on a written one; then the judgement: searches for
 * credentials and sweeps of a whole type of user data are findings, everyday searches are not;
 * hostile values (megabytes without a NUL, a lying MRUListEx) are bounded.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import { HiveView } from '../../../src/artifacts/registry/view.js';
import { collectWordWheelQuery, searchIntent, WORD_WHEEL_QUERY_KEY } from '../../../src/artifacts/registry/word-wheel-query.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import { scan } from '../../../src/pipeline/scan.js';
import { parsers as listParsers } from '../../../src/artifacts/registry/parsers.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { hiveOnDisk } from './helpers.js';

const T = new Date('2026-11-20T01:58:00Z');

/** Explorer's own encoding: REG_BINARY of UTF-16LE text and its NUL. */
const term = (s: string): Buffer => Buffer.from(`${s}\u0000`, 'utf16le');
const mruListEx = (order: number[]): Buffer => {
  const b = Buffer.alloc(order.length * 4 + 4);
  order.forEach((n, i) => b.writeUInt32LE(n, i * 4));
  b.writeUInt32LE(0xffffffff, order.length * 4);
  return b;
};

function explorerHive(values: { name: string; type: string; data: Buffer | string }[]): Buffer {
  return writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'Explorer', subkeys: [{
    name: 'WordWheelQuery', lastWritten: T, values,
  }] }] }] }] }] }] });
}

/** Searched in this order (0 first); MRUListEx puts the last one first. */
const SEARCHES = ['holiday photos', '*.docx', 'kennwort', 'budget 2026', 'ext:pst', 'passport scan', 'id_rsa'];
const hive = explorerHive([
  ...SEARCHES.map((s, i) => ({ name: String(i), type: 'REG_BINARY', data: term(s) })),
  { name: 'MRUListEx', type: 'REG_BINARY', data: mruListEx([6, 5, 4, 3, 2, 1, 0]) },
]);

async function view(bytes: Buffer): Promise<HiveView> {
  const parsed = await parseRegf(bufferSource(bytes), { relPath: 'Users/carol/NTUSER.DAT', name: 'NTUSER.DAT', head: bytes.subarray(0, 4100), size: bytes.length, format: 'regf' });
  return new HiveView(parsed!.records);
}

/** RegRipper's listing: "N    term" lines in MRUListEx order. */
function regripperSearches(file: string): { value: string; term: string }[] {
  const text = execFileSync('regripper', ['-r', file, '-p', 'wordwheelquery'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return [...text.matchAll(/^(\d+)\s{2,}(.*?)\s*$/gm)].map((m) => ({ value: m[1]!, term: m[2]! }));
}


async function detect(bytes: Buffer, relPath = 'Users/carol/NTUSER.DAT') {
  const ctx: DetectContext = { relPath, name: 'NTUSER.DAT', head: bytes.subarray(0, 4100), size: bytes.length, format: 'regf', os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
  const result = await regfParser.parse(bufferSource(bytes), ctx);
  return regfParser.detect!(result!, ctx).filter((c) => c.key === WORD_WHEEL_QUERY_KEY);
}

describe('WordWheelQuery against RegRipper wordwheelquery.pl', () => {
  testIf(corpusAvailable() && toolAvailable('regripper'), corpusAvailable() ? toolMissing('regripper') : CORPUS_MISSING)('the corpus regipy NTUSER.DAT: the same six searches in the same order', async () => {
    const file = corpusPath('regf', 'regipy', 'NTUSER.DAT');
    const ours = collectWordWheelQuery(await view(readFileSync(file)));
    expect(ours.terms.map(({ value, term: t }) => ({ value, term: t }))).toEqual(regripperSearches(file));
    expect(ours.terms.map((t) => t.term)).toEqual(['alloy', 'test-plan', 'vibranium', 'accounts', 'myron maclain', 'adamantium']);
    expect(ours.keyLastWritten).toMatch(/^2012-04-04T15:45:18/);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('the corpus searches are everyday ones: no finding', async () => {
    expect(await detect(readFileSync(corpusPath('regf', 'regipy', 'NTUSER.DAT')), 'Users/user/NTUSER.DAT')).toEqual([]);
  });

  testIf(toolAvailable('regripper'), toolMissing('regripper'))('a written hive: seven searches, most recent first', async () => {
    const ours = collectWordWheelQuery(await view(hive));
    expect(ours.terms.map((t) => [t.value, t.mruPosition, t.term])).toEqual(SEARCHES.map((s, i) => [String(i), SEARCHES.length - 1 - i, s]).reverse());
    expect(ours.terms.map(({ value, term: t }) => ({ value, term: t }))).toEqual(hiveOnDisk(hive, regripperSearches));
  });
});

test('stagehunt parse --parser wordwheelquery: one record per search, most recent first', async () => {
  const ctx = { relPath: 'NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' };
  const result = await listParsers.find((p) => p.id === 'wordwheelquery')!.parse(bufferSource(hive), ctx);
  expect(result!.records[0]).toEqual({ type: 'wordwheelquery-search', value: '6', term: 'id_rsa', mruPosition: 0, keyLastWritten: '2026-11-20T01:58:00.0000000Z' });
  expect(result!.records.map((r) => r.term as string)).toEqual([...SEARCHES].reverse());
  expect(result!.facts).toEqual({ format: 'wordwheelquery', entries: 7 });
});

describe('what a search looks for', () => {
  test.each([
    ['password', 'credentials'], ['Passwords 2026', 'credentials'], ['my pwd', 'credentials'], ['Kennwörter', 'credentials'],
    ['mot de passe', 'credentials'], ['contraseñas', 'credentials'], ['пароль', 'credentials'], ['aws credentials', 'credentials'],
    ['id_ed25519', 'credentials'], ['ntds.dit', 'credentials'], ['*.kdbx', 'credentials'], ['ext:pfx', 'credentials'], ['.ppk', 'credentials'],
    ['*.docx', 'sweep'], ['*.xls*', 'sweep'], ['.pst', 'sweep'], ['ext:.pdf', 'sweep'], ['type:=xlsx', 'sweep'], ['kind:document', 'sweep'],
    ['kind:=email', 'sweep'], ['*.zip', 'sweep'], ['*.7z OR *.rar', 'sweep'], ['*.jpg; *.docx', 'sweep'],
  ])('%s: %s', (t, kind) => {
    expect(searchIntent(t)?.kind).toBe(kind);
  });

  test.each(['passport scan', 'secretary', 'holiday photos', 'pdf', 'budget 2026', '*.exe', '*.log', '*.*', '*', 'C:\\PerfLogs', 'accounts', 'compass'])('%s: nothing', (t) => {
    expect(searchIntent(t)).toBeNull();
  });

  test('what the sweep names', () => {
    expect(searchIntent('*.docx')).toEqual({ kind: 'sweep', said: '*.docx', what: '.docx files' });
    expect(searchIntent('*.7z OR *.rar')).toEqual({ kind: 'sweep', said: '*.7z', what: 'archives' });
    expect(searchIntent('kind:email')).toEqual({ kind: 'sweep', said: 'kind:email', what: 'mail' });
  });
});

describe('WordWheelQuery detection', () => {
  test('credential searches and sweeps are findings at their value; the most recent is timed by the key', async () => {
    const found = await detect(hive);
    expect(found.map((c) => [c.value, c.hits.map((h) => h.rule)])).toEqual([
      ['6', ['registry-search-credentials']],
      ['4', ['registry-search-file-sweep']],
      ['2', ['registry-search-credentials']],
      ['1', ['registry-search-file-sweep']],
    ]);
    const [recent, pst] = found;
    expect(recent).toMatchObject({ kind: 'registry', user: 'carol', format: 'wordwheelquery', details: { list: 'WordWheelQuery', term: 'id_rsa', mruPosition: 0, keyLastWritten: '2026-11-20T01:58:00.0000000Z' } });
    expect(recent!.hits[0]!.message).toBe('Explorer search for "id_rsa" (id_rsa: credentials or secrets)');
    expect(recent!.events).toEqual([
      { time: '2026-11-20T01:58:00.0000000Z', type: 'searched', description: 'carol searched Explorer for "id_rsa"' },
      { time: '2026-11-20T01:58:00.0000000Z', type: 'key-last-written', description: `registry key ${WORD_WHEEL_QUERY_KEY} last written` },
    ]);
    expect(pst!.hits[0]!.message).toBe('Explorer search for "ext:pst": every file of a kind (.pst files)');
    expect(pst!.events!.map((e) => e.type)).toEqual(['key-last-written']);
  });

  test('hostile values: a term without its NUL is cut, control characters are shown escaped, a lying MRUListEx orders what it names', async () => {
    const long = Buffer.from(`password list ${'x'.repeat(2_000_000)}`, 'utf16le');
    const bad = explorerHive([
      { name: '0', type: 'REG_BINARY', data: long },
      { name: '1', type: 'REG_BINARY', data: term('secret\u001b[2J\u0007') },
      { name: '2', type: 'REG_BINARY', data: Buffer.from([0x41]) }, // one odd byte: no UTF-16 unit
      { name: 'MRUListEx', type: 'REG_BINARY', data: Buffer.concat([mruListEx([1, 1, 99, 7]), Buffer.alloc(4096, 0xff)]) },
    ]);
    const ours = collectWordWheelQuery(await view(bad));
    expect(ours.terms.map((t) => [t.value, t.mruPosition, t.term.length])).toEqual([['1', 0, 11], ['0', null, 1024]]);
    // The 4 MB value is also text a staged-blob check reads (registry-value-long-encoded-text): that finding is the staged collector's.
    const found = (await detect(bad)).filter((c) => c.format === 'wordwheelquery');
    expect(found.map((c) => c.value)).toEqual(['1', '0']);
    expect(found[0]!.hits[0]!.message).toBe('Explorer search for "secret\\x1b[2J\\x07" (secret: credentials or secrets)');
    expect(found[1]!.hits[0]!.message.length).toBeLessThan(300);
  });
});

describe('WordWheelQuery in a scan', () => {
  test('the searches join the staging that follows them, told as what the user did, oldest first', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-wwq-scan-'));
    try {
      mkdirSync(path.join(root, 'Users', 'carol'), { recursive: true });
      mkdirSync(path.join(root, 'PerfLogs', '1'), { recursive: true });
      writeFileSync(path.join(root, 'Users', 'carol', 'NTUSER.DAT'), hive);
      // A 7z with encrypted headers (the start header's CRC is not checked for a verdict of encryption) written 12 minutes after the key.
      const sevenZip = Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(24), Buffer.alloc(4096, 0x5a)]);
      writeFileSync(path.join(root, 'PerfLogs', '1', 'd.7z'), sevenZip);
      const t = new Date(T.getTime() + 12 * 60_000);
      utimesSync(path.join(root, 'PerfLogs', '1', 'd.7z'), t, t);
      const report = await scan({ roots: [root], os: 'auto', scope: 'all', now: () => new Date('2026-12-01T00:00:00Z') });
      const searches = report.findings.filter((f) => f.details?.list === 'WordWheelQuery');
      expect(searches.map((f) => [f.value, f.level, f.score]).sort()).toEqual([['1', 'info', 15], ['2', 'low', 20], ['4', 'info', 15], ['6', 'low', 20]]);
      const archive = report.findings.find((f) => f.path === 'PerfLogs/1/d.7z')!;
      const episode = report.episodes!.find((e) => e.findingIds.includes(archive.id))!;
      expect(searches.every((f) => episode.findingIds.includes(f.id))).toBe(true);
      expect(episode.evidenceKinds).toEqual(expect.arrayContaining(['archive', 'registry']));
      const texts = report.episodes!.flatMap((e) => e.steps.filter((st) => st.findingIds.some((id) => searches.some((f) => f.id === id))).map((st) => st.text));
      expect(texts).toEqual([
        'Before 01:58 carol searched Explorer for "*.docx" (every file of a kind).',
        'Before 01:58 carol searched Explorer for "kennwort" (credentials).',
        'Before 01:58 carol searched Explorer for "ext:pst" (every file of a kind).',
        'At 01:58 carol searched Explorer for "id_rsa" (credentials).',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
