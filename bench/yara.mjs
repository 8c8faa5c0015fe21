// What --yara costs a scan (docs/yara.md "Cost", docs/performance.md "Session 46"), side by side
// with the yara command line (libyara) over the same files and rules. Makes a tree of small text
// files (deterministic, under --dir), then times, interleaved and median of --runs:
// `scan --scope all --hash none` without rules, with one rule, with fixtures/yara/reference.yar
// (27 rules), and `yara -r -w` with each rule set; peak RSS from /usr/bin/time. Then archive members
// (docs/yara.md "Archive members"): --archives ZIPs of 20 text members each (made with zip(1)),
// scanned with one rule and --yara-members 0 (the files alone), then with the default.
//
//   node bench/yara.mjs [--files 5000] [--archives 200] [--runs 3] [--dir /tmp/stagehunt-bench/yara]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const files = Number(opt('files', '5000'));
const runs = Number(opt('runs', '3'));
const archives = Number(opt('archives', '200'));
const MEMBERS = 20;
const dir = opt('dir', '/tmp/stagehunt-bench/yara');
const cli = path.join(REPO, 'bin', 'stagehunt.js');
const tree = path.join(dir, `tree-${files}`);
const archiveTree = path.join(dir, `archives-${archives}`);
const oneRule = path.join(dir, 'one.yar');
const reference = path.join(REPO, 'fixtures', 'yara', 'reference.yar');

if (path.resolve(dir).startsWith(REPO)) throw new Error('bench/yara.mjs: --dir must be outside the repository');

/** A tree of `files` text files of 200 B to 16 KiB, 100 per folder under Windows/Temp (a fixed generator: the same tree every time). */
function makeTree() {
  const stamp = path.join(tree, '.stamp');
  if (existsSync(stamp)) return;
  rmSync(tree, { recursive: true, force: true });
  let seed = 7401;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < files; i++) {
    const folder = path.join(tree, 'Windows', 'Temp', `d${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    const size = 200 + (next() % 16184);
    const line = `line of ordinary text ${i}\n`;
    writeFileSync(path.join(folder, `f${String(i % 100).padStart(3, '0')}.txt`), line.repeat(Math.ceil(size / line.length)).slice(0, size));
  }
  writeFileSync(stamp, `${files}\n`);
}

/** `archives` ZIPs (deflated by zip -q) of MEMBERS text files of 1-9 KiB each: the same every time. */
function makeArchives() {
  const stamp = path.join(archiveTree, '.stamp');
  if (existsSync(stamp)) return;
  rmSync(archiveTree, { recursive: true, force: true });
  const members = path.join(dir, 'members');
  mkdirSync(members, { recursive: true });
  const names = [];
  for (let i = 0; i < MEMBERS; i++) {
    const name = `doc${String(i).padStart(2, '0')}.txt`;
    writeFileSync(path.join(members, name), `document ${i} of a collected folder\n`.repeat(30 + i * 12));
    names.push(name);
  }
  mkdirSync(path.join(archiveTree, 'Windows', 'Temp', 'out'), { recursive: true });
  for (let a = 0; a < archives; a++) {
    const r = spawnSync('zip', ['-q', '-j', path.join(archiveTree, 'Windows', 'Temp', 'out', `batch${String(a).padStart(4, '0')}.zip`), ...names.map((n) => path.join(members, n))]);
    if (r.status !== 0) throw new Error(`zip failed (apt-get install zip): ${r.stderr}`);
  }
  writeFileSync(stamp, `${archives}\n`);
}

/** Runs a command under /usr/bin/time: wall seconds, CPU seconds, peak RSS in MB. */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: rss / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(dir, { recursive: true });
makeTree();
writeFileSync(oneRule, 'rule Seven_Zip_Password { strings: $a = "7z a -p" condition: $a }\n');
const scanArgs = (extra) => ['scan', tree, '--scope', 'all', '--hash', 'none', '--quiet', '--format', 'json', '--output', path.join(dir, 'out.json'), ...extra];
const commands = {
  'stagehunt, no rules': [process.execPath, [cli, ...scanArgs([])]],
  'stagehunt --yara one.yar': [process.execPath, [cli, ...scanArgs(['--yara', oneRule])]],
  'stagehunt --yara reference.yar (27 rules)': [process.execPath, [cli, ...scanArgs(['--yara', reference])]],
};
const haveYara = spawnSync('sh', ['-c', 'command -v yara'], { stdio: 'ignore' }).status === 0;
if (haveYara) {
  commands['yara -r one.yar'] = ['yara', ['-r', '-w', oneRule, tree]];
  commands['yara -r reference.yar'] = ['yara', ['-r', '-w', reference, tree]];
} else process.stderr.write('bench/yara.mjs: yara not installed (apt-get install yara): its rows are left out\n');

const results = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let round = 0; round < runs; round++) {
  for (const [label, [cmd, args]] of Object.entries(commands)) results[label].push(timed(cmd, args));
}
let memberLines = [];
if (archives > 0) {
  makeArchives();
  const archiveArgs = (extra) => ['scan', archiveTree, '--scope', 'all', '--hash', 'none', '--quiet', '--format', 'json', '--output', path.join(dir, 'out.json'), '--yara', oneRule, ...extra];
  const rows = { [`${archives} ZIPs, --yara one.yar --yara-members 0`]: archiveArgs(['--yara-members', '0']), [`${archives} ZIPs, --yara one.yar (their ${archives * MEMBERS} members)`]: archiveArgs([]) };
  const got = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let round = 0; round < runs; round++) for (const [label, args] of Object.entries(rows)) got[label].push(timed(process.execPath, [cli, ...args]));
  const [closed, opened] = Object.values(got).map((rs) => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)), rss: median(rs.map((r) => r.rssMb)) }));
  memberLines = ['', '| archive members | wall s | CPU s | peak RSS MB | per member, CPU |', '| --- | --- | --- | --- | --- |'];
  Object.keys(rows).forEach((label, i) => {
    const r = i === 0 ? closed : opened;
    memberLines.push(`| ${label} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rss.toFixed(0)} | ${i === 0 ? '-' : `${(((opened.cpu - closed.cpu) / (archives * MEMBERS)) * 1000).toFixed(1)} ms`} |`);
  });
}
const base = median(results['stagehunt, no rules'].map((r) => r.wall));
const lines = [`${files} files, ${runs} runs (median), ${new Date().toISOString()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`, '', '| command | wall s | CPU s | peak RSS MB | per file, above no rules |', '| --- | --- | --- | --- | --- |'];
for (const [label, rs] of Object.entries(results)) {
  const wall = median(rs.map((r) => r.wall));
  const perFile = label.startsWith('stagehunt') ? `${(((wall - base) / files) * 1000).toFixed(2)} ms` : `${((wall / files) * 1000).toFixed(3)} ms (all)`;
  lines.push(`| ${label} | ${wall.toFixed(2)} | ${median(rs.map((r) => r.cpu)).toFixed(2)} | ${median(rs.map((r) => r.rssMb)).toFixed(0)} | ${perFile} |`);
}
process.stdout.write(`${[...lines, ...memberLines].join('\n')}\n`);

