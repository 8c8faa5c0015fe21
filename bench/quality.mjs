#!/usr/bin/env node
// Detection quality: scans the labelled benign background and staged cases
// (fixtures/background/generate.mjs) and the demo image, and prints by kind the share of benign
// items at medium or above and at high or above, and the staged items reaching high.
//   npm run quality                 (builds first)
//   node bench/quality.mjs [--json] [--out DIR]
// The numbers in docs/detection-quality.md come from this script; test/quality checks the thresholds.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBackground, KINDS, STAGED_SOURCES } from '../fixtures/background/generate.mjs';
import { generate as generateDemo, DEMO_LABELS } from '../fixtures/demo/generate.mjs';
import { measure, renderMarkdown } from './quality-lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(HERE, '..', 'fixtures', 'background', 'out');

const { scan } = await import('../dist/pipeline/scan.js');

const started = Date.now();
const { roots, items } = generateBackground(out);
const demo = generateDemo().path;
const scanOne = async (root) => scan({ roots: [root], os: 'auto', scope: 'hotspots', minLevel: 'info', now: () => new Date(0) });
const scans = [
  { root: 'win', report: await scanOne(roots.win) },
  { root: 'linux', report: await scanOne(roots.linux) },
  { root: 'demo', report: await scanOne(demo) },
];
const background = measure(scans.filter((s) => s.root !== 'demo'), items);
const demoM = measure(scans.filter((s) => s.root === 'demo'), DEMO_LABELS);
const all = measure(scans, [...items, ...DEMO_LABELS]);
const episodes = Object.fromEntries(scans.map((s) => [s.root, (s.report.episodes ?? []).slice(0, 3).map((e) => ({ level: e.level, score: e.score, confidence: e.confidence, kinds: e.evidenceKinds, findings: e.findingIds.length, locations: e.locations.slice(0, 4) }))]));

if (args.includes('--json')) {
  process.stdout.write(JSON.stringify({ background: strip(background), demo: strip(demoM), all: strip(all), episodes }, null, 1) + '\n');
} else {
  process.stdout.write(renderMarkdown(background, 'Lived-in background and staged cases (fixtures/background)'));
  process.stdout.write('\n' + renderMarkdown(demoM, 'Demo image (fixtures/demo)'));
  process.stdout.write('\nTop episodes per root:\n\n');
  for (const [root, list] of Object.entries(episodes)) for (const [i, e] of list.entries()) process.stdout.write(`- ${root} #${i + 1}: ${e.level} ${e.score} (${e.confidence}, ${e.kinds.join('/')}, ${e.findings} findings) ${e.locations.join(', ')}\n`);
  if (args.includes('--kinds')) {
    process.stdout.write('\n| kind | OS | where | source |\n| --- | --- | --- | --- |\n');
    for (const [k, v] of Object.entries(KINDS)) process.stdout.write(`| ${k} | ${v.os} | ${v.where.replace(/\|/g, '\\|')} | ${v.source} |\n`);
    process.stdout.write('\n| staged case | drawn from |\n| --- | --- |\n');
    for (const [k, v] of Object.entries(STAGED_SOURCES)) process.stdout.write(`| ${k} | ${v} |\n`);
  }
  process.stdout.write(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

function strip(m) {
  return { ...m, judged: m.judged.map(({ top, ...j }) => ({ ...j, reasons: top ? top.reasons.map((r) => `${r.rule}:${r.score}`) : [] })), falsePositives: m.falsePositives.map((j) => j.paths[0]), misses: m.misses.map((j) => j.paths[0]) };
}
