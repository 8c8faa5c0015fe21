/**
 * Archives inside archives (src/artifacts/archive/nested.ts): what is listed inside a member agrees
 * with 7-Zip's listing of that member on its own (extracted by 7zz to a temp folder, never from the
 * evidence), for the corpus's nested ZIP and for ZIP, 7z and tar.gz members and outers written by
 * the real tools; the content rules see the inner entries; an encrypted archive inside a plain one is
 * said; and levels, counts, bytes and hostile members stay within their bounds, each skip with why.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsers } from '../../../src/artifacts/archive/parsers.js';
import { archiveDetector } from '../../../src/artifacts/archive/detect.js';
import type { ArchiveResult } from '../../../src/artifacts/archive/summary.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { buildExplainReport } from '../../../src/pipeline/explain.js';
import { explainText } from '../../../src/report/explain-text.js';
import { HOLDS_ENCRYPTED_ARCHIVE } from '../../../src/model/finding.js';
import { buildZip } from '../../../fixtures/lib/zip-writer.mjs';
import { makeRar5 } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';
import { corpusAvailable, corpusPath, CORPUS_MISSING, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { zipOf } from '../../helpers/archive-builders.js';
import { ctxFor, detectCtx } from '../zip/helpers.js';

const HAVE_TOOLS = toolAvailable('7zz') && toolAvailable('zip') && toolAvailable('tar');
const TOOLS_MISSING = toolMissing(['7zz', 'zip', 'tar'].filter((t) => !toolAvailable(t)).join(', ') || '7zz');

/** The first archive parser's result for `bytes` named `name` (as the scan's registry picks it). */
async function parse(bytes: Buffer, name: string): Promise<ArchiveResult> {
  const ctx = ctxFor(bytes, name);
  for (const p of parsers) {
    if (!p.matches(ctx)) continue;
    const r = await p.parse(bufferSource(bytes, name), ctx);
    if (r) return r;
  }
  throw new Error(`no archive parser reads ${name}`);
}

