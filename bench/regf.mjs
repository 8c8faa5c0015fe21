#!/usr/bin/env node
/**
 * regf parse cost: every corpus hive and a generated ~100 MB hive (fixtures/lib/regf-writer.mjs),
 * MB/s and peak RSS; `--fuzz N` also runs N mutated/truncated corpus hives (no crash, time per case).
 * Imports the built parser: run `npm run build` first (or set STAGEHUNT_DIST to another build dir).
 * Usage: node bench/regf.mjs [--size-mb 100] [--fuzz 2000]
 *        node bench/regf.mjs --write-hive FILE [--size-mb 256] [--shape tree|blobs]
 *   writes the generated hive to FILE and exits (for measuring the CLI on it: `stagehunt parse FILE`,
 *   a scan of a root holding it, under /usr/bin/time; docs/registry.md "Cost"). `tree` is the
 *   many-keys hive below; `blobs` is keys of one 16 KiB value each (a hive of 1 GiB with few records).
 */
import { readFileSync, readdirSync, statSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeHive } from '../fixtures/lib/regf-writer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.STAGEHUNT_DIST ?? path.join(here, '..', 'dist');
const { walkHive } = await import(pathToFileURL(path.join(dist, 'artifacts', 'regf', 'walk.js')).href);
const { runRegistryDetectors } = await import(pathToFileURL(path.join(dist, 'artifacts', 'registry', 'index.js')).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const corpus = path.resolve(here, '..', '..', 'shared', 'corpus', 'regf');

function drain(buf) {
  let keys = 0, values = 0, warnings = 0;
  const records = [];
  for (const item of walkHive(buf)) {
    if (item.type === 'registry-key') keys++;
    else if (item.type === 'registry-value') values++;
    else if (item.type === 'warning') warnings++;
    if (item.type !== 'warning') records.push(item);
  }
  return { keys, values, warnings, records };
}

function time(fn) {
  const t = process.hrtime.bigint();
  const r = fn();
  return { r, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

function hives(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return hives(p);
    return n.includes('.expected.') ? [] : [p];
  });
}

/** A synthetic hive of about `mb` MB: many keys with small values, some 64 KiB db values. */
function bigTree(mb) {
  const target = mb * 1024 * 1024;
  const per = 380; // bytes per leaf key as the writer lays them out (nk, 3 vk, data, list entries)
  const leaves = Math.floor(target / per);
  const groups = [];
  for (let g = 0; g * 1000 < leaves; g++) {
    const subkeys = [];
    for (let i = 0; i < 1000 && g * 1000 + i < leaves; i++) {
      const n = g * 1000 + i;
      const values = [
        { name: 'Path', type: 'REG_SZ', data: `C:\\Users\\Public\\item-${n}.dat` },
        { name: 'Count', type: 'REG_DWORD', data: n },
        { name: 'Blob', type: 'REG_BINARY', data: Buffer.alloc(64, n & 0xff) },
      ];
      if (n % 5000 === 0) values.push({ name: 'Big', type: 'REG_BINARY', data: Buffer.alloc(64 * 1024, 7) });
      subkeys.push({ name: `key-${n}`, values });
    }
    groups.push({ name: `group-${g}`, subkeys });
  }
  return { name: 'ROOT', subkeys: [{ name: 'Software', subkeys: groups }] };
}

/** About `mb` MB of keys holding one 16 KiB REG_BINARY each (one shared buffer: the writer copies it). */
function blobTree(mb) {
  const blob = Buffer.alloc(16 * 1024, 0x5a);
  const leaves = Math.floor((mb * 1024 * 1024) / (16 * 1024 + 200));
  const groups = [];
  for (let g = 0; g * 1000 < leaves; g++) {
    const subkeys = [];
    for (let i = 0; i < 1000 && g * 1000 + i < leaves; i++) subkeys.push({ name: `blob-${g * 1000 + i}`, values: [{ name: 'Data', type: 'REG_BINARY', data: blob }] });
    groups.push({ name: `group-${g}`, subkeys });
  }
  return { name: 'ROOT', subkeys: [{ name: 'Software', subkeys: groups }] };
}

const writeTo = args.indexOf('--write-hive') >= 0 ? args[args.indexOf('--write-hive') + 1] : null;
if (writeTo) {
  const shape = args.indexOf('--shape') >= 0 ? args[args.indexOf('--shape') + 1] : 'tree';
  const mb = opt('--size-mb', 256);
  const hive = writeHive(shape === 'blobs' ? blobTree(mb) : bigTree(mb));
  writeFileSync(writeTo, hive);
  console.log(`wrote ${writeTo}: ${hive.length} bytes (${shape}, ${mb} MB target)`);
  process.exit(0);
}

console.log('# regf parse cost');
console.log('| hive | size (KiB) | keys | values | warnings | parse ms | MB/s | detect ms |');
console.log('|---|---|---|---|---|---|---|---|');
for (const file of hives(corpus)) {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'regf') continue;
  const { r, ms } = time(() => drain(buf));
  const d = time(() => runRegistryDetectors(r.records, { hivePath: file }));
  console.log(`| ${path.relative(corpus, file)} | ${(buf.length / 1024).toFixed(0)} | ${r.keys} | ${r.values} | ${r.warnings} | ${ms.toFixed(1)} | ${(buf.length / 1048576 / (ms / 1000)).toFixed(1)} | ${d.ms.toFixed(1)} |`);
}

const sizeMb = opt('--size-mb', 100);
const gen = time(() => writeHive(bigTree(sizeMb)));
const big = gen.r;
const before = process.resourceUsage().maxRSS;
const parsed = time(() => drain(big));
const det = time(() => runRegistryDetectors(parsed.r.records, { hivePath: 'generated' }));
console.log(`| generated (${sizeMb} MB target) | ${(big.length / 1024).toFixed(0)} | ${parsed.r.keys} | ${parsed.r.values} | ${parsed.r.warnings} | ${parsed.ms.toFixed(0)} | ${(big.length / 1048576 / (parsed.ms / 1000)).toFixed(1)} | ${det.ms.toFixed(0)} |`);
console.log(`\nwriter: ${gen.ms.toFixed(0)} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (before parse ${(before / 1024).toFixed(0)} MiB)`);

const fuzz = opt('--fuzz', 0);
if (fuzz > 0) {
  let seed = 74001 >>> 0;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bases = hives(corpus).map((f) => readFileSync(f)).filter((b) => b.toString('latin1', 0, 4) === 'regf' && b.length <= 1 << 20);
  let worst = 0, crashes = 0, warned = 0;
  const started = Date.now();
  for (let i = 0; i < fuzz; i++) {
    const base = bases[i % bases.length];
    const m = Buffer.from(base);
    const flips = 1 + Math.floor(rnd() * 64);
    for (let j = 0; j < flips; j++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    const input = rnd() < 0.2 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
    const t = Date.now();
    try {
      if (drain(input).warnings > 0) warned++;
    } catch (err) {
      crashes++;
      console.error(`fuzz case ${i}: ${err.stack}`);
    }
    worst = Math.max(worst, Date.now() - t);
  }
  console.log(`\nfuzz: ${fuzz} cases from ${bases.length} corpus hives in ${Date.now() - started} ms; crashes ${crashes}; cases with warnings ${warned}; slowest case ${worst} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (crashes > 0) process.exitCode = 1;
}
