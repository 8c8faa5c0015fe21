/**
 * The synchronous fast path of the fingerprint (issue 17) gives the same verdict as the reference
 * path, which asks file-type for every head the own detectors leave open (text included, no table
 * of leading bytes, no PE shortcut): on every corpus file and on both bench trees (the ordinary
 * mix and the findings-heavy one, scaled down). A verdict is everything a rule or a writer reads:
 * format, mime, magic confidence, class, statistics, extension mismatch, hints and rule hits.
 * Descriptions may differ in wording (the table says "PNG image data", file-type's wrapper adds the
 * mime) and the source says which path named the format. The scan's statistics when needed give
 * the same verdicts, with the head's statistics left out only where the verdict does not read them.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { fingerprint, fingerprintReference, fingerprintSync, headEntropy, type Fingerprint } from '../../src/fingerprint/index.js';
import { CORPUS_DIR, CORPUS_MISSING, corpusAvailable, testIf } from '../helpers/corpus.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { forEachFileHead } from '../helpers/file-heads.js';

function verdict(fp: Fingerprint): Record<string, unknown> {
  const { description: _description, magicSource: _source, hits, ...rest } = fp;
  return { ...rest, hits: hits.map((h) => h.rule) };
}

/**
 * A verdict with statistics only when needed (the scan's): the reference's, but where the verdict did
 * not read them, entropy and chi-square null and the entropy `headEntropy` gives in their place.
 */
function whenNeededVerdict(fp: Fingerprint, head: Buffer): Record<string, unknown> {
  if (!fp.statisticsDeferred) return verdict(fp);
  const { statisticsDeferred: _deferred, ...rest } = verdict(fp);
  if (rest.entropy !== null || rest.chiSquare !== null || rest.chiSquareP !== null) return { ...rest, stale: 'statistics computed although deferred' };
  // Replaced in place: the keys keep the reference's order.
  return { ...rest, entropy: headEntropy(head), chiSquare: 'deferred', chiSquareP: 'deferred' };
}

function withDeferredChi(reference: Record<string, unknown>, fp: Fingerprint | null): Record<string, unknown> {
  return fp?.statisticsDeferred ? { ...reference, chiSquare: 'deferred', chiSquareP: 'deferred' } : reference;
}

interface Tally { files: number; settledFast: number; deferred: number; mismatches: string[] }

/**
 * Fingerprints every file five ways; the fast path (sync and async) must equal the reference, and
 * so must the scan's (statistics when needed), but for the statistics it defers.
 */
async function compareAll(root: string): Promise<Tally> {
  const tally: Tally = { files: 0, settledFast: 0, deferred: 0, mismatches: [] };
  await forEachFileHead(root, async ({ relPath, name, head, src }) => {
    const reference = verdict(await fingerprintReference(src, head, name));
    const sync = fingerprintSync(src, head, name);
    const full = verdict(await fingerprint(src, head, name));
    const whenNeeded = { statistics: 'when-needed' } as const;
    const scanSync = fingerprintSync(src, head, name, whenNeeded);
    const scanFull = await fingerprint(src, head, name, whenNeeded);
    tally.files++;
    if (sync) tally.settledFast++;
    if (scanFull.statisticsDeferred) tally.deferred++;
    const same = JSON.stringify(full) === JSON.stringify(reference) && (!sync || JSON.stringify(verdict(sync)) === JSON.stringify(reference));
    if (!same) tally.mismatches.push(`${relPath}: fast ${JSON.stringify(full)} reference ${JSON.stringify(reference)}`);
    const scanSame = JSON.stringify(whenNeededVerdict(scanFull, head)) === JSON.stringify(withDeferredChi(reference, scanFull)) &&
      (!scanSync || JSON.stringify(whenNeededVerdict(scanSync, head)) === JSON.stringify(withDeferredChi(reference, scanSync)));
    if (!scanSame) tally.mismatches.push(`${relPath}: statistics when needed ${JSON.stringify(whenNeededVerdict(scanFull, head))} reference ${JSON.stringify(reference)}`);
  });
  return tally;
}

describe('statistics when needed', () => {
  test('a loose magic on random bytes is judged by its statistics: none deferred', async () => {
    const body = Buffer.alloc(16_384);
    let x = 99;
    for (let i = 0; i < body.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      body[i] = x >>> 24;
    }
    for (const magic of ['BM', '\x1f\x9d', '\xff\xfb']) {
      body.write(magic, 0, 'latin1');
      const src = bufferSource(body);
      const always = await fingerprint(src, body.subarray(0, 4100), 'blob.dat');
      const whenNeeded = await fingerprint(src, body.subarray(0, 4100), 'blob.dat', { statistics: 'when-needed' });
      expect(always.confidence).toBe('low');
      expect(always.classification).toBe('high-entropy-unknown');
      expect(whenNeeded).toEqual(always);
      expect(whenNeeded.statisticsDeferred).toBeUndefined();
    }
  });
});

describe('fingerprint fast path = reference path', () => {
  testIf(corpusAvailable(), CORPUS_MISSING)('every corpus file', async () => {
    const t = await compareAll(CORPUS_DIR);
    expect(t.mismatches).toEqual([]);
    expect(t.files).toBeGreaterThan(1000);
    expect(t.deferred).toBeGreaterThan(100);
  }, 300_000);

  let dir = '';
  afterAll(() => {
    if (dir) removeTree(dir);
  });
  for (const profile of ['default', 'findings']) {
    test(`the ${profile} bench tree, 2,500 files`, async () => {
      dir ||= tempDir('fast-path');
      const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate(a: Record<string, unknown>, log?: (m: string) => void): unknown };
      const out = path.join(dir, profile);
      generate({ out, files: 2500, uniform: 0, seed: 7401, force: true, ...(profile === 'findings' ? { profile } : {}) }, () => undefined);
      const t = await compareAll(out);
      expect(t.mismatches).toEqual([]);
      expect(t.files).toBe(2500);
      // The point of the fast path: most files never reach file-type.
      expect(t.settledFast / t.files).toBeGreaterThan(0.6);
      // And of deferring the statistics: most files' verdicts do not read them.
      expect(t.deferred / t.files).toBeGreaterThan(profile === 'default' ? 0.5 : 0.1);
    }, 300_000);
  }
});
