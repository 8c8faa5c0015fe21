#!/usr/bin/env node
// NTFS benchmark (docs/ntfs.md, docs/performance.md): a generated $UsnJrnl:$J and $MFT of a given
// size, read by `stagehunt parse --format jsonl` (every record printed) and by `stagehunt scan` of a
// KAPE-style folder (C/$MFT, C/$Extend/$UsnJrnl%3A$J: the staging trace detectors); a full $LogFile
// (64 MiB, Windows' usual size) likewise, parsed and scanned alone (C/$LogFile). Records per
// second and peak RSS from /usr/bin/time.
//
//   npm run bench:ntfs                                   # 1 GiB $J, 500 MiB $MFT, 64 MiB $LogFile
//   node bench/ntfs.mjs --j-mb 1024 --mft-mb 500 --log-mb 64 --dir /tmp/stagehunt-ntfs-bench
//
// The $J: 64 MiB of leading zeros (a purged journal's sparse head), then file lives (create, write,
// close, some renames and deletes) in 2,000 folders, one staged archive deleted from PerfLogs every
// 50,000 files. The $MFT: the corpus `ntfs/ez-mft/xw/$MFT` (628 records, damaged ones included) repeated to the size.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATTR, fileLife, REASON, usnRecord } from '../fixtures/lib/usn-writer.mjs';
import { fileLifeRecords, logFile } from '../fixtures/lib/logfile-writer.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = { jMb: 1024, mftMb: 500, logMb: 64, dir: '/tmp/stagehunt-ntfs-bench', keep: false };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i];
  if (k === '--j-mb') args.jMb = Number(process.argv[++i]);
  else if (k === '--mft-mb') args.mftMb = Number(process.argv[++i]);
  else if (k === '--log-mb') args.logMb = Number(process.argv[++i]);
  else if (k === '--dir') args.dir = process.argv[++i];
  else if (k === '--keep') args.keep = true;
  else {
    console.error(`unknown argument ${k}`);
    process.exit(2);
  }
}

const C = path.join(args.dir, 'kape', 'C');
const J = path.join(C, '$Extend', '$UsnJrnl%3A$J');
const MFT = path.join(C, '$MFT');

function writeJournal(target, bytes) {
  const fd = openSync(target, 'w');
  const zeros = 64 * 1024 * 1024;
  let offset = Math.min(zeros, bytes);
  writeSync(fd, Buffer.alloc(1), 0, 1, offset - 1);
  const start = Date.parse('2024-01-01T00:00:00Z');
  let chunk = [];
  let chunkBytes = 0;
  let n = 0;
  let file = 0;
  const flush = () => {
    const b = Buffer.concat(chunk);
    writeSync(fd, b, 0, b.length, offset);
    offset += b.length;
    chunk = [];
    chunkBytes = 0;
  };
  const PERFLOGS = { entry: 64, sequence: 1 };
  const push = (spec) => {
    const rec = usnRecord(spec, offset + chunkBytes);
    chunk.push(rec);
    chunkBytes += rec.length;
    n++;
    if (chunkBytes >= 4 * 1024 * 1024) flush();
  };
  push({ ...PERFLOGS, parentEntry: 5, parentSequence: 5, time: new Date(start), reason: REASON.FILE_CREATE | REASON.CLOSE, name: 'PerfLogs', attributes: ATTR.DIRECTORY });
  while (offset + chunkBytes < bytes) {
    const t = start + file * 1000;
    const staged = file % 50_000 === 49_999;
    const life = fileLife(
      { entry: 1000 + (file % 5_000_000), sequence: 1 + Math.floor(file / 5_000_000), parentEntry: staged ? 64 : 100 + (file % 2000), parentSequence: 1, name: staged ? `stage${file}.7z` : `file${file}.txt` },
      [
        { t: new Date(t), op: 'create' },
        { t: new Date(t + 10), op: 'write' },
        ...(file % 7 === 0 ? [{ t: new Date(t + 20), op: 'rename', name: `renamed${file}.dat` }] : []),
        ...(file % 3 === 0 || staged ? [{ t: new Date(t + 500), op: 'delete' }] : []),
      ],
    );
    for (const s of life) push(s);
    file++;
  }
  flush();
  closeSync(fd);
  return n;
}

function writeMft(file, bytes) {
  const seed = readFileSync(path.join(REPO, '..', 'shared', 'corpus', 'ntfs', 'ez-mft', 'xw', '$MFT'));
  const fd = openSync(file, 'w');
  let offset = 0;
  const block = Buffer.concat(Array.from({ length: Math.max(1, Math.floor((8 * 1024 * 1024) / seed.length)) }, () => seed));
  while (offset < bytes) {
    const n = Math.min(block.length, bytes - offset);
    writeSync(fd, block, 0, n - (n % 1024), offset);
    offset += n - (n % 1024);
    if (n < 1024) break;
  }
  closeSync(fd);
  return Math.floor(offset / 1024);
}

/**
 * A $LogFile of `bytes` filled with file lives (create; every 7th renamed, every 3rd deleted) in 2,000
 * folders, a staged archive deleted from PerfLogs every 5,000 files. Returns the records written.
 */
