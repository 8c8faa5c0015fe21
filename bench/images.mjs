#!/usr/bin/env node
// Benchmark of issue 12: `stagehunt scan case.E01` of a 2 GiB NTFS volume holding 100,000 files,
// against The Sleuth Kit (`fls -r` + `icat` of the first 4 KiB of each file) and against the
// directory scan of the same tree. Run once by hand (needs root and /dev/fuse to fill the NTFS
// volume through ntfs-3g; mkntfs, ewfacquire, fls, icat; about 10 minutes on 2 cores):
//
//   npm run build && node bench/images.mjs [--files 100000] [--icat-sample 100] [--dir /tmp/stagehunt-bench-images]
//   node bench/images.mjs --prepare-only   # build (or reuse) the tree and the E01, print {"tree","e01"} (bench/run.mjs, target e01)
//   node bench/images.mjs --stagehunt /copy/of/an/older/build/bin/stagehunt.js   # before/after, alternated by hand
//   (--dir on /dev/shm keeps the 2 GiB volume and the tree off a slow disk; the E01 is reused when present)
//
// The tree is bench/generate-tree.mjs --uniform 1024 (about 1 KiB per file, deterministic). icat is
// one process per file, so it is timed on an evenly spread sample and extrapolated (said in the
// output). Times are wall clock; peak RSS from /usr/bin/time. Nothing is written inside the repo.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = { files: 100_000, icatSample: 100, dir: '/tmp/stagehunt-bench-images', prepareOnly: false, stagehunt: path.join(REPO, 'bin', 'stagehunt.js') };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--files') args.files = Number(process.argv[++i]);
  else if (a === '--icat-sample') args.icatSample = Number(process.argv[++i]);
  else if (a === '--dir') args.dir = path.resolve(process.argv[++i]);
  else if (a === '--prepare-only') args.prepareOnly = true;
  else if (a === '--stagehunt') args.stagehunt = path.resolve(process.argv[++i]);
  else throw new Error(`unknown argument ${a}`);
}

const sh = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, ...opts });

/** Wall seconds, CPU seconds (user + sys) and peak RSS (MB) of one command. */
function timed(label, cmd, argv) {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [rssKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  const rssMb = Math.round(rssKb / 1024);
  const cpu = user + sys;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${label}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  const load = execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ');
  console.log(`${label}: ${seconds.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, peak RSS ${rssMb} MB (load average ${load})`);
  return { seconds, cpu, rssMb, stdout: r.stdout };
}

mkdirSync(args.dir, { recursive: true });
const tree = path.join(args.dir, `tree-${args.files}`);
const ntfs = path.join(args.dir, 'volume.ntfs');
const e01Base = path.join(args.dir, 'volume');
const e01 = `${e01Base}.E01`;
const mnt = path.join(args.dir, 'mnt');

sh('node', [path.join(REPO, 'bench', 'generate-tree.mjs'), '--out', tree, '--files', String(args.files), '--uniform', '1024'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (!existsSync(e01)) {
  rmSync(ntfs, { force: true });
  sh('truncate', ['-s', '2G', ntfs]);
  sh('mkntfs', ['-F', '-Q', '-q', '-L', 'BENCH', ntfs]);
  mkdirSync(mnt, { recursive: true });
  sh('ntfs-3g', [ntfs, mnt]);
  try {
    console.error('filling the NTFS volume through ntfs-3g ...');
    sh('cp', ['-a', `${tree}/.`, mnt]);
  } finally {
    sh('umount', [mnt]);
  }
  console.error('packing the E01 (ewfacquire -u, deflate fast) ...');
  sh('ewfacquire', ['-u', '-q', '-t', e01Base, '-f', 'encase6', '-c', 'deflate:fast', '-m', 'fixed', '-M', 'logical', ntfs], { input: '' });
}

if (args.prepareOnly) {
  console.log(JSON.stringify({ tree, e01 }));
  process.exit(0);
}

const cli = args.stagehunt;
const out = path.join(args.dir, 'scan.json');
const dirScan = timed('directory scan --scope all', 'node', [cli, 'scan', tree, '--scope', 'all', '--hash', 'none', '-f', 'json', '-o', out, '-q']);
const imgScan = timed('E01 scan --scope all', 'node', [cli, 'scan', e01, '--scope', 'all', '--hash', 'none', '-f', 'json', '-o', out, '-q']);
const fls = timed('fls -r -p (E01)', 'fls', ['-r', '-p', e01]);

// icat of the first 4 KiB of an evenly spread sample of the files fls listed
const files = fls.stdout.split('\n').map((l) => /^r\/r (\d+-128-\d+):\t(.*)$/.exec(l)).filter((m) => m && !m[2].startsWith('$'));
const step = Math.max(1, Math.floor(files.length / args.icatSample));
const sample = files.filter((_, i) => i % step === 0).slice(0, args.icatSample);
const icatStart = process.hrtime.bigint();
for (const m of sample) spawnSync('sh', ['-c', `icat "$0" "$1" | head -c 4096 > /dev/null`, e01, m[1]]);
const icatPerFile = Number(process.hrtime.bigint() - icatStart) / 1e9 / sample.length;
const icatAll = icatPerFile * files.length;
console.log(`icat | head -c 4096: ${(icatPerFile * 1000).toFixed(1)} ms per file on ${sample.length} files -> ${icatAll.toFixed(0)} s for ${files.length} files (extrapolated)`);

const result = {
  files: args.files,
  filesListedByFls: files.length,
  directoryScanSeconds: +dirScan.seconds.toFixed(1),
  directoryScanCpuSeconds: +dirScan.cpu.toFixed(1),
  directoryScanRssMb: dirScan.rssMb,
  imageScanSeconds: +imgScan.seconds.toFixed(1),
  imageScanCpuSeconds: +imgScan.cpu.toFixed(1),
  imageScanRssMb: imgScan.rssMb,
  imageOverDirectory: +(imgScan.seconds / dirScan.seconds).toFixed(2),
  imageOverDirectoryCpu: +(imgScan.cpu / dirScan.cpu).toFixed(2),
  flsSeconds: +fls.seconds.toFixed(1),
  flsCpuSeconds: +fls.cpu.toFixed(1),
  flsPlusIcatSecondsExtrapolated: Math.round(fls.seconds + icatAll),
  icatSample: sample.length,
  load: execFileSync('cat', ['/proc/loadavg']).toString().trim(),
};
writeFileSync(path.join(args.dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
