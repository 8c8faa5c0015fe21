#!/usr/bin/env node
// Benchmark of `scan --carve` (docs/images.md "Carving", docs/performance.md "Carving free clusters"):
// an NTFS volume whose free clusters are full of incompressible data (as on a used disk, not the
// zeros of a fresh one), with staged archives planted at cluster starts, scanned as a raw image
// and as an E01, with and without --carve, beside the floors (cat of the raw image; ewfexport of
// the E01 to stdout, which inflates every chunk) and The Sleuth Kit's carving helpers over the
// same raw image (sigfind: one 4-byte signature at block starts; blkls: the free blocks copied
// out). Needs mkntfs, 7zz, ewfacquire, ewfexport, sigfind, blkls; no root, no mount. Nothing is
// written inside the repo.
//
//   npm run build && node bench/carve.mjs [--size-mb 2048] [--archives 64] [--runs 3] [--dir /dev/shm/stagehunt-bench-carve]
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin', 'stagehunt.js');
const args = { sizeMb: 2048, archives: 64, runs: 3, dir: '/dev/shm/stagehunt-bench-carve' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--size-mb') args.sizeMb = Number(process.argv[++i]);
  else if (a === '--archives') args.archives = Number(process.argv[++i]);
  else if (a === '--runs') args.runs = Number(process.argv[++i]);
  else if (a === '--dir') args.dir = path.resolve(process.argv[++i]);
  else throw new Error(`unknown argument ${a}`);
}

const sh = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...opts });

/** Median wall seconds, and the peak RSS (MB) of the median run, of a command (stdout discarded). */
function timed(cmd, argv) {
  const runs = [];
  for (let i = 0; i < args.runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', `exec "$0" "$@" > /dev/null`, cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0 && !(cmd === 'sigfind' && r.status === 1)) throw new Error(`${cmd} exited ${r.status}: ${r.stderr.slice(-500)}`);
    runs.push({ seconds, rssMb: Math.round(Number(r.stderr.trim().split('\n').pop()) / 1024) });
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor(runs.length / 2)];
}

