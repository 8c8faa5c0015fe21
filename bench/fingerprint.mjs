#!/usr/bin/env node
// Micro-benchmark of the fingerprint stage: files/s over 20,000 in-memory files of mixed types.
// Run after `npm run build`:  node bench/fingerprint.mjs [count]
// Measures fingerprint() (fast mode, as a scan uses it) and, for scale, file-type alone and a
// bare entropy pass over the same heads. No disk I/O: this is the CPU cost per file.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { fingerprint } from '../dist/fingerprint/index.js';
import { histogramOf, shannonEntropy } from '../dist/fingerprint/entropy.js';
import { bufferSource } from '../dist/util/byte-source.js';

const COUNT = Number(process.argv[2] ?? 20_000);
const HEAD = 4100;

function textFile(i) {
  let s = '';
  while (s.length < 6000) s += `2024-05-0${i % 9} 12:00:${i % 60} INFO worker ${i} processed item ${s.length}\n`;
  return Buffer.from(s);
}
function zipFile() {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(8, 8);
  h.writeUInt16LE(9, 26);
  return Buffer.concat([h, Buffer.from('data.xlsx'), randomBytes(20_000)]);
}
function peFile() {
  const b = Buffer.alloc(8192);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x20b, 0x98);
  return b;
}
function hiveFile() {
  const b = Buffer.alloc(8192);
  b.write('regf', 0, 'latin1');
  b.writeUInt32LE(1, 0x14);
  b.writeUInt32LE(5, 0x18);
  return b;
}

const MAKERS = [
  ['log', (i) => [textFile(i), `app${i}.log`]],
  ['json', (i) => [Buffer.from(JSON.stringify({ id: i, items: Array.from({ length: 200 }, (_, k) => ({ k, v: `value-${k}` })) })), `c${i}.json`]],
  ['png', () => [Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d494844520000001000000010080600000000000000', 'hex'), Buffer.from('00007530', 'hex'), Buffer.from('IDAT'), randomBytes(30_000)]), 'img.png']],
  ['jpg', () => [Buffer.concat([Buffer.from('ffd8ffe000104a464946000101', 'hex'), randomBytes(30_000)]), 'p.jpg']],
  ['pdf', () => [Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(10_000)]), 'd.pdf']],
  ['zip', () => [zipFile(), 'a.zip']],
  ['gz', (i) => [gzipSync(textFile(i)), 'a.gz']],
  ['exe', () => [peFile(), 'a.exe']],
  ['regf', () => [hiveFile(), 'SYSTEM']],
  ['random', () => [randomBytes(200_000), 'blob.bin']], // escalates: reads middle + tail
];

const files = [];
for (let i = 0; i < COUNT; i++) {
  const [kind, make] = MAKERS[i % MAKERS.length];
  const [buf, name] = make(i);
  files.push({ kind, name, src: bufferSource(buf), head: buf.subarray(0, HEAD) });
}

async function time(label, fn) {
  await fn(); // warm-up pass
  const t0 = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  ${Math.round((COUNT / ms) * 1000).toLocaleString('en-US').padStart(9)} files/s  ${(ms * 1000 / COUNT).toFixed(1)} us/file`);
  return ms;
}

console.log(`fingerprint micro-benchmark: ${COUNT} in-memory files, ${MAKERS.length} kinds, Node ${process.version}`);
await time('entropy of the head only', async () => { for (const f of files) shannonEntropy(histogramOf(f.head)); });
await time('file-type fromBuffer(head)', async () => { for (const f of files) await fileTypeFromBuffer(f.head); });
await time('fingerprint() fast mode', async () => { for (const f of files) await fingerprint(f.src, f.head, f.name); });
await time('fingerprint() deep mode', async () => { for (const f of files) await fingerprint(f.src, f.head, f.name, { deep: true }); });

const byKind = {};
for (const f of files) {
  const r = await fingerprint(f.src, f.head, f.name);
  byKind[f.kind] = `${r.format ?? 'null'}/${r.classification}`;
}
console.log('classification per kind:', byKind);