function writeLogFile(target, bytes) {
  const records = [];
  const budget = bytes - 64 * 1024; // the restart and tail pages, and the page ends records skip
  let used = 0;
  for (let file = 0; used < budget * 0.97; file++) {
    const staged = file % 5000 === 4999;
    const name = staged ? `stage${file}.7z` : `file${file}.txt`;
    const life = fileLifeRecords(
      { entry: 1000 + file, sequence: 1, parentEntry: staged ? 64 : 100 + (file % 2000), parentSequence: 1, name, time: new Date(Date.parse('2024-01-01T00:00:00Z') + file * 1000).toISOString(), size: 1000 },
      [{ op: 'create' }, ...(file % 7 === 0 ? [{ op: 'rename', name: `renamed${file}.dat` }] : []), ...(file % 3 === 0 || staged ? [{ op: 'delete' }] : [])],
    );
    for (const r of life) used += 0x30 + 0x28 + (r.redo?.length ?? 0) + (r.undo?.length ?? 0) + 16;
    records.push(...life);
  }
  const { bytes: log } = logFile(records, { size: bytes });
  const fd = openSync(target, 'w');
  writeSync(fd, log);
  closeSync(fd);
  return records.length;
}

// Wall, CPU (user + sys: the figure to compare on a shared machine) and peak RSS from /usr/bin/time.
const TIME_FORMAT = '%e %M %U %S';
function timeFields(stderr) {
  const [wall, rssKb, user, sys] = (stderr.toString().trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { wall, cpu: +(user + sys).toFixed(2), rssMb: Math.round(rssKb / 1024) };
}

function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', TIME_FORMAT, cmd, ...argv], { maxBuffer: 1024, stdio: ['ignore', 'ignore', 'pipe'] });
  return { status: r.status, ...timeFields(r.stderr) };
}

/** Counts the lines `parse --format jsonl` prints, without holding them. */
function parseCount(file) {
  const r = spawnSync('sh', ['-c', `/usr/bin/time -f '${TIME_FORMAT}' node "${path.join(REPO, 'bin', 'stagehunt.js')}" parse --format jsonl --quiet "$1" | wc -l`, 'sh', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { records: Number(r.stdout.toString().trim()), ...timeFields(r.stderr) };
}

mkdirSync(path.dirname(J), { recursive: true });
console.log(`generating a ${args.jMb} MiB $J and a ${args.mftMb} MiB $MFT in ${args.dir}`);
const usnWritten = writeJournal(J, args.jMb * 1024 * 1024);
const mftRecords = writeMft(MFT, args.mftMb * 1024 * 1024);
const LOG = path.join(args.dir, 'kape-log', 'C', '$LogFile');
mkdirSync(path.dirname(LOG), { recursive: true });
const logWritten = writeLogFile(LOG, args.logMb * 1024 * 1024);
const rows = [];
const p1 = parseCount(J);
rows.push({ what: `parse --format jsonl $J (${(statSync(J).size / 2 ** 20).toFixed(0)} MiB, ${usnWritten} records written)`, ...p1, perSecond: Math.round(p1.records / p1.wall) });
const p2 = parseCount(MFT);
rows.push({ what: `parse --format jsonl $MFT (${(statSync(MFT).size / 2 ** 20).toFixed(0)} MiB, ${mftRecords} records)`, ...p2, perSecond: Math.round(p2.records / p2.wall) });
const s = timed('node', [path.join(REPO, 'bin', 'stagehunt.js'), 'scan', path.join(args.dir, 'kape'), '--format', 'json', '-o', path.join(args.dir, 'scan.json'), '--quiet']);
const report = JSON.parse(readFileSync(path.join(args.dir, 'scan.json'), 'utf8'));
const traces = report.findings.filter((f) => f.kind === 'usn-record' || f.kind === 'mft-record').length;
rows.push({ what: `scan of C/$MFT + C/$Extend/$UsnJrnl%3A$J (trace detectors): ${traces} NTFS findings`, records: usnWritten + mftRecords, wall: s.wall, cpu: s.cpu, rssMb: s.rssMb, perSecond: Math.round((usnWritten + mftRecords) / s.wall) });
const p3 = parseCount(LOG);
rows.push({ what: `parse --format jsonl $LogFile (${(statSync(LOG).size / 2 ** 20).toFixed(0)} MiB, ${logWritten} records written)`, ...p3, perSecond: Math.round(p3.records / p3.wall) });
const s2 = timed('node', [path.join(REPO, 'bin', 'stagehunt.js'), 'scan', path.join(args.dir, 'kape-log'), '--format', 'json', '-o', path.join(args.dir, 'scan-log.json'), '--quiet']);
const logFindings = JSON.parse(readFileSync(path.join(args.dir, 'scan-log.json'), 'utf8')).findings.filter((f) => f.kind === 'logfile-record').length;
rows.push({ what: `scan of C/$LogFile alone (trace detectors): ${logFindings} logfile-record findings`, records: logWritten, wall: s2.wall, cpu: s2.cpu, rssMb: s2.rssMb, perSecond: Math.round(logWritten / s2.wall) });
console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('| run | records | wall s | CPU s (user+sys) | records/s (wall) | records per CPU s | peak RSS MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.what} | ${r.records} | ${r.wall} | ${r.cpu} | ${r.perSecond} | ${Math.round(r.records / r.cpu)} | ${r.rssMb} |`);
if (!args.keep && existsSync(args.dir)) rmSync(args.dir, { recursive: true, force: true });
