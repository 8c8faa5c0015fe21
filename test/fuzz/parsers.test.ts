/**
 * Parser fuzzing, the deterministic subset that runs in `npm test` (the long run is `npm run fuzz`,
 * figures in docs/hostile-input.md). Every parser that claims a corpus seed, and the fingerprint,
 * get 7 mutations per seed (bit flips, byte sets, truncations, splices, maxed length fields,
 * zeroed ranges) in a child process with a 256 MB heap and a 3 s budget per case; the
 * structure-aware generators (aliasing, amplification, deep nesting, long names, huge counts)
 * run at their small scale under the same budget.
 * The harness itself is checked first against parsers that throw, hang and crash.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCases, claimSeeds, listSeeds, runCases, seedAreas } from '../../bench/lib/fuzz-runner.mjs';
import { ARTIFACT_PARSERS } from '../../src/artifacts/index.js';
import { writeExtraSeeds } from '../../bench/lib/extra-seeds.mjs';
import { mutate, MUTATIONS } from '../../bench/lib/mutate.mjs';
import { buildStructure, STRUCTURE_GENERATORS, structureCases } from '../../bench/lib/fuzz-structures.mjs';
import { corpusAvailable, CORPUS_DIR, CORPUS_MISSING, testIf, describeIf, DIST_MISSING } from '../helpers/corpus.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

const DIST = path.join(process.cwd(), 'dist');
const distBuilt = existsSync(path.join(DIST, 'artifacts', 'index.js'));
if (!distBuilt) console.warn('NOTICE: dist/ not built (npm run build); fuzz tests are skipped');

describe('mutations', () => {
  test('are deterministic and change the input', () => {
    const input = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff));
    for (const kind of MUTATIONS) {
      const a = mutate(input, kind, 42);
      expect(mutate(input, kind, 42).equals(a)).toBe(true);
      expect(a.equals(input)).toBe(false);
    }
  });
});

/** A fake build whose parsers misbehave on purpose: the harness must catch each way. */
function writeMisbehavingDist(dir: string): void {
  const real = (p: string): string => pathToFileURL(path.join(DIST, p)).href;
  mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  mkdirSync(path.join(dir, 'fingerprint'), { recursive: true });
  mkdirSync(path.join(dir, 'util'), { recursive: true });
  mkdirSync(path.join(dir, 'artifacts', 'archive'), { recursive: true });
  writeFileSync(path.join(dir, 'fingerprint', 'index.js'), `export * from '${real('fingerprint/index.js')}';\n`);
  writeFileSync(path.join(dir, 'artifacts', 'archive', 'members.js'), `export * from '${real('artifacts/archive/members.js')}';\n`);
  writeFileSync(path.join(dir, 'util', 'byte-source.js'), `export * from '${real('util/byte-source.js')}';\n`);
  writeFileSync(
    path.join(dir, 'artifacts', 'index.js'),
    `const p = (id, parse) => ({ id, description: id, matches: () => true, parse });
export const ARTIFACT_PARSERS = [
  p('throws', async () => { throw new RangeError('offset out of range'); }),
  p('hangs', async () => { for (;;) {} }),
  p('crashes', async () => { process.exit(3); }),
  p('bad-result', async () => ({ records: 'nope' })),
];\n`,
  );
}

describeIf(distBuilt, DIST_MISSING)('fuzz harness', () => {
  let fake: string;
  beforeAll(() => {
    fake = tempDir('fuzz-fake-dist');
    writeMisbehavingDist(fake);
  });
  afterAll(() => removeTree(fake));

  test('reports throws and bad results as contract breaks, and catches hangs and crashes', async () => {
    const seed = path.join(fake, 'seed.bin');
    writeFileSync(seed, Buffer.alloc(64, 1));
    const mk = (index: number, parsers: string[]) => ({ index, seed, corpus: 'seed.bin', relPath: 'Windows/Temp/seed.bin', parsers, mutation: 'bitflip', mutationSeed: 1 });
    const r = await runCases([mk(0, ['throws', 'bad-result']), mk(1, ['hangs']), mk(2, ['crashes']), mk(3, [])], { dist: fake, timeoutMs: 1000, heapMb: 128 });
    expect(r.problems.map((p: { problem: string }) => p.problem)).toEqual([expect.stringContaining('throws threw: RangeError'), 'bad-result: malformed result']);
    expect(r.hangs).toHaveLength(1);
    expect(r.stalls).toEqual([]);
    expect(r.crashes).toEqual([expect.objectContaining({ code: 3 })]);
    // The case after a hang and a crash still runs.
    expect(r.completed).toBe(2);
  }, 30_000);
});

