/**
 * Second reference: reglookup's CSV (`reglookup -i`). Same key and value counts, the same paths
 * (after undoing its %XX escaping; its UTF-16 name mangling is skipped), and the same raw bytes
 * for every BINARY value (this is where libregf's inline-data quirk is settled in our favour).
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { walkHive, rawBytesOf, type ValueRecord } from '../../../src/artifacts/regf/walk.js';
import { corpusHives, cutAtNul, readToolsJson } from './corpus-helpers.js';

const HAVE = corpusAvailable();
const hives = HAVE ? corpusHives().filter((h) => readToolsJson(h).info.reglookup_rc === 0) : [];

function unescape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** A path element as reglookup wrote it, or null when it mangled a UTF-16 name (has %00 bytes). */
function element(s: string): string | null {
  const b = unescape(s);
  return b.includes(0) ? null : b.toString('latin1');
}

interface Row { path: (string | null)[]; type: string; value: string }

function readCsv(rel: string): Row[] {
  const lines = readFileSync(corpusPath('regf', `${rel}.expected.reglookup.csv`), 'latin1').split('\n').slice(1);
  return lines.filter((l) => l !== '').map((l) => {
    const [p, type, value] = l.split(',');
    return { path: p!.split('/').slice(1).map(element), type: type!, value: value! };
  });
}

/** reglookup mangles non-Latin-1 UTF-16 names; accept a missing key when we have such a sibling. */
function hasUtf16Sibling(keys: Set<string>, k: string): boolean {
  const parent = k.includes('/') ? k.slice(0, k.lastIndexOf('/') + 1) : '';
  return [...keys].some((o) => o.startsWith(parent) && !o.slice(parent.length).includes('/') && !latin1Only(o.slice(parent.length)));
}

const latin1Only = (s: string): boolean => /^[\x00-\xff]*$/.test(s);

describeIf(HAVE, CORPUS_MISSING)('regf agreement with reglookup', () => {
  test.each(hives)('%s', (rel) => {
    const hive = readFileSync(corpusPath('regf', rel));
    const rows = readCsv(rel);
    const keys = new Set<string>();
    const values = new Map<string, ValueRecord>();
    for (const item of walkHive(hive)) {
      if (item.type === 'registry-key') keys.add(item.key.split('\\').map(cutAtNul).join('/'));
      if (item.type === 'registry-value') values.set(`${item.key.split('\\').map(cutAtNul).join('/')}//${cutAtNul(item.name)}`, item);
    }
    const refKeys = rows.filter((r) => r.type === 'KEY');
    expect(keys.size).toBe(refKeys.length);
    expect(values.size).toBe(rows.length - refKeys.length);
    let compared = 0;
    for (const r of rows) {
      if (r.path.some((e) => e === null)) continue; // reglookup mangled a UTF-16 name
      const elements = r.path as string[];
      if (r.type === 'KEY') {
        const k = elements.filter((e) => e !== '').join('/');
        if (!keys.has(k) && !hasUtf16Sibling(keys, k)) throw new Error(`key missing: ${k}`);
        continue;
      }
      const own = values.get(`${elements.slice(0, -1).join('/')}//${elements[elements.length - 1]}`);
      if (!own && !elements.every(latin1Only)) continue;
      expect(own).toBeDefined();
      if (r.type === 'BINARY') {
        const expected = r.value === '(null)' ? '' : unescape(r.value).toString('hex'); // empty data
        expect(rawBytesOf(own!)!.toString('hex')).toBe(expected);
        compared++;
      }
    }
    if (rows.some((r) => r.type === 'BINARY')) expect(compared).toBeGreaterThan(0);
  });
});
