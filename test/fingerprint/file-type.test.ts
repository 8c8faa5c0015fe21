/**
 * The allocation-free file-type parser (src/fingerprint/file-type.ts) answers as file-type itself
 * does: on every corpus file's head, on heads built from every signature file-type's detector
 * compares (read from its source, at their offsets, over zeros and over random bytes, whole and cut
 * short), and on random heads.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { fileTypeOfHead } from '../../src/fingerprint/file-type.js';
import { LIMITS } from '../../src/util/limits.js';
import { CORPUS_DIR, CORPUS_MISSING, corpusAvailable, testIf } from '../helpers/corpus.js';
import { forEachFileHead } from '../helpers/file-heads.js';
import { xorshiftBytes } from '../helpers/random.js';

interface Tally { heads: number; named: Set<string>; mismatches: string[] }

async function compare(head: Uint8Array, label: string, tally: Tally): Promise<void> {
  const settle = (p: Promise<unknown>): Promise<unknown> => p.then((r) => r ?? null, (e: Error) => `error: ${e.message}`);
  const [stock, lean] = await Promise.all([settle(fileTypeFromBuffer(head)), settle(fileTypeOfHead(head))]);
  tally.heads++;
  if (stock && typeof stock === 'object') tally.named.add((stock as { ext: string }).ext);
  if (JSON.stringify(stock) !== JSON.stringify(lean)) tally.mismatches.push(`${label}: file-type ${JSON.stringify(stock)}, lean ${JSON.stringify(lean)}`);
}

interface Signature { bytes: number[]; offset: number }

/** The literals file-type's detector compares with `check([..])` and `checkString('..')`, and their offsets. */
function fileTypeSignatures(): Signature[] {
  const core = path.resolve('node_modules/file-type/core.js');
  const source = readFileSync(core, 'utf8');
  const found: Signature[] = [];
  const offsetOf = (rest: string): number => Number(/^\s*,\s*\{offset:\s*(\d+)/.exec(rest)?.[1] ?? 0);
  for (const m of source.matchAll(/this\.check\(\[([0-9xA-Fa-f,\s]+)\]([^)]*)\)/g)) {
    found.push({ bytes: m[1]!.split(',').map((b) => Number(b.trim())), offset: offsetOf(m[2]!) });
  }
  for (const m of source.matchAll(/this\.checkString\('((?:[^'\\]|\\.)*)'([^)]*)\)/g)) {
    const text = m[1]!.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, '$1');
    found.push({ bytes: [...text].map((c) => c.charCodeAt(0) & 0xff), offset: offsetOf(m[2]!) });
  }
  return found;
}

describe('file-type without allocation per check', () => {
  test('heads built from every signature file-type compares, whole and cut short', async () => {
    const signatures = fileTypeSignatures();
    // file-type 21 compares about 180 literals; far fewer means the source reading above broke.
    expect(signatures.length).toBeGreaterThan(150);
    const tally: Tally = { heads: 0, named: new Set(), mismatches: [] };
    for (const [i, sig] of signatures.entries()) {
      for (const [fill, base] of [['zeros', new Uint8Array(LIMITS.headBytes)], ['random', xorshiftBytes(LIMITS.headBytes, i + 1)]] as const) {
        const head = Uint8Array.from(base);
        head.set(sig.bytes.slice(0, Math.max(0, head.length - sig.offset)), sig.offset);
        for (const length of [head.length, sig.offset + sig.bytes.length, sig.offset + sig.bytes.length - 1, 64]) {
          if (length < 2 || length > head.length) continue;
          await compare(head.subarray(0, length), `signature ${i} (${JSON.stringify(sig.bytes.slice(0, 8))} at ${sig.offset}) over ${fill}, ${length} bytes`, tally);
        }
      }
    }
    expect(tally.mismatches).toEqual([]);
    // The heads name many formats, so the comparison covered the detector's branches, not only "unknown".
    expect(tally.named.size).toBeGreaterThan(80);
  }, 120_000);

  test('random heads', async () => {
    const tally: Tally = { heads: 0, named: new Set(), mismatches: [] };
    for (let seed = 1; seed <= 2000; seed++) await compare(xorshiftBytes(LIMITS.headBytes, seed * 7919), `random seed ${seed}`, tally);
    expect(tally.mismatches).toEqual([]);
    expect(tally.heads).toBe(2000);
  });

  testIf(corpusAvailable(), CORPUS_MISSING)('every corpus file', async () => {
    const tally: Tally = { heads: 0, named: new Set(), mismatches: [] };
    await forEachFileHead(CORPUS_DIR, async ({ relPath, head }) => {
      if (head.length > 1) await compare(head, relPath, tally);
    });
    expect(tally.mismatches).toEqual([]);
    expect(tally.heads).toBeGreaterThan(1000);
    expect(tally.named.size).toBeGreaterThan(15);
  }, 300_000);
});
