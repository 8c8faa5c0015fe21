import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { parsers, sevenZipParser } from '../../../src/artifacts/sevenzip/index.js';
import { makeEncryptedHeader7z, makePlain7z, splitVolumes } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

function ctx(name: string, buf: Buffer): ArtifactContext {
  return { relPath: `Windows/Temp/${name}`, name, head: buf.subarray(0, 4100), size: buf.length, format: null };
}

function detectCtx(c: ArtifactContext): DetectContext {
  return { ...c, os: 'windows', hotspot: 'windows-temp', hotspotWeight: 20, times: NO_TIMES };
}

describe('sevenZipParser (ArtifactParser contract)', () => {
  test('exports the parser list', () => {
    expect(parsers).toEqual([sevenZipParser]);
    expect(sevenZipParser.id).toBe('7z');
  });

  test('matches by signature and by later-volume name only', () => {
    const buf = makePlain7z({ files: [{ name: 'a.txt', size: 10 }] }) as Buffer;
    expect(sevenZipParser.matches(ctx('x.dat', buf))).toBe(true);
    const tail = Buffer.from('no signature here');
    expect(sevenZipParser.matches(ctx('x.7z.002', tail))).toBe(true);
    expect(sevenZipParser.matches(ctx('x.7z.001', tail))).toBe(false);
    expect(sevenZipParser.matches(ctx('x.zip', tail))).toBe(false);
  });

  test('parse gives archive-entry records and the archive summary', async () => {
    const buf = makePlain7z({ files: [{ name: 'Users/a/Documents/x.docx', size: 10, encrypted: true }] }) as Buffer;
    const c = ctx('loot.7z', buf);
    const result = (await sevenZipParser.parse(bufferSource(buf), c))!;
    expect(result.parser).toBe('7z');
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({ type: 'archive-entry', name: 'Users/a/Documents/x.docx', size: 10, encrypted: true, isDirectory: false });
    expect(result.facts).toMatchObject({ format: '7z', entryCount: 1, encryptedEntryCount: 1, headersEncrypted: false });
    const candidates = sevenZipParser.detect!(result, detectCtx(c));
    expect(candidates).toHaveLength(1);
    expect(candidates[0]!.hits.map((h) => h.rule)).toContain('archive-encrypted');
  });

  test('header-encrypted archive: detector sees headers encrypted', async () => {
    const buf = makeEncryptedHeader7z() as Buffer;
    const c = ctx('loot.7z', buf);
    const result = (await sevenZipParser.parse(bufferSource(buf), c))!;
    expect(result.records).toEqual([]);
    const hits = sevenZipParser.detect!(result, detectCtx(c))[0]!.hits.map((h) => h.rule);
    expect(hits).toContain('archive-headers-encrypted');
  });

  test('a later volume parses to a volume-only summary', async () => {
    const parts = splitVolumes(makePlain7z({ files: [{ name: 'a', size: 400 }] }), 150) as Buffer[];
    const result = (await sevenZipParser.parse(bufferSource(parts[2]!), ctx('a.7z.003', parts[2]!)))!;
    expect(result.facts).toMatchObject({ volume: { index: 2, multiVolume: true }, entryCount: null });
    expect(await sevenZipParser.parse(bufferSource(Buffer.from('plain text')), ctx('a.txt', Buffer.from('plain text')))).toBeNull();
  });
});