/** The entry names 7zz lists for an archive file (one level), directories without their trailing '/'. */
function sevenZipList(file: string): string[] {
  const out = execFileSync('7zz', ['l', '-slt', '-ba', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out
    .split('\n')
    .filter((l) => l.startsWith('Path = '))
    .map((l) => l.slice('Path = '.length).replace(/\/$/, ''));
}

/** The names our listing gives inside `member`, without the member's prefix. */
function namesInside(r: ArchiveResult, member: string): string[] {
  return r.records
    .filter((x) => x.type === 'archive-entry' && x.nestedIn === member)
    .map((x) => String(x.name).slice(member.length + 1).replace(/\/$/, ''));
}

const sorted = (names: string[]): string[] => [...names].sort();

describe('the corpus nested ZIP (libarchive test_read_format_zip_nested.zip)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-nested-corpus-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  testIf(corpusAvailable() && toolAvailable('7zz'), corpusAvailable() ? toolMissing('7zz') : CORPUS_MISSING)('small.zip inside it lists as 7zz lists small.zip extracted', async () => {
    const file = corpusPath('archives', 'libarchive', 'test_read_format_zip_nested.zip');
    const r = await parse(readFileSync(file), 'test_read_format_zip_nested.zip');
    expect(r.facts!.entryCount).toBe(2);
    expect(r.facts!.nested!.listed).toEqual([expect.objectContaining({ member: 'small.zip', depth: 1, format: 'zip', headersEncrypted: false })]);
    execFileSync('7zz', ['e', '-bso0', '-bsp0', `-o${tmp}`, file, 'small.zip']);
    const reference = sevenZipList(path.join(tmp, 'small.zip'));
    expect(reference.length).toBeGreaterThan(0);
    expect(sorted(namesInside(r, 'small.zip'))).toEqual(sorted(reference));
    expect(r.facts!.nested!.listed[0]!.entryCount).toBe(reference.length);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('explain says what is inside', async () => {
    const report = await buildExplainReport({ file: corpusPath('archives', 'libarchive', 'test_read_format_zip_nested.zip') });
    expect(explainText(report as Parameters<typeof explainText>[0])).toMatch(/^inside: +small\.zip \(zip, 1 entries\)$/m);
  });
});

describe('archives written by zip, 7zz and tar, inside one another', () => {
  let dir = '';
  const file = (name: string): string => path.join(dir, name);
  beforeAll(() => {
    if (!HAVE_TOOLS) return;
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-nested-'));
    for (const [user, ext] of [['alice', 'docx'], ['bob', 'xlsx']] as const) {
      mkdirSync(path.join(dir, 'Users', user, 'Documents'), { recursive: true });
      for (let i = 1; i <= 3; i++) writeFileSync(path.join(dir, 'Users', user, 'Documents', `q${i}.${ext}`), `${user} ${i} `.repeat(50));
    }
    const run = (cmd: string, args: string[]): void => void execFileSync(cmd, args, { cwd: dir, stdio: 'ignore' });
    run('zip', ['-qr', 'alice.zip', 'Users/alice']);
    run('7zz', ['a', 'bob.7z', 'Users/bob']);
    run('tar', ['-czf', 'both.tar.gz', 'Users']);
    run('7zz', ['a', '-pSecret', '-mhe=on', 'secret.7z', 'Users/alice']);
    run('zip', ['-q', 'outer.zip', 'alice.zip', 'bob.7z', 'both.tar.gz']);
    run('7zz', ['a', 'outer.7z', 'alice.zip', 'both.tar.gz']);
    run('zip', ['-q', 'wrapped.zip', 'secret.7z']);
    run('zip', ['-q', '-P', 'pw', 'locked.zip', 'alice.zip']);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  testIf(HAVE_TOOLS, TOOLS_MISSING)('a ZIP of a ZIP, a 7z and a tar.gz: each inside lists as 7zz lists it', async () => {
    const r = await parse(readFileSync(file('outer.zip')), 'outer.zip');
    expect(r.facts!.entryCount).toBe(3);
    expect(r.facts!.nested!.listed.map((n) => [n.member, n.format])).toEqual([
      ['alice.zip', 'zip'],
      ['bob.7z', '7z'],
      ['both.tar.gz', 'gzip'],
    ]);
    expect(sorted(namesInside(r, 'alice.zip'))).toEqual(sorted(sevenZipList(file('alice.zip'))));
    expect(sorted(namesInside(r, 'bob.7z'))).toEqual(sorted(sevenZipList(file('bob.7z'))));
    // 7zz lists a .tar.gz as one stream; the tar inside it is what our listing gives.
    execFileSync('7zz', ['e', '-bso0', '-bsp0', `-o${path.join(dir, 'gz')}`, file('both.tar.gz')]);
    expect(sorted(namesInside(r, 'both.tar.gz'))).toEqual(sorted(sevenZipList(path.join(dir, 'gz', 'both.tar'))));
    expect(r.facts!.nested!.notListedCount).toBe(0);
    // explain lists the directories inside with the one '/' their names end in.
    const out = explainText((await buildExplainReport({ file: file('outer.zip') })) as Parameters<typeof explainText>[0]);
    expect(out).toMatch(/^ {2}alice\.zip\/Users\/alice\/Documents\/ {2}0 bytes/m);
    expect(out).not.toMatch(/\/\/ /);
  });

  testIf(HAVE_TOOLS, TOOLS_MISSING)('a solid 7z holding a ZIP and a tar.gz: its block is decoded and both are listed', async () => {
    const r = await parse(readFileSync(file('outer.7z')), 'outer.7z');
    expect(r.facts!.nested!.listed.map((n) => n.member).sort()).toEqual(['alice.zip', 'both.tar.gz']);
    expect(sorted(namesInside(r, 'alice.zip'))).toEqual(sorted(sevenZipList(file('alice.zip'))));
  });

  testIf(HAVE_TOOLS, TOOLS_MISSING)('the content rules see the documents inside; without the inner entries they do not', async () => {
    const bytes = readFileSync(file('outer.zip'));
    const r = await parse(bytes, 'outer.zip');
    const ctx = detectCtx(bytes, 'outer.zip', { relPath: 'Users/Public/outer.zip' });
    const rulesOf = (result: ArchiveResult): string[] => archiveDetector(result, ctx).flatMap((c) => c.hits.map((h) => h.rule)).sort();
    expect(rulesOf(r)).toEqual(expect.arrayContaining(['archive-multi-user-contents', 'archive-user-data-contents']));
    const ownOnly: ArchiveResult = { ...r, records: r.records.filter((x) => x.nestedIn === undefined), facts: { ...r.facts!, nested: undefined } };
    expect(rulesOf(ownOnly)).not.toContain('archive-user-data-contents');
    expect(rulesOf(ownOnly)).not.toContain('archive-multi-user-contents');
  });

  testIf(HAVE_TOOLS, TOOLS_MISSING)('an encrypted 7z inside a plain ZIP is said as its own file would be', async () => {
    const bytes = readFileSync(file('wrapped.zip'));
    const r = await parse(bytes, 'wrapped.zip');
    expect(r.facts!.encryptedEntryCount).toBe(0);
    expect(r.facts!.nested!.listed).toEqual([expect.objectContaining({ member: 'secret.7z', format: '7z', headersEncrypted: true, entryCount: null })]);
    const hits = archiveDetector(r, detectCtx(bytes, 'wrapped.zip')).flatMap((c) => c.hits);
    expect(hits).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'archive-headers-encrypted', message: expect.stringContaining(`${HOLDS_ENCRYPTED_ARCHIVE} (secret.7z: 7z, headers encrypted)`) })]));
  });

  testIf(HAVE_TOOLS, TOOLS_MISSING)('an encrypted member is not opened: it is said, with why', async () => {
    const r = await parse(readFileSync(file('locked.zip')), 'locked.zip');
    expect(r.facts!.nested).toEqual({ listed: [], notListed: [{ member: 'alice.zip', why: 'encrypted', detail: 'encrypted' }], notListedCount: 1 });
    expect(r.records.filter((x) => x.nestedIn !== undefined)).toEqual([]);
  });
});

