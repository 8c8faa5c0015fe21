// Child process of the fuzzer: runs cases it is sent (fingerprint + every parser that claims the
// seed, then its detector) and reports each start and end, so the parent can time out a hang
// and attribute a crash. Started with --max-old-space-size to cap the heap.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mutate } from './mutate.mjs';

const dist = process.argv[2];
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { ARTIFACT_PARSERS } = await load('artifacts/index.js');
const { fingerprint } = await load('fingerprint/index.js');
const { bufferSource } = await load('util/byte-source.js');

const HEAD = 4100;
const seeds = new Map();
const byId = new Map(ARTIFACT_PARSERS.map((p) => [p.id, p]));

function seedBytes(file) {
  if (!seeds.has(file)) seeds.set(file, readFileSync(file));
  return seeds.get(file);
}

const TIMES = { modified: null, accessed: null, changed: null, born: null };

function contextFor(c, data, format) {
  return { relPath: c.relPath, name: path.basename(c.relPath), head: data.subarray(0, HEAD), size: data.length, format, siblings: c.siblings ?? [] };
}

function checkResult(id, r) {
  if (r === null) return null;
  if (!r || !Array.isArray(r.records) || !Array.isArray(r.warnings) || typeof r.corrupted !== 'boolean') return `${id}: malformed result`;
  return null;
}

/** Parsers claiming the unmutated seed: those are the ones this seed exercises. */
async function claimants(c) {
  const data = seedBytes(c.seed);
  const fp = await fingerprint(bufferSource(data, c.relPath), data.subarray(0, HEAD), path.basename(c.relPath));
  const ctx = contextFor(c, data, fp.format);
  return ARTIFACT_PARSERS.filter((p) => {
    try {
      return p.matches(ctx);
    } catch {
      return false;
    }
  }).map((p) => p.id);
}

async function runCase(c) {
  const data = c.mutation ? mutate(seedBytes(c.seed), c.mutation, c.mutationSeed) : seedBytes(c.seed);
  const src = bufferSource(data, c.relPath);
  const problems = [];
  let fp;
  try {
    fp = await fingerprint(src, data.subarray(0, HEAD), path.basename(c.relPath), { deep: true });
  } catch (err) {
    problems.push(`fingerprint threw: ${err?.message ?? err}`);
  }
  const ctx = contextFor(c, data, fp?.format ?? null);
  for (const id of c.parsers) {
    const parser = byId.get(id);
    try {
      parser.matches(ctx);
      const r = await parser.parse(src, ctx);
      const bad = checkResult(id, r);
      if (bad) problems.push(bad);
      if (r && parser.detect) parser.detect(r, { ...ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times: TIMES, listDirectory: () => null });
      // Records must serialise (stagehunt parse prints them as JSON lines).
      if (r) JSON.stringify(r.records, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (err) {
      problems.push(`${id} threw: ${String(err?.stack ?? err).split('\n').slice(0, 3).join(' | ')}`);
    }
  }
  return { problems, size: data.length };
}

process.on('message', async (msg) => {
  if (msg.type === 'claimants') {
    process.send({ type: 'claimants', id: msg.id, parsers: await claimants(msg.case) });
    return;
  }
  if (msg.type === 'run') {
    for (const c of msg.cases) {
      process.send({ type: 'start', index: c.index });
      const t0 = performance.now();
      const r = await runCase(c);
      process.send({ type: 'done', index: c.index, ms: performance.now() - t0, rss: process.memoryUsage().rss, ...r });
    }
    process.send({ type: 'batch-done' });
  }
});
process.send({ type: 'ready' });
