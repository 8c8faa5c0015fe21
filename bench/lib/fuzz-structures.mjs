// Structure-aware fuzz generators (docs/hostile-input.md, "Bounded time and memory"): byte
// mutations of corpus seeds almost never build a valid structure that repeats, nests or counts
// without limit, so each class of issue 18 has generators that do, with sizes drawn from a
// deterministic PRNG. `small` keeps `npm test` fast; `full` reaches the sizes of the issue.
// A case is { generator, mutationSeed }: the worker rebuilds the input from those two alone.
import { mulberry32, intIn, pick } from './prng.mjs';
import { mutate, MUTATIONS } from './mutate.mjs';
import {
  makeAliasedValuesHive, makeAmplified7z, makeContinuedHistory, makeDeepLongKeysHive, makePaxGlobalTar, virtualInfo2Source,
} from '../../fixtures/lib/hostile-inputs.mjs';

/** Sizes per scale: [small, full] ranges, each [lo, hi). */
const SIZES = {
  small: { paxKeys: [100, 20_000], entries: [10, 2_000], pathBytes: [1_000, 200_000], repeats: [2, 2_000], segments: [2, 600], depth: [2, 120], nameLength: [1, 4_000], info2: [10, 5_000], lines: [10, 5_000], files: [10, 50_000] },
  full: { paxKeys: [10_000, 100_000], entries: [100, 200_000], pathBytes: [10_000, (1 << 20) - 64], repeats: [100, 30_000], segments: [100, 4_200], depth: [50, 600], nameLength: [100, 16_000], info2: [10_000, 1_000_000], lines: [1_000, 100_000], files: [1_000, 1_000_000] },
};

/**
 * Each generator: class (the docs' name), pretend path (so the right parsers claim it), and
 * build(rand, size) returning a Buffer or a ByteSource-like { size, name, read }.
 */
export const STRUCTURE_GENERATORS = {
  'tar-pax-global-keys': {
    classes: ['huge counts', 'amplification'],
    relPath: 'Windows/Temp/keys.tar',
    build: (r, s) => makePaxGlobalTar({ keys: intIn(r, ...s.paxKeys), entries: intIn(r, ...s.entries) }),
  },
  'tar-pax-global-path': {
    classes: ['long names', 'amplification'],
    relPath: 'Windows/Temp/path.tar',
    build: (r, s) => makePaxGlobalTar({ keys: intIn(r, 0, 50), globalPathBytes: intIn(r, ...s.pathBytes), entries: intIn(r, ...s.entries) }),
  },
  'regf-aliased-values': {
    classes: ['aliasing'],
    relPath: 'Users/alice/NTUSER.DAT',
    build: (r, s) => makeAliasedValuesHive({ repeats: intIn(r, ...s.repeats), segments: intIn(r, ...s.segments) }),
  },
  'regf-deep-long-keys': {
    classes: ['deep nesting', 'long names'],
    relPath: 'Windows/System32/config/SOFTWARE',
    build: (r, s) => {
      // Deep with short names, or shallower with long ones: both multiply path lengths.
      const deep = r() < 0.5;
      return makeDeepLongKeysHive({ depth: deep ? intIn(r, ...s.depth) : intIn(r, 2, 40), nameLength: deep ? intIn(r, 1, 64) : intIn(r, ...s.nameLength) });
    },
  },
  'info2-huge-count': {
    classes: ['huge counts'],
    relPath: 'RECYCLER/S-1-5-21-1004336348-1177238915-682003330-1001/INFO2',
    build: (r, s) => virtualInfo2Source({ records: intIn(r, ...s.info2) }),
  },
  'history-continuations': {
    classes: ['huge counts', 'long names'],
    relPath: 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt',
    build: (r, s) => makeContinuedHistory('powershell', intIn(r, ...s.lines)),
  },
  'zsh-continuations': {
    classes: ['huge counts', 'long names'],
    relPath: 'home/user/.zsh_history',
    build: (r, s) => makeContinuedHistory('zsh', intIn(r, ...s.lines)),
  },
  '7z-zero-padded-header': {
    classes: ['amplification'],
    relPath: 'Windows/Temp/amp.7z',
    build: (r, s) => makeAmplified7z({ files: intIn(r, ...s.files) }),
  },
};

/**
 * The input of one structure case. One case in three also gets a byte-level mutation on top (a
 * valid hostile structure with one damaged field is where bounds and error paths meet); `mutated`
 * names it (then no parser need claim the result).
 * @returns {{ data: Buffer | { size: number, name: string, read(position: number, length: number): Buffer }, mutated: string | null }}
 */
export function buildStructure(generator, seed, scale = 'full') {
  const g = STRUCTURE_GENERATORS[generator];
  if (!g) throw new Error(`unknown structure generator ${generator}`);
  const rand = mulberry32(seed);
  const data = g.build(rand, SIZES[scale]);
  if (Buffer.isBuffer(data) && rand() < 1 / 3) {
    const kind = pick(rand, MUTATIONS);
    return { data: mutate(data, kind, intIn(rand, 0, 0x7fffffff)), mutated: kind };
  }
  return { data, mutated: null };
}

/** Cases for every generator: `perGenerator` seeds each, derived from `baseSeed`. */
export function structureCases({ perGenerator, baseSeed = 1, scale = 'full', startIndex = 0 }) {
  const cases = [];
  for (const [name, g] of Object.entries(STRUCTURE_GENERATORS)) {
    for (let k = 0; k < perGenerator; k++) {
      const mutationSeed = (Math.imul(baseSeed + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77) ^ name.length * 0x27d4eb2f) >>> 0;
      cases.push({ index: startIndex + cases.length, seed: null, corpus: `structure/${name}`, relPath: g.relPath, parsers: null, mutation: name, mutationSeed, structure: { generator: name, scale } });
    }
  }
  return cases;
}
