/** Every corpus hive against libregf (pyregf dump: paths, 100-ns times, value type/size/sha256). */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { corpusHives, ownDump, readPyregf, readToolsJson, referenceDump } from './corpus-helpers.js';

const HAVE = corpusAvailable();
const hives = HAVE ? corpusHives() : [];
const parseable = hives.filter((h) => HAVE && readToolsJson(h).info.pyregf_rc === 0);

describeIf(HAVE, CORPUS_MISSING)('regf conformance with pyregf (libregf)', () => {
  test('the corpus has the hives the manifest lists', () => {
    expect(hives.length).toBe(21); // 20 of phase 1 + the Amcache hive of phase 2
    expect(parseable.length).toBe(15);
  });

  test.each(parseable)('%s: same keys, times and values', (rel) => {
    const own = ownDump(readFileSync(corpusPath('regf', rel)));
    const ref = referenceDump(readPyregf(rel));
    if (process.env.REGF_AGREEMENT) {
      console.log(`AGREEMENT ${rel} keys ${own.keys.length}/${ref.keys.length} values ${own.values.length}/${ref.values.length} warnings ${own.warnings.length} inline-tail ${own.quirks.filter((q) => q.endsWith('inline-tail')).length} sz-cut ${own.quirks.filter((q) => q.endsWith('sz-cut-at-nul')).length}`);
    }
    expect(own.keys).toEqual(ref.keys);
    expect(own.values).toEqual(ref.values);
  });
});
