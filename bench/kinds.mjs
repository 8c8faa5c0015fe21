#!/usr/bin/env node
// JavaScript cost of inspecting one file, by kind (file name extension), with no system calls:
// the files of a tree are read into memory first (at most --per-kind of each extension, files
// over 8 MiB left out), then each kind is inspected as a scan inspects a walked file
// (inspectFileMaybeSync over a buffer source, awaiting the files that need asynchronous work),
// round after round; the best round after the first (warm code) is printed. Next to it, the same
// heads through bench/lib/head-floor.mjs's least pass are the floor of that part of the work.
// Run after `npm run build`:
//   node bench/kinds.mjs TREE [--per-kind 3000] [--rounds 4]
// What it leaves out (the scan pays it, this does not): open/fstat/read/close, the walk, keeping
// candidates, directory rules, scoring, the report; and a file's siblings (parsers that pair files,
// a Recycle Bin's $I with its $R, see none); docs/performance.md "Cost per file kind".
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspectFileMaybeSync, statTimes } from '../dist/pipeline/inspect.js';
import { bufferSource } from '../dist/util/byte-source.js';
import { LIMITS } from '../dist/util/limits.js';
import { filesUnder } from './lib/files-under.mjs';

const args = process.argv.slice(2);
const tree = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PER_KIND = option('--per-kind', 3000);
const ROUNDS = option('--rounds', 4);
const MAX_FILE = 8 * 1024 * 1024;
if (!tree || !(PER_KIND > 0) || !(ROUNDS >= 2)) {
  process.stderr.write('usage: node bench/kinds.mjs TREE [--per-kind N] [--rounds N>=2]\n');
  process.exit(2);
}

const byKind = new Map();
/** Files of each kind in the whole tree (the inspected ones are at most PER_KIND of them). */
const inTree = new Map();
for (const { path: p, name } of filesUnder(tree)) {
  const kind = path.extname(name).slice(1).toLowerCase() || '(none)';
  inTree.set(kind, (inTree.get(kind) ?? 0) + 1);
  const files = byKind.get(kind) ?? [];
  if (files.length >= PER_KIND) continue;
  let st, data;
  try {
    st = statSync(p);
    if (st.size > MAX_FILE) continue;
    data = readFileSync(p);
  } catch {
    continue; // unreadable here: not part of the measurement
  }
  files.push({ relPath: path.relative(tree, p).split(path.sep).join('/'), name, data, st });
  byKind.set(kind, files);
}

async function inspectAll(files) {
  let promised = 0;
  const start = process.hrtime.bigint();
  for (const f of files) {
    const got = inspectFileMaybeSync({
      src: bufferSource(f.data, f.name),
      head: f.data.subarray(0, LIMITS.headBytes),
      relPath: f.relPath,
      name: f.name,
      size: f.data.length,
      times: statTimes(f.st),
      hotspot: null,
      os: 'windows',
      siblings: [],
      listDirectory: () => null,
    });
    if (got instanceof Promise) {
      promised++;
      await got;
    }
  }
  return { us: Number(process.hrtime.bigint() - start) / 1e3 / files.length, promised };
}

const best = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const [kind, files] of byKind) {
    const r = await inspectAll(files);
    if (round > 0 && (!best.has(kind) || r.us < best.get(kind).us)) best.set(kind, r);
  }
}

const rows = [...byKind].map(([kind, files]) => ({ kind, files: files.length, tree: inTree.get(kind), ...best.get(kind) })).sort((a, b) => b.us * b.tree - a.us * a.tree);
console.log('| kind | in the tree | inspected | µs per file (JS, warm) | needed a promise | s for the tree\'s files |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.kind} | ${r.tree} | ${r.files} | ${r.us.toFixed(1)} | ${r.promised} | ${((r.us * r.tree) / 1e6).toFixed(2)} |`);
const total = rows.reduce((s, r) => s + r.us * r.tree, 0);
const files = rows.reduce((s, r) => s + r.tree, 0);
console.log(`\n${files} files in the tree: ${(total / 1e6).toFixed(2)} s of inspection in all at these rates, ${(total / files).toFixed(1)} µs per file on average`);
const left = [...inTree].filter(([kind]) => !byKind.has(kind));
if (left.length) console.log(`left out (no readable file of 8 MiB or less): ${left.map(([kind, n]) => `${kind} (${n})`).join(', ')}`);
