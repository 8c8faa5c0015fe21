import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { dollarIParser, dollarRParser, info2Parser } from '../../../src/artifacts/recycle-bin/index.js';
import { summariseDeletedFolder } from '../../../src/artifacts/recycle-bin/detect.js';
import type { ArtifactParser, DetectContext, DirEntryInfo, ListedEntry } from '../../../src/artifacts/types.js';
import type { RuleDef } from '../../../src/rules/types.js';
import { NO_TIMES, type FileTimes } from '../../../src/model/finding.js';
import { makeDollarI, makeInfo2 } from '../../../fixtures/lib/recyclebin-writers.mjs';

const SID = 'S-1-5-21-111-222-333-1001';
const DIR = `C/$Recycle.Bin/${SID}`;
const entry = (name: string, isDirectory = false): ListedEntry => ({ name, isDirectory, size: 0 });

function ctx(name: string, buf: Buffer, siblings: DirEntryInfo[], extra: Partial<DetectContext> = {}): DetectContext {
  return {
    relPath: `${DIR}/${name}`,
    name,
    head: buf.subarray(0, 4100),
    size: buf.length,
    format: null,
    siblings,
    os: 'windows',
    hotspot: null,
    hotspotWeight: 0,
    times: NO_TIMES,
    ...extra,
  };
}

async function run(parser: ArtifactParser, buf: Buffer, c: DetectContext) {
  const res = (await parser.parse(bufferSource(buf), c))!;
  return parser.detect!(res, c);
}