/** Parsers no seed reaches, each with the reason (any other parser must be claimed by a corpus or extra seed). */
const FUZZ_UNSEEDED: Record<string, string> = {
  appcompatcache: 'claims no file (only with --parser): its bytes come from SYSTEM hives, fuzzed through the regf seeds by the registry detectors',
  shellbags: 'claims no file (only with --parser): its shell items come from NTUSER.DAT/UsrClass.dat, fuzzed through the regf and lnk seeds',
  comdlg32: 'claims no file (only with --parser): its values come from NTUSER.DAT, fuzzed through the regf seeds (plaso/regf/NTUSER.DAT has ComDlg32) and test/artifacts/comdlg32',
  runmru: 'claims no file (only with --parser): its values come from NTUSER.DAT, fuzzed through the regf seeds (regipy/transactions_NTUSER.DAT has RunMRU) and test/artifacts/registry/run-mru.test.ts',
  typedpaths: 'claims no file (only with --parser): its values come from NTUSER.DAT, fuzzed through the regf seeds and test/artifacts/registry/typed-paths.test.ts',
  wordwheelquery: 'claims no file (only with --parser): its values come from NTUSER.DAT, fuzzed through the regf seeds (regipy/NTUSER.DAT has WordWheelQuery) and test/artifacts/registry/word-wheel-query.test.ts',
  logfile: 'no standalone $LogFile in the corpus (the logs are inside its NTFS images): test/ntfs/logfile.test.ts takes the four real ones out and damages them',
  'macos-trash': 'reads no bytes: its record is the path, its detector the name and fingerprint (test/artifacts/trash)',
};

testIf(corpusAvailable(), CORPUS_MISSING)('every corpus seed area a parser names exists', () => {
  for (const area of seedAreas(ARTIFACT_PARSERS)) expect([area, existsSync(path.join(CORPUS_DIR, area))]).toEqual([area, true]);
});

describeIf(distBuilt && corpusAvailable(), distBuilt ? CORPUS_MISSING : DIST_MISSING)('every parser on mutated corpus seeds', () => {
  let seedsDir: string;
  beforeAll(() => {
    seedsDir = tempDir('fuzz-seeds');
  });
  afterAll(() => removeTree(seedsDir));

  test('no crash, no hang, no throw, no malformed result (7 mutations per seed)', async () => {
    const seeds = listSeeds(CORPUS_DIR, { areas: seedAreas(ARTIFACT_PARSERS), extra: writeExtraSeeds(seedsDir), maxBytes: 4 * 1024 * 1024 });
    const claimed = await claimSeeds(seeds, { dist: DIST });
    const covered = new Set(claimed.flatMap((s: { parsers: string[] }) => s.parsers));
    // Derived from the registry: a new parser is fuzzed, or this fails (FUZZ_UNSEEDED says why not).
    expect(ARTIFACT_PARSERS.map((p) => p.id).filter((id) => !covered.has(id) && !(id in FUZZ_UNSEEDED))).toEqual([]);
    const cases = buildCases(claimed, { perSeed: 7, baseSeed: 1 });
    const r = await runCases(cases, { dist: DIST, timeoutMs: 3000, heapMb: 256 });
    expect({ crashes: r.crashes, hangs: r.hangs, problems: r.problems.slice(0, 20) }).toEqual({ crashes: [], hangs: [], problems: [] });
    expect(r.completed).toBe(cases.length);
    expect(r.maxRss).toBeLessThan(1024 ** 3);
  }, 120_000);
});


describe('structure-aware generators', () => {
  test('cover every class of hostile structure of issue 18 (links in paths: test/hazards/)', () => {
    const classes = new Set(Object.values(STRUCTURE_GENERATORS).flatMap((g) => g.classes));
    expect([...classes].sort()).toEqual(['aliasing', 'amplification', 'deep nesting', 'huge counts', 'long names']);
  });

  test('are deterministic per seed', () => {
    for (const name of Object.keys(STRUCTURE_GENERATORS)) {
      const a = buildStructure(name, 7, 'small').data;
      const b = buildStructure(name, 7, 'small').data;
      const bytes = (x: typeof a): Buffer => (Buffer.isBuffer(x) ? x : x.read(0, 64 * 1024));
      expect(bytes(a).equals(bytes(b))).toBe(true);
    }
  });
});

describeIf(distBuilt, DIST_MISSING)('every parser on structure-aware hostile inputs', () => {
  test('no crash, no hang, no throw, no malformed result; every input claimed by a parser (4 per generator, small)', async () => {
    const cases = structureCases({ perGenerator: 4, baseSeed: 1, scale: 'small' });
    const r = await runCases(cases, { dist: DIST, timeoutMs: 3000, heapMb: 256, memoryLimitBytes: 512 * 1024 ** 2 });
    expect({ crashes: r.crashes, hangs: r.hangs, problems: r.problems.slice(0, 20), memory: r.memory }).toEqual({ crashes: [], hangs: [], problems: [], memory: [] });
    expect(r.completed).toBe(cases.length);
    expect(Object.keys(r.structures).sort()).toEqual(Object.keys(STRUCTURE_GENERATORS).sort());
  }, 120_000);
});
