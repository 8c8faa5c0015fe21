import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseTrashInfo } from '../../../src/artifacts/trash/trashinfo.js';
import { detectTrashInfo, macosTrashParser, trashInfoParser } from '../../../src/artifacts/trash/index.js';
import type { DetectContext, ListedEntry } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { makeTrashinfo } from '../../../fixtures/lib/recyclebin-writers.mjs';

const src = (b: Buffer) => bufferSource(b);

function ctxFor(relPath: string, buf: Buffer, dirs: Record<string, ListedEntry[]> = {}): DetectContext {
  return {
    relPath,
    name: relPath.split('/').pop()!,
    head: buf.subarray(0, 4100),
    size: buf.length,
    format: null,
    os: 'linux',
    hotspot: null,
    hotspotWeight: 0,
    times: NO_TIMES,
    listDirectory: (p: string) => dirs[p] ?? null,
  };
}

describe('.trashinfo parsing', () => {
  test('percent-decoded absolute path, naive local deletion time', () => {
    const r = parseTrashInfo(src(makeTrashinfo({ path: '/tmp/.cache x/dump ü.tar.gz', deletionDate: '2024-05-06T07:08:09' })), null);
    expect(r.record).toEqual({
      type: 'trash-entry',
      originalPath: '/tmp/.cache x/dump ü.tar.gz',
      originalPathEncoded: '/tmp/.cache%20x/dump%20%C3%BC.tar.gz',
      relative: false,
      deletedAt: '2024-05-06T07:08:09',
      timezone: 'local (unknown)',
    });
    expect(r.warnings).toEqual([]);
  });
  test('relative path resolves against the top directory of a .Trash-<uid>', async () => {
    const buf = makeTrashinfo({ rawPath: 'stuff/a%2Fb.zip', deletionDate: '2024-01-01T00:00:00' });
    const res = (await trashInfoParser.parse(src(buf), ctxFor('media/usb/.Trash-1000/info/a.zip.trashinfo', buf)))!;
    expect(res.records[0]).toMatchObject({ originalPath: '/media/usb/stuff/a/b.zip', relative: true, dataFile: 'files/a.zip' });
    expect(res.warnings.join(' ')).toMatch(/%2F/);
  });
  test.each([
    ['%00 NUL', '/tmp/a%00.zip', /\\x00/, /NUL/],
    ['invalid UTF-8', '/tmp/%ff%fe.zip', /\\xff\\xfe/, /not valid UTF-8/],
    ['malformed escape', '/tmp/%zz.zip', /%zz/, /malformed/],
  ])('hostile encoding: %s', (_label, raw, pathRe, warnRe) => {
    const r = parseTrashInfo(src(makeTrashinfo({ rawPath: raw, deletionDate: '2024-01-01T00:00:00' })), null);
    expect(String(r.record!.originalPath)).toMatch(pathRe);
    expect(r.warnings.join(' ')).toMatch(warnRe);
  });
  test('bad date, overlong line, binary garbage and missing group', () => {
    expect(parseTrashInfo(src(makeTrashinfo({ path: '/a', deletionDate: '2024-02-30T00:00:00' })), null).record!.deletedAt).toBeNull();
    const long = parseTrashInfo(src(makeTrashinfo({ rawPath: `/${'a'.repeat(40_000)}`, deletionDate: '2024-01-01T00:00:00' })), null);
    expect(long.warnings.join(' ')).toMatch(/truncated/);
    expect(String(long.record!.originalPath).length).toBeLessThanOrEqual(16 * 1024);
    const garbage = Buffer.alloc(5000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 31) % 256;
    const g = parseTrashInfo(src(garbage), null);
    expect(g.record).toBeNull();
    expect(g.corrupted).toBe(true);
    const big = parseTrashInfo(src(Buffer.alloc(10 * 1024 * 1024, 0x41)), null);
    expect(big.warnings.join(' ')).toMatch(/only the first/);
  });
  test('first Path wins, duplicates are reported', () => {
    const buf = Buffer.from('[Trash Info]\nPath=/a.zip\nPath=/b.txt\nDeletionDate=2024-01-01T00:00:00\n');
    const r = parseTrashInfo(src(buf), null);
    expect(r.record!.originalPath).toBe('/a.zip');
    expect(r.warnings).toEqual(['duplicate Path= ignored']);
  });
});

describe('trash detectors', () => {
  test('archive trashed from /tmp, file purged', () => {
    const buf = makeTrashinfo({ path: '/tmp/x.7z.001', deletionDate: '2024-01-01T00:00:00' });
    const rel = 'home/bob/.local/share/Trash/info/x.7z.001.trashinfo';
    const ctx = ctxFor(rel, buf, { 'home/bob/.local/share/Trash/files': [], 'home/bob/.local/share/Trash/expunged': [] });
    return trashInfoParser.parse(src(buf), ctx).then((res) => {
      const [c] = detectTrashInfo(res!, ctx);
      expect(c!.hits.map((h) => h.rule).sort()).toEqual(['trash-data-missing', 'trash-deleted-archive', 'trash-deleted-archive-from-staging-location', 'trash-multipart-archive']);
      expect(c).toMatchObject({ kind: 'trash', originalPath: '/tmp/x.7z.001', deletedAt: '2024-01-01T00:00:00', user: 'bob' });
    });
  });
  test('an ordinary trashed document present in files/ yields nothing', async () => {
    const buf = makeTrashinfo({ path: '/home/bob/notes.txt', deletionDate: '2024-01-01T00:00:00' });
    const rel = 'home/bob/.local/share/Trash/info/notes.txt.trashinfo';
    const ctx = ctxFor(rel, buf, { 'home/bob/.local/share/Trash/files': [{ name: 'notes.txt', isDirectory: false, size: 1 }] });
    expect(detectTrashInfo((await trashInfoParser.parse(src(buf), ctx))!, ctx)).toEqual([]);
  });
  test('macOS ~/.Trash: archive by content type', async () => {
    const ctx = { ...ctxFor('Users/amy/.Trash/report', Buffer.alloc(10)), format: 'zip', os: 'macos' as const };
    expect(macosTrashParser.matches(ctx)).toBe(true);
    const res = await macosTrashParser.parse(src(Buffer.alloc(10)), ctx);
    expect(macosTrashParser.detect!(res!, ctx)[0]!.hits.map((h) => h.rule)).toEqual(['trash-deleted-archive']);
    expect(macosTrashParser.matches({ ...ctx, relPath: 'Users/amy/Documents/report' })).toBe(false);
  });
});
