import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { parsers, rarParser } from '../../../src/artifacts/rar/index.js';
import { makeRar4, makeRar5 } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';

function ctx(name: string, buf: Buffer): ArtifactContext {
  return { relPath: `$Recycle.Bin/${name}`, name, head: buf.subarray(0, 4100), size: buf.length, format: null };
}

function detectCtx(c: ArtifactContext): DetectContext {
  return { ...c, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

describe('rarParser (ArtifactParser contract)', () => {
  test('exports the parser list and matches RAR 4 and RAR 5 heads only', () => {
    expect(parsers).toEqual([rarParser]);
    expect(rarParser.matches(ctx('a.bin', makeRar4({ files: [] })))).toBe(true);
    expect(rarParser.matches(ctx('a.bin', makeRar5({ files: [] })))).toBe(true);
    expect(rarParser.matches(ctx('a.rar', Buffer.from('Rar!not really')))).toBe(false);
  });

  test('parse gives records and summary; the detector sees the split set', async () => {
    const buf = makeRar5({ files: [{ name: 'ntds.dit', size: 100, encrypted: true }], volume: { index: 0 } }) as Buffer;
    const c = { ...ctx('x.part1.rar', buf), siblings: [1, 2, 3].map((i) => ({ name: `x.part${i}.rar`, isDirectory: false, size: 100 })) };
    const result = (await rarParser.parse(bufferSource(buf), c))!;
    expect(result.parser).toBe('rar');
    expect(result.records[0]).toMatchObject({ type: 'archive-entry', name: 'ntds.dit', size: 100, encrypted: true, splitAfter: true });
    expect(result.facts).toMatchObject({ format: 'rar', volume: { index: 0, multiVolume: true }, encryptedEntryCount: 1 });
    const rules = rarParser.detect!(result, detectCtx(c))[0]!.hits.map((h) => h.rule);
    expect(rules).toEqual(expect.arrayContaining(['archive-encrypted', 'archive-sensitive-contents']));
    expect(rules.some((r) => r.startsWith('archive-split-volume'))).toBe(true);
  });

  test('not a RAR: null', async () => {
    const junk = Buffer.from('PK\x03\x04 not rar');
    expect(await rarParser.parse(bufferSource(junk), ctx('a.rar', junk))).toBeNull();
  });
});
