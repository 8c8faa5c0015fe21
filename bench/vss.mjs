// What a shadow copy costs a scan (docs/performance.md "Shadow copies"). Takes the 2 GiB NTFS
// volume of 100,000 files that `node bench/images.mjs --prepare-only` leaves in --dir (volume.ntfs),
// makes a copy of it whose live state differs from the shadow copy in a share of the files' MFT
// records (their $LogFile sequence number bumped, as any metadata write does), lays one shadow copy
// store over it (bench/lib/vss-layout.mjs: the old 16 KiB blocks saved in free space at the end of
// the volume), and times `scan --scope all --hash none` of it with and without --no-shadow-copies,
// interleaved, median of --runs. The store lies in the volume's largest free run of MiB.
//
//   node bench/vss.mjs --dir /dev/shm/e01-bench/100k [--changed 0.01,0.1] [--runs 3] [--keep]
// --keep leaves the volumes it made (volume-vss-SHARE.ntfs) for profiling.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VSS_BLOCK, vssMetadataBytes, writeVssWith } from './lib/vss-layout.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const dir = opt('dir', '/dev/shm/e01-bench/100k');
const shares = opt('changed', '0.01,0.1').split(',').map(Number);
const runs = Number(opt('runs', '3'));
const source = path.join(dir, 'volume.ntfs');
const cli = path.join(REPO, 'bin', 'stagehunt.js');

function readAt(fd, at, n) {
  const b = Buffer.alloc(n);
  readSync(fd, b, 0, n, at);
  return b;
}

/** Builds `target` from `source` with `share` of the in-use file records changed since a shadow copy of it. */
function build(target, share) {
  rmSync(target, { force: true });
  execFileSync('cp', ['--sparse=always', source, target]);
  const fd = openSync(target, 'r+');
  try {
    const boot = readAt(fd, 0, 512);
    const size = fstatSync(fd).size;
    const cluster = boot.readUInt16LE(11) * boot[13];
    const mftAt = Number(boot.readBigUInt64LE(0x30)) * cluster;
    const recordSize = 1024;
    // The in-use file records of the $MFT's first run (a fresh volume's $MFT is one run).
    const records = [];
    for (let at = mftAt; ; at += recordSize) {
      const r = readAt(fd, at, 48);
      if (r.toString('latin1', 0, 4) !== 'FILE') break;
      if ((r.readUInt16LE(0x16) & 3) === 1 && at >= mftAt + 64 * recordSize) records.push(at);
    }
    const step = Math.max(1, Math.round(1 / share));
    const changedRecords = records.filter((_, i) => i % step === 0);
    const blocks = new Map(); // block number -> its bytes before the change
    for (const at of changedRecords) {
      const b = Math.floor(at / VSS_BLOCK);
      if (!blocks.has(b)) blocks.set(b, readAt(fd, b * VSS_BLOCK, VSS_BLOCK));
      const lsn = readAt(fd, at + 8, 8);
      lsn.writeBigUInt64LE(lsn.readBigUInt64LE(0) + 1n);
      writeSync(fd, lsn, 0, 8, at + 8);
    }
    // The store in the volume's largest run of free (zero) MiB.
    let storeAt = 0;
    let room = 0;
    for (let at = 0, runStart = -1; at <= size; at += 1 << 20) {
      const free = at < size && readAt(fd, at, 1 << 20).every((x) => x === 0);
      if (free && runStart < 0) runStart = at;
      if (!free && runStart >= 0) {
        if (at - runStart > room) [storeAt, room] = [runStart, at - runStart];
        runStart = -1;
      }
    }
    blocks.set(0, readAt(fd, 0, VSS_BLOCK)); // the VSS header goes into block 0
    const spec = { storeId: '9b2f6c41-0d7e-11ef-8a10-525400abcdef', created: '2024-05-01T02:00:00Z', descriptors: [], unusedBlocks: [] };
    const fake = { ...spec, descriptors: [...blocks.keys()].map(() => ({ original: 0, relative: 0, store: 0 })) };
    let dataAt = storeAt + vssMetadataBytes([fake], size);
    const storeStart = storeAt + VSS_BLOCK;
    for (const [b, old] of [...blocks.entries()].sort((x, y) => x[0] - y[0])) {
      spec.descriptors.push({ original: b * VSS_BLOCK, relative: dataAt - storeStart, store: dataAt });
      writeSync(fd, old, 0, VSS_BLOCK, dataAt);
      dataAt += VSS_BLOCK;
    }
    if (dataAt > storeAt + room) throw new Error('store does not fit');
    for (let b = storeAt / VSS_BLOCK; b < (storeAt + room) / VSS_BLOCK; b++) spec.unusedBlocks.push(b);
    writeVssWith((at, bytes) => writeSync(fd, bytes, 0, bytes.length, at), size, storeAt, [spec]);
    return { records: records.length, changed: changedRecords.length, savedBlocks: blocks.size };
  } finally {
    closeSync(fd);
  }
}

function timed(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'node', cli, 'scan', ...args, '--scope', 'all', '--hash', 'none', '-f', 'json', '-q'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`scan exit ${r.status}: ${r.stderr.slice(0, 400)}`);
  const [rssKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  const report = JSON.parse(r.stdout);
  return { seconds, cpu: user + sys, rssMb: Math.round(rssKb / 1024), roots: report.meta.roots.map((x) => ({ label: x.label, files: x.filesScanned, asLive: x.shadowCopy?.findingsAsLive })), findings: report.findings.length };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = [];
for (const share of shares) {
  const target = path.join(dir, `volume-vss-${share}.ntfs`);
  const made = build(target, share);
  console.log(`copy with ${made.changed} of ${made.records} file records changed since (${(share * 100).toFixed(0)} %), ${made.savedBlocks} blocks saved`);
  const without = [];
  const withCopies = [];
  let last = null;
  for (let i = 0; i < runs; i++) {
    without.push(timed([target, '--no-shadow-copies']));
    last = timed([target]);
    withCopies.push(last);
  }
  const row = {
    share,
    ...made,
    withoutSeconds: +median(without.map((x) => x.seconds)).toFixed(2),
    withSeconds: +median(withCopies.map((x) => x.seconds)).toFixed(2),
    withoutCpu: +median(without.map((x) => x.cpu)).toFixed(2),
    withCpu: +median(withCopies.map((x) => x.cpu)).toFixed(2),
    withoutRssMb: median(without.map((x) => x.rssMb)),
    withRssMb: median(withCopies.map((x) => x.rssMb)),
    findingsWithout: without[0].findings,
    findingsWith: last.findings,
    roots: last.roots,
  };
  console.log(JSON.stringify(row));
  results.push(row);
  if (!argv.includes('--keep')) rmSync(target, { force: true });
}
console.log(JSON.stringify({ runs, load: execFileSync('cat', ['/proc/loadavg']).toString().trim(), results }, null, 2));
