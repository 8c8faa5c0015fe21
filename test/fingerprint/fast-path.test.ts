/**
 * The synchronous fast path of the fingerprint (issue 17) gives the same verdict as the reference
 * path, which asks file-type for every head the own detectors leave open (text included, no table
 * of leading bytes, no PE shortcut): on every corpus file and on both bench trees (the ordinary
 * mix and the findings-heavy one, scaled down). A verdict is everything a rule or a writer reads:
 * format, mime, magic confidence, class, statistics, extension mismatch, hints and rule hits.
 * Descriptions may differ in wording (the table says "PNG image data", file-type's wrapper adds the
 * mime) and the source says which path named the format.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { fingerprint, fingerprintReference, fingerprintSync, type Fingerprint } from '../../src/fingerprint/index.js';
import { CORPUS_DIR, CORPUS_MISSING, corpusAvailable, testIf } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { forEachFileHead } from '../helpers/file-heads.js';

function verdict(fp: Fingerprint): Record<string, unknown> {
  const { description: _description, magicSource: _source, hits, ...rest } = fp;
  return { ...rest, hits: hits.map((h) => h.rule) };
}

interface Tally { files: number; settledFast: number; mismatches: string[] }

/** Fingerprints every file three ways; the fast path (sync and async) must equal the reference. */
async function compareAll(root: string): Promise<Tally> {
  const tally: Tally = { files: 0, settledFast: 0, mismatches: [] };
  await forEachFileHead(root, async ({ relPath, name, head, src }) => {
    const reference = verdict(await fingerprintReference(src, head, name));
    const sync = fingerprintSync(src, head, name);
    const full = verdict(await fingerprint(src, head, name));
    tally.files++;
    if (sync) tally.settledFast++;
    const same = JSON.stringify(full) === JSON.stringify(reference) && (!sync || JSON.stringify(verdict(sync)) === JSON.stringify(reference));
    if (!same) tally.mismatches.push(`${relPath}: fast ${JSON.stringify(full)} reference ${JSON.stringify(reference)}`);
  });
  return tally;
}

describe('fingerprint fast path = reference path', () => {
  testIf(corpusAvailable(), CORPUS_MISSING)('every corpus file', async () => {
    const t = await compareAll(CORPUS_DIR);
    expect(t.mismatches).toEqual([]);
    expect(t.files).toBeGreaterThan(1000);
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
    }, 300_000);
  }
});
