#!/usr/bin/env node
// Parser fuzzing over mutated and truncated corpus inputs (docs/hostile-input.md).
//   npm run fuzz                      # builds, then 60 mutations per seed
//   node bench/fuzz.mjs --per-seed 200 --seed 7 --timeout 5000 --heap 256 --json /tmp/fuzz.json
//   node bench/fuzz.mjs --structures 20 --scale full   # structure cases per generator (default 10)
// Reproduce one case: node bench/fuzz.mjs --only <corpus path> --mutation <kind> --mutation-seed <n>
//   (structure cases: --only structure/<generator> --mutation-seed <n> [--scale small])
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { buildCases, claimSeeds, listSeeds, runCases, seedAreas } from './lib/fuzz-runner.mjs';
import { writeExtraSeeds } from './lib/extra-seeds.mjs';
import { structureCases } from './lib/fuzz-structures.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = { perSeed: 60, seed: 1, timeout: 5000, heap: 256, json: null, only: null, mutation: null, mutationSeed: null, dist: path.join(REPO, 'dist'), corpus: path.resolve(REPO, '..', 'shared', 'corpus'), structures: 10, scale: 'full' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = () => argv[++i];
  if (a === '--per-seed') args.perSeed = Number(v());
  else if (a === '--seed') args.seed = Number(v());
  else if (a === '--timeout') args.timeout = Number(v());
  else if (a === '--heap') args.heap = Number(v());
  else if (a === '--json') args.json = v();
  else if (a === '--only') args.only = v();
  else if (a === '--mutation') args.mutation = v();
  else if (a === '--mutation-seed') args.mutationSeed = Number(v());
  else if (a === '--corpus') args.corpus = v();
  else if (a === '--dist') args.dist = path.resolve(v());
  else if (a === '--structures') args.structures = Number(v());
  else if (a === '--scale') args.scale = v();
  else throw new Error(`unknown argument ${a}`);
}
const dist = args.dist;
if (!existsSync(path.join(dist, 'artifacts', 'index.js'))) throw new Error('dist/ is missing: npm run build first');
if (!existsSync(path.join(args.corpus, 'MANIFEST.md'))) throw new Error(`corpus not found at ${args.corpus}`);

// Writer-built seeds for formats the corpus lacks (trash info, shell histories); "extra/<name>" in reports.
const { ARTIFACT_PARSERS } = await import(pathToFileURL(path.join(dist, 'artifacts', 'index.js')).href);
let seeds = listSeeds(args.corpus, { areas: seedAreas(ARTIFACT_PARSERS), extra: writeExtraSeeds(path.join(os.tmpdir(), 'stagehunt-fuzz-seeds')) });
if (args.only) seeds = seeds.filter((s) => s.corpus === args.only);
const claimed = await claimSeeds(seeds, { dist });
let cases = buildCases(claimed, { perSeed: args.perSeed, baseSeed: args.seed });
if (args.mutation !== null) {
  cases = claimed.map((s, index) => ({ index, seed: s.seed, corpus: s.corpus, relPath: s.relPath, parsers: s.parsers, mutation: args.mutation, mutationSeed: args.mutationSeed }));
}
// Structure-aware cases (aliasing, amplification, deep nesting, long names, huge counts).
let structures = structureCases({ perGenerator: args.structures, baseSeed: args.seed, scale: args.scale, startIndex: cases.length });
if (args.only) structures = structures.filter((c) => c.corpus === args.only);
if (args.only && args.mutationSeed !== null) structures = structures.slice(0, 1).map((c) => ({ ...c, mutationSeed: args.mutationSeed }));
cases = [...cases, ...structures.map((c, i) => ({ ...c, index: cases.length + i }))];
const parserCount = {};
for (const s of claimed) for (const p of s.parsers) parserCount[p] = (parserCount[p] ?? 0) + 1;
process.stderr.write(`fuzz: ${claimed.length} seeds, ${cases.length} cases (${structures.length} structure cases, ${args.scale}); seeds per parser ${JSON.stringify(parserCount)}\n`);
const r = await runCases(cases, {
  dist,
  timeoutMs: args.timeout,
  heapMb: args.heap,
  onProgress: (p) => process.stderr.write(`  ${p.completed}/${p.cases} cases, ${p.crashes.length} crashes, ${p.hangs.length} hangs, ${p.problems.length} contract breaks\n`),
});
const line = (o) => `${o.corpus} ${o.mutation} seed ${o.mutationSeed}`;
console.log(`| cases | completed | crashes | hangs (> ${args.timeout} ms, again at 3x) | stalls (passed on re-run) | contract breaks (throws, bad results) | peak worker RSS | wall |`);
console.log('|---|---|---|---|---|---|---|---|');
console.log(`| ${r.cases} | ${r.completed} | ${r.crashes.length} | ${r.hangs.length} | ${r.stalls.length} | ${r.problems.length} | ${(r.maxRss / 1048576).toFixed(0)} MB | ${(r.wallMs / 1000).toFixed(1)} s |`);
console.log(`\nseeds per parser: ${Object.entries(parserCount).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`\nstructure cases: ${structures.length} (${args.structures} per generator, scale ${args.scale}; worker RSS is the process's, after the case)`);
console.log('| generator | cases | slowest | largest input | worker RSS |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, g] of Object.entries(r.structures)) {
  console.log(`| ${name} | ${g.cases} | ${g.maxMs.toFixed(0)} ms | ${g.maxSize.toLocaleString('en-US')} B | ${(g.maxRss / 1048576).toFixed(0)} MB |`);
}
console.log('\nslowest cases:');
for (const s of r.slowest.slice(0, 5)) console.log(`- ${s.ms.toFixed(0)} ms, ${s.size} bytes: ${line(s)} (${s.parsers.join(', ') || 'fingerprint only'})`);
for (const [label, list] of [['crashes', r.crashes], ['hangs', r.hangs], ['stalls', r.stalls], ['contract breaks', r.problems], ['memory', r.memory]]) {
  if (!list.length) continue;
  console.log(`\n${label}:`);
  for (const c of list.slice(0, 40)) console.log(`- ${line(c)}: ${c.problem ?? c.stderr ?? c.signal ?? ''}`);
}
if (args.json) writeFileSync(args.json, JSON.stringify(r, null, 2));
process.exitCode = r.crashes.length || r.hangs.length || r.problems.length ? 1 : 0;