describe('$I detector', () => {
  test('archive deleted from Users\\Public whose $R is gone: candidate with original path, SID, timeline event', async () => {
    const buf = makeDollarI({ originalPath: 'C:\\Users\\Public\\Libraries\\d.rar', size: 5000, deletedAt: '2024-05-06T05:06:07.1234567Z' });
    const [c] = await run(dollarIParser, buf, ctx('$IX1Y2Z3.rar', buf, [entry('$IX1Y2Z3.rar'), entry('desktop.ini')]));
    expect(c!.hits.map((h) => h.rule).sort()).toEqual(['recyclebin-data-missing', 'recyclebin-deleted-archive', 'recyclebin-deleted-archive-from-staging-location']);
    expect(c).toMatchObject({
      kind: 'recycle-bin',
      originalPath: 'C:\\Users\\Public\\Libraries\\d.rar',
      deletedAt: '2024-05-06T05:06:07.1234567Z',
      user: SID,
      names: [{ path: 'C:\\Users\\Public\\Libraries\\d.rar', role: 'original' }],
      events: [{ time: '2024-05-06T05:06:07.1234567Z', type: 'deleted' }],
    });
  });
  test('a deleted folder full of documents is listed', async () => {
    const buf = makeDollarI({ originalPath: 'C:\\Users\\bob\\collect', deletedAt: '2024-05-06T05:06:07Z' });
    const docs = ['a.docx', 'b.xlsx', 'c.pdf', 'd.txt', 'e.pptx'].map((n) => entry(n));
    const c = ctx('$IAAAAAA', buf, [entry('$RAAAAAA', true)], { listDirectory: (p) => (p === `${DIR}/$RAAAAAA` ? docs : null) });
    const [cand] = await run(dollarIParser, buf, c);
    expect(cand!.hits.map((h) => h.rule)).toEqual(['recyclebin-deleted-document-folder']);
    expect(cand!.details!.deletedFolderListing).toEqual(['a.docx', 'b.xlsx', 'c.pdf', 'd.txt', 'e.pptx']);
  });
  test('a deleted folder is summarised recursively: count, types, bytes, nested archives', async () => {
    const buf = makeDollarI({ originalPath: 'C:\\Users\\bob\\collect', deletedAt: '2024-05-06T05:06:07Z' });
    const tree: Record<string, ListedEntry[]> = {
      [`${DIR}/$RBBBBBB`]: [entry('a.docx'), entry('b.docx'), entry('c.pdf'), { ...entry('sub', true) }],
      [`${DIR}/$RBBBBBB/sub`]: [{ name: 'd.xlsx', isDirectory: false, size: 100 }, { name: 'e.pdf', isDirectory: false, size: 50 }, { name: 'out.part1.rar', isDirectory: false, size: 7 }],
    };
    const c = ctx('$IBBBBBB', buf, [entry('$RBBBBBB', true)], { listDirectory: (p) => tree[p] ?? null });
    const [cand] = await run(dollarIParser, buf, c);
    expect(cand!.hits.map((h) => h.rule)).toEqual(['recyclebin-deleted-document-folder', 'recyclebin-deleted-archive']);
    expect(cand!.hits[0]!.message).toBe('deleted folder $RBBBBBB holds 5 documents: 6 file(s) in 2 folders (docx 2, pdf 2, rar 1, xlsx 1), 157 bytes');
    expect(cand!.hits[1]!.message).toMatch(/holds 1 archive\(s\), e\.g\. sub\/out\.part1\.rar/);
    expect(cand!.details!.deletedFolder).toEqual({ files: 6, directories: 1, bytes: 157, documents: 5, archives: 1, types: { docx: 2, pdf: 2, rar: 1, xlsx: 1 }, firstArchive: 'sub/out.part1.rar', truncated: false });
    expect(cand!.details!.deletedFolderListing).toEqual(['a.docx', 'b.docx', 'c.pdf', 'sub/', 'sub/d.xlsx', 'sub/e.pdf', 'sub/out.part1.rar']);
  });
  test('a deleted folder walk is bounded (entries and depth) and says so', () => {
    const wide = summariseDeletedFolder((p) => (p === 'R' ? Array.from({ length: 20_000 }, (_, k) => entry(`f${k}.txt`)) : null), 'R')!;
    expect(wide.files).toBe(5000);
    expect(wide.truncated).toBe(true);
    expect(wide.listing).toHaveLength(50);
    let calls = 0;
    const deep = summariseDeletedFolder(() => (++calls, [entry('d', true)]), 'R')!;
    expect(calls).toBeLessThanOrEqual(8);
    expect(deep.truncated).toBe(true);
    expect(summariseDeletedFolder(() => null, 'R')).toBeNull();
  });
  test('an ordinary deleted folder (few documents, no archives) yields nothing', async () => {
    const buf = makeDollarI({ originalPath: 'C:\\Users\\bob\\trip', deletedAt: '2024-05-06T05:06:07Z' });
    const c = ctx('$ICCCCCC', buf, [entry('$RCCCCCC', true)], { listDirectory: () => [entry('a.jpg'), entry('b.docx')] });
    expect(await run(dollarIParser, buf, c)).toEqual([]);
  });
  test('tampered deletion time: before the OS existed', async () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\x.txt', deletedAt: '1990-01-01T00:00:05Z' });
    const [c] = await run(dollarIParser, buf, ctx('$IT', buf, [entry('$RT')]));
    expect(c!.hits.map((h) => h.rule)).toEqual(['recyclebin-time-anomaly']);
    expect(c!.hits[0]!.message).toMatch(/predates \$I v2/);
  });
  test('deletion time compared with the $I file\'s own modified time (Windows writes $I at deletion)', async () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\x.txt', deletedAt: '2023-06-01T00:00:00Z' });
    const far: FileTimes = { ...NO_TIMES, modified: '2024-01-01T00:00:00.000Z' };
    const [c] = await run(dollarIParser, buf, ctx('$IT', buf, [entry('$RT')], { times: far }));
    expect(c!.hits.map((h) => h.rule)).toEqual(['recyclebin-time-anomaly']);
    expect(c!.hits[0]!.message).toMatch(/own modified time 2024-01-01/);
    // Same record, $I written a few seconds after the recorded time: nothing to report.
    const near: FileTimes = { ...NO_TIMES, modified: '2023-06-01T00:00:03.000Z' };
    expect(await run(dollarIParser, buf, ctx('$IT', buf, [entry('$RT')], { times: near }))).toEqual([]);
    // FAT stores local time: a 13 h offset is tolerated.
    const fat: FileTimes = { ...NO_TIMES, modified: '2023-06-01T13:00:00.000Z' };
    expect(await run(dollarIParser, buf, ctx('$IT', buf, [entry('$RT')], { times: fat }))).toEqual([]);
  });
  test('birth time is used only when plausible (not after modified): copies get birth = copy time', async () => {
    const buf = makeDollarI({ version: 2, originalPath: 'C:\\Users\\bob\\Documents\\old notes.txt', deletedAt: '2025-03-02T12:00:00Z' });
    const copied: FileTimes = { ...NO_TIMES, modified: '2025-03-02T12:00:00.000Z', born: '2026-11-26T06:42:55.520Z' };
    expect(await run(dollarIParser, buf, ctx('$IQ2W9X1.txt', buf, [entry('$RQ2W9X1.txt')], { times: copied }))).toEqual([]);
    const bornBefore: FileTimes = { ...NO_TIMES, modified: '2025-03-02T12:00:00.000Z', born: '2024-01-01T00:00:00.000Z' };
    const [c] = await run(dollarIParser, buf, ctx('$IQ2W9X1.txt', buf, [entry('$RQ2W9X1.txt')], { times: bornBefore }));
    expect(c!.hits[0]!.message).toMatch(/birth time 2024-01-01/);
  });
  test('INFO2 records may be older than the file, not newer', async () => {
    const buf = makeInfo2([
      { originalPath: 'C:\\a.txt', index: 1, deletedAt: '2005-01-01T00:00:00Z' },
      { originalPath: 'C:\\b.txt', index: 2, deletedAt: '2007-01-01T00:00:00Z' },
    ]);
    const times: FileTimes = { ...NO_TIMES, modified: '2006-01-01T00:00:00.000Z' };
    const cands = await run(info2Parser, buf, ctx('INFO2', buf, [], { times }));
    expect(cands.map((c) => c.entry)).toEqual(['INFO2 record 2']);
    expect(cands[0]!.hits[0]!.message).toMatch(/after INFO2 was last written/);
  });
  test('an ordinary deleted document with its $R yields nothing', async () => {
    const buf = makeDollarI({ originalPath: 'C:\\Users\\bob\\Documents\\cv.docx', deletedAt: '2024-05-06T05:06:07Z' });
    expect(await run(dollarIParser, buf, ctx('$IQ', buf, [entry('$RQ')], { times: { ...NO_TIMES, born: '2024-05-06T05:06:07.000Z' } }))).toEqual([]);
  });
});

