#!/usr/bin/env node
// Micro-benchmark of the parser pre-filter (issue 17, src/artifacts/claims.ts): per file, the
// matches() calls and CPU of asking every registered parser (the loop before the index) against
// asking only the parsers the index offers. Run after `npm run build`:
//   node bench/claims.mjs TREE [rounds]     (a tree from bench/generate-tree.mjs, or any directory)
// The contexts (head, fingerprint format) are built once, outside the timed loops.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACT_PARSERS, claimingParsers } from '../dist/artifacts/index.js';
import { fingerprint } from '../dist/fingerprint/index.js';
import { fdSource } from '../dist/evidence/reader.js';
import { LIMITS } from '../dist/util/limits.js';
import { filesUnder } from './lib/files-under.mjs';

const tree = process.argv[2];
const ROUNDS = Number(process.argv[3] ?? 5);
if (!tree) throw new Error('usage: node bench/claims.mjs TREE [rounds]');

const contexts = [];
for (const { path: file } of filesUnder(tree)) {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, LIMITS.headBytes));
    readSync(fd, head, 0, head.length, 0);
    const name = path.basename(file);
    const fp = await fingerprint(fdSource(fd, size, file), head, name);
    contexts.push({ relPath: path.relative(tree, file).split(path.sep).join('/'), name, head, size, format: fp.format });
  } finally {
    closeSync(fd);
  }
}

function safe(p, ctx) {
  try {
    return p.matches(ctx);
  } catch {
    return false;
  }
}

const ways = {
  'every parser': () => ARTIFACT_PARSERS,
  'pre-filter': (ctx) => claimingParsers(ctx),
};

function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const results = {};
for (const [way, offered] of Object.entries(ways)) {
  const times = [];
  let calls = 0;
  let matched = 0;
  for (let r = 0; r < ROUNDS; r++) {
    calls = 0;
    matched = 0;
    const t0 = cpuMs();
    for (const ctx of contexts) {
      for (const p of offered(ctx)) {
        calls++;
        if (safe(p, ctx)) matched++;
      }
    }
    times.push(cpuMs() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  results[way] = { callsPerFile: +(calls / contexts.length).toFixed(2), matched, cpuMsTotal: +median.toFixed(1), cpuUsPerFile: +((median * 1000) / contexts.length).toFixed(2) };
}
console.log(JSON.stringify({ tree, files: contexts.length, rounds: ROUNDS, parsers: ARTIFACT_PARSERS.length, results }, null, 2));