function prepare() {
  mkdirSync(args.dir, { recursive: true });
  const raw = path.join(args.dir, `carve-${args.sizeMb}m-${args.archives}.raw`);
  const e01 = path.join(args.dir, `carve-${args.sizeMb}m-${args.archives}`);
  if (existsSync(raw) && existsSync(`${e01}.E01`)) return { raw, e01: `${e01}.E01` };
  rmSync(raw, { force: true });
  rmSync(`${e01}.E01`, { force: true });
  writeFileSync(raw, Buffer.alloc(0));
  sh('truncate', ['-s', `${args.sizeMb}M`, raw]);
  sh('mkntfs', ['-F', '-Q', '-s', '512', '-c', '4096', '-L', 'CARVEBENCH', '-q', raw]);
  // One staged archive (documents, headers encrypted) to plant.
  const work = path.join(args.dir, 'src');
  mkdirSync(work, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(path.join(work, `report-${i}.docx`), Buffer.from(`quarterly figures ${i}\n`.repeat(20_000)));
  rmSync(path.join(work, 'stage.7z'), { force: true });
  sh('7zz', ['a', '-bso0', '-bsp0', '-mhe=on', '-pS3cret!', path.join(work, 'stage.7z'), ...Array.from({ length: 8 }, (_, i) => `report-${i}.docx`)], { cwd: work });
  const archive = readFileSync(path.join(work, 'stage.7z'));
  // Free clusters ($Bitmap clear) filled with AES-CTR output (deterministic, incompressible); archives planted evenly.
  const fd = openSync(raw, 'r+');
  const boot = Buffer.alloc(512);
  readSync(fd, boot, 0, 512, 0);
  const cs = boot.readUInt16LE(0x0b) * boot[0x0d];
  const total = Math.floor((Number(boot.readBigUInt64LE(0x28)) * boot.readUInt16LE(0x0b)) / cs);
  const bitmap = bitmapBytes(fd, boot, cs, total);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const every = Math.floor(total / (args.archives + 1));
  const STEP = 256; // clusters per write
  for (let c0 = 0; c0 < total; c0 += STEP) {
    const n = Math.min(STEP, total - c0);
    const data = cipher.update(Buffer.alloc(n * cs));
    for (let c = c0; c < c0 + n; c++) {
      const free = ((bitmap[c >> 3] >> (c & 7)) & 1) === 0;
      if (!free) continue;
      const slice = data.subarray((c - c0) * cs, (c - c0 + 1) * cs);
      if (c > 0 && c % every === 0 && c / every <= args.archives) archive.copy(slice, 0, 0, Math.min(cs, archive.length));
      writeSync(fd, slice, 0, cs, c * cs);
    }
  }
  // The planted archives whole (they span more than one cluster): written after the fill.
  for (let k = 1; k <= args.archives; k++) {
    const c = k * every;
    let freeRun = true;
    for (let j = 0; j < Math.ceil(archive.length / cs); j++) if (((bitmap[(c + j) >> 3] >> ((c + j) & 7)) & 1) !== 0) freeRun = false;
    if (freeRun) writeSync(fd, archive, 0, archive.length, c * cs);
  }
  closeSync(fd);
  sh('ewfacquire', ['-u', '-q', '-t', e01, '-f', 'encase6', '-c', 'deflate:fast', '-S', '4G', raw]);
  return { raw, e01: `${e01}.E01` };
}

/** $Bitmap's bytes, through its record's first data run (mkntfs writes it in one run). */
function bitmapBytes(fd, boot, cs, total) {
  const mftAt = Number(boot.readBigUInt64LE(0x30)) * cs;
  const raw = boot.readInt8(0x40);
  const recordSize = raw < 0 ? 2 ** -raw : raw * cs;
  const rec = Buffer.alloc(recordSize);
  readSync(fd, rec, 0, recordSize, mftAt + 6 * recordSize);
  let at = rec.readUInt16LE(0x14);
  while (rec.readUInt32LE(at) !== 0x80) at += rec.readUInt32LE(at + 4);
  let p = at + rec.readUInt16LE(at + 0x20);
  const header = rec[p++];
  const lenBytes = header & 0xf;
  const offBytes = header >> 4;
  let length = 0;
  for (let i = 0; i < lenBytes; i++) length += rec[p + i] * 2 ** (8 * i);
  let lcn = 0;
  for (let i = 0; i < offBytes; i++) lcn += rec[p + lenBytes + i] * 2 ** (8 * i);
  const out = Buffer.alloc(Math.ceil(total / 8));
  readSync(fd, out, 0, Math.min(out.length, length * cs), lcn * cs);
  return out;
}

const { raw, e01 } = prepare();
const scan = (image, carve) => timed(process.execPath, [BIN, 'scan', image, '--format', 'json', '--quiet', '--hash', 'none', ...(carve ? ['--carve'] : [])]);
const report = JSON.parse(sh(process.execPath, [BIN, 'scan', raw, '--format', 'json', '--quiet', '--hash', 'none', '--carve']).toString());
const carved = report.findings.filter((f) => f.kind === 'carved').length;
const rows = {
  'cat raw (read floor)': timed('cat', [raw]),
  'ewfexport E01 to stdout (inflate floor)': timed('ewfexport', ['-u', '-q', '-t', '-', '-f', 'raw', e01]),
  'sigfind 377ABCAF raw (TSK, one signature)': timed('sigfind', ['-b', '4096', '377ABCAF', raw]),
  'blkls raw (TSK, free blocks out)': timed('blkls', [raw]),
  'stagehunt scan raw': scan(raw, false),
  'stagehunt scan raw --carve': scan(raw, true),
  'stagehunt scan E01': scan(e01, false),
  'stagehunt scan E01 --carve': scan(e01, true),
};
console.log(`volume ${args.sizeMb} MiB, ${args.archives} archives planted, ${carved} carved findings; median of ${args.runs} (wall s, peak RSS MB)`);
for (const [label, r] of Object.entries(rows)) console.log(`${label.padEnd(46)} ${r.seconds.toFixed(2).padStart(7)} s ${String(r.rssMb).padStart(6)} MB`);