describe('$R detector', () => {
  test('$R without $I, archive content, volume name', async () => {
    const c = ctx('$RZZZZZZ.7z.001', Buffer.alloc(8), [entry('$RZZZZZZ.7z.001')], { format: '7z' });
    expect(dollarRParser.matches(c)).toBe(true);
    expect(dollarRParser.matches({ ...c, relPath: 'C/Users/bob/$RZZZZZZ.7z.001' })).toBe(false);
    // Inside a deleted folder ($R directory) names are the folder's own: no $I is expected there.
    expect(dollarRParser.matches({ ...c, relPath: `${DIR}/$RFOLDER/$RZZZZZZ.7z.001` })).toBe(false);
    expect(dollarRParser.matches({ ...c, relPath: `${DIR}/$RFOLDER/sub/$Rnotes.txt` })).toBe(false);
    const i = makeDollarI({ originalPath: 'C:\\x.txt', deletedAt: '2024-05-06T05:06:07Z' });
    expect(dollarIParser.matches(ctx('$IXXXXXX', i, [], { relPath: `${DIR}/$RFOLDER/$IXXXXXX` }))).toBe(false);
    expect(dollarIParser.matches(ctx('$IXXXXXX', i, []))).toBe(true);
    const [cand] = await run(dollarRParser, Buffer.alloc(8), c);
    expect(cand!.hits.map((h) => h.rule)).toEqual(['recyclebin-data-without-index', 'recyclebin-archive-content', 'recyclebin-multipart-archive']);
    expect(cand!.user).toBe(SID);
  });
  test('$R with its $I and ordinary content yields nothing; unknown siblings yield nothing', async () => {
    expect(await run(dollarRParser, Buffer.alloc(8), ctx('$RQ.txt', Buffer.alloc(8), [entry('$IQ.txt'), entry('$RQ.txt')]))).toEqual([]);
    expect(await run(dollarRParser, Buffer.alloc(8), { ...ctx('$RQ.txt', Buffer.alloc(8), []), siblings: undefined })).toEqual([]);
  });
});

describe('INFO2 detector', () => {
  test('one candidate per suspicious record, located by record index', async () => {
    const buf = makeInfo2([
      { originalPath: 'C:\\Documents and Settings\\bob\\x.doc', index: 1, deletedAt: '2005-01-01T00:00:00Z' },
      { originalPath: 'C:\\WINDOWS\\Temp\\out.part2.rar', index: 2, deletedAt: '2005-01-02T00:00:00Z' },
    ]);
    const c = { ...ctx('INFO2', buf, []), relPath: `C/RECYCLER/${SID}/INFO2` };
    const cands = await run(info2Parser, buf, c);
    expect(cands).toHaveLength(1);
    expect(cands[0]!.entry).toBe('INFO2 record 2');
    expect(cands[0]!.hits.map((h) => h.rule)).toEqual(['recyclebin-multipart-archive', 'recyclebin-deleted-archive', 'recyclebin-deleted-archive-from-staging-location']);
  });
});

describe('rule data', () => {
  const load = (f: string) => JSON.parse(readFileSync(path.join('src/rules/data', f), 'utf8')) as RuleDef[];
  const rules = [...load('recyclebin.json'), ...load('history.json')];
  test('every rule is complete, unique, kebab-case, referenced, and cites a source', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^(recyclebin|trash|history)-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(typeof r.title === 'string' && typeof r.description === 'string' && typeof r.strong === 'boolean').toBe(true);
      expect(r.score).toBeGreaterThan(0);
      expect(r.strong ? r.score >= 40 && r.score <= 70 : r.score <= 25).toBe(true);
      expect(r.attack.length).toBeGreaterThan(0);
      expect(r.references.length).toBeGreaterThan(0);
    }
    for (const r of load('history.json')) expect(r.description).toMatch(/^pattern: /);
  });
  test('every rule id the code emits is defined, and every defined rule is emitted somewhere', () => {
    const files = ['recycle-bin', 'trash', 'history'].flatMap((d) => readdirSync(`src/artifacts/${d}`).map((f) => readFileSync(`src/artifacts/${d}/${f}`, 'utf8')));
    const code = files.join('\n');
    const emitted = new Set([...code.matchAll(/rule: [`'](?:\$\{prefix\})?((?:recyclebin|trash|history)?-[a-z-]+)[`']/g)].map((m) => m[1]!));
    const ids = new Set(rules.map((r) => r.id));
    for (const id of emitted) {
      if (id.startsWith('-')) expect(['recyclebin' + id, 'trash' + id].every((x) => ids.has(x))).toBe(true);
      else expect(ids.has(id)).toBe(true);
    }
    for (const id of ids) {
      const suffix = id.replace(/^(recyclebin|trash)-/, '-');
      expect([id, emitted.has(id) || emitted.has(suffix)]).toEqual([id, true]);
    }
  });
});