describe('bounds and hostile members', () => {
  const docs = (n: number): Array<{ name: string; data: string }> => Array.from({ length: n }, (_, i) => ({ name: `Users/eve/Documents/d${i}.docx`, data: `doc ${i}` }));

  test(`at most ${LIMITS.maxNestedArchiveDepth} levels are opened below the file; the next is said as too deep`, async () => {
    let inner = buildZip({ entries: docs(2) });
    for (let level = 6; level >= 1; level--) inner = buildZip({ entries: [{ name: `level${level}.zip`, data: inner }] });
    const r = await parse(inner, 'top.zip');
    const nested = r.facts!.nested!;
    expect(nested.listed.map((n) => [n.member, n.depth])).toEqual([
      ['level1.zip', 1],
      ['level1.zip/level2.zip', 2],
      ['level1.zip/level2.zip/level3.zip', 3],
    ]);
    expect(nested.notListed).toEqual([{ member: 'level1.zip/level2.zip/level3.zip/level4.zip', why: 'depth', detail: `more than ${LIMITS.maxNestedArchiveDepth} archives deep` }]);
    expect(r.records.map((x) => x.name)).toContain('level1.zip/level2.zip/level3.zip/level4.zip');
  });

  test(`at most ${LIMITS.maxNestedArchives} archives are listed inside one file, all levels counted`, async () => {
    const small = buildZip({ entries: docs(1) });
    const many = buildZip({ entries: Array.from({ length: LIMITS.maxNestedArchives + 5 }, (_, i) => ({ name: `part${i}.zip`, data: small })) });
    const r = await parse(many, 'many.zip');
    expect(r.facts!.nested!.listed).toHaveLength(LIMITS.maxNestedArchives);
    expect(r.facts!.nested!.notListedCount).toBe(5);
    expect(r.facts!.nested!.notListed.every((s) => s.why === 'count')).toBe(true);
  });

  test('a member that inflates past its bound is not held: too large (an honest size) or cut (a lying one)', async () => {
    const zeros = Buffer.alloc(LIMITS.nestedArchiveBytes + 1024 * 1024);
    const r = await parse(zipOf([['honest.zip', zeros], ['liar.zip', zeros, 1000]]), 'bombs.zip');
    expect(r.facts!.nested!.listed).toEqual([]);
    expect(r.facts!.nested!.notListed.map((s) => [s.member, s.why])).toEqual([
      ['honest.zip', 'too-large'],
      ['liar.zip', 'too-large'],
    ]);
  });

  test('a member named like an archive that is not one, and a damaged inner archive: said, never thrown', async () => {
    const cut = buildZip({ entries: docs(5) }).subarray(0, 200);
    const r = await parse(buildZip({ entries: [{ name: 'notes.zip', data: 'just text, not an archive' }, { name: 'cut.zip', data: cut }] }), 'mixed.zip');
    expect(r.facts!.nested!.notListed).toEqual([{ member: 'notes.zip', why: 'not-an-archive', detail: 'no archive parser reads its bytes' }]);
    expect(r.facts!.nested!.listed).toEqual([expect.objectContaining({ member: 'cut.zip', format: 'zip' })]);
    expect(r.warnings.some((w) => w.startsWith('cut.zip: '))).toBe(true);
  });

  test('a RAR\'s stored members are opened: a ZIP in a RAR 5 made with -m0 is listed', async () => {
    const rar = makeRar5({ files: [{ name: 'loot/part1.zip', data: buildZip({ entries: docs(3) }) }, { name: 'loot/notes.txt' }] });
    const r = await parse(rar, 'x.rar');
    expect(r.facts!.format).toBe('rar');
    expect(r.facts!.nested!.listed).toEqual([expect.objectContaining({ member: 'loot/part1.zip', format: 'zip', entryCount: 3 })]);
    expect(namesInside(r, 'loot/part1.zip')).toEqual(docs(3).map((d) => d.name));
  });

  test('a package (a .docx) is not opened for archives inside', async () => {
    const docx = buildZip({ entries: [{ name: '[Content_Types].xml', data: 'x' }, { name: 'word/document.xml', data: 'x' }, { name: 'word/embeddings/oleObject1.zip', data: buildZip({ entries: docs(1) }) }] });
    const r = await parse(docx, 'report.docx');
    expect(r.facts!.packageType).toBe('ooxml');
    expect(r.facts!.nested).toBeUndefined();
  });
});
