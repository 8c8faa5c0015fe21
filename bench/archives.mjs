// Archive inspection cost: per archive and per entry, for synthetic ZIPs of growing size, a tar,
// and every corpus archive. Run after `npm run build` (imports ../dist). Plain JS.
// STAGEHUNT_DIST overrides the dist folder (for running against another build output).
import { openSync, closeSync, writeFileSync, mkdtempSync, rmSync, fstatSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildZip } from '../fixtures/lib/zip-writer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.STAGEHUNT_DIST ?? path.join(here, '..', 'dist');
const { parsers } = await import(pathToFileURL(path.join(dist, 'artifacts', 'archives', 'index.js')).href);
const { fdSource } = await import(pathToFileURL(path.join(dist, 'evidence', 'reader.js')).href);

async function inspect(file) {
  const fd = openSync(file, 'r');
  try {
    const src = fdSource(fd, fstatSync(fd).size, file);
    const ctx = { relPath: path.basename(file), name: path.basename(file), head: src.read(0, 4100), size: src.size, format: null };
    for (const p of parsers) {
      if (!p.matches(ctx)) continue;
      const r = await p.parse(src, ctx);
      if (r) return r;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

async function time(file, runs) {
  const samples = [];
  let entries = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await inspect(file);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    entries = r?.records.length ?? 0;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)], entries };
}

const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-bench-'));
const rows = [];
try {
  for (const n of [10, 1000, 10000, 100000]) {
    const file = path.join(dir, `n${n}.zip`);
    const entries = Array.from({ length: n }, (_, i) => ({ name: `Users/alice/Documents/file-${i}.txt`, data: '', method: 0 }));
    writeFileSync(file, buildZip({ entries, zip64End: n > 65535 }));
    const { ms, entries: listed } = await time(file, n >= 100000 ? 3 : 7);
    rows.push({ case: `zip, ${n} entries (yauzl)`, ms, entries: listed });
  }
  const strong = path.join(dir, 'strong.zip');
  writeFileSync(strong, buildZip({ entries: Array.from({ length: 10000 }, (_, i) => ({ name: `f${i}`, data: 'x', encrypt: 'strong', method: 0 })) }));
  const s = await time(strong, 7);
  rows.push({ case: 'zip, 10000 entries (own central walk)', ms: s.ms, entries: s.entries });

  const corpus = path.join(here, '..', '..', 'shared', 'corpus', 'archives');
  const files = [];
  try {
    for (const d of readdirSync(corpus)) {
      const sub = path.join(corpus, d);
      if (!statSync(sub).isDirectory()) continue;
      for (const f of readdirSync(sub)) if (!f.includes('.expected.')) files.push(path.join(sub, f));
    }
  } catch {
    /* corpus absent */
  }
  if (files.length) {
    let total = 0;
    let entries = 0;
    for (const f of files) {
      const r = await time(f, 5);
      total += r.ms;
      entries += r.entries;
    }
    rows.push({ case: `corpus, ${files.length} archives`, ms: total, entries });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log('| case | median ms per archive | entries | µs per entry |');
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.case} | ${r.ms.toFixed(2)} | ${r.entries} | ${r.entries ? ((r.ms * 1000) / r.entries).toFixed(1) : '-'} |`);
