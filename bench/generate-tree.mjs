#!/usr/bin/env node
// Deterministic generator of a staging-like Windows tree for the benchmark (never inside the repo).
//
//   node bench/generate-tree.mjs --out /tmp/stagehunt-bench/tree-100k --files 100000
//   node bench/generate-tree.mjs --out /tmp/stagehunt-bench/tree-10k --files 10000
//   node bench/generate-tree.mjs --out /tmp/stagehunt-bench/tree-1m --files 1000000 --uniform 1024   # 99 % text, 1 % blobs
//   node bench/generate-tree.mjs --out /tmp/stagehunt-bench/tree-100k-findings --files 100000 --profile findings
//   node bench/generate-tree.mjs --out DIR --files 1000000 --uniform 1024 --blobs 100      # 100 blobs whatever the size
//   node bench/generate-tree.mjs --out DIR --files 1000000 --uniform 1024 --blob-every 10000   # scale: one blob per 10,000 files at any size
//   node bench/generate-tree.mjs --out DIR --files 100000 --uniform 1024 --blobs 0 --layout onedir    # Windows/Temp/big
//   node bench/generate-tree.mjs --out DIR --files 100000 --uniform 1024 --blobs 0 --layout spread    # Windows/Temp/big/dNNN
//   node bench/generate-tree.mjs --out DIR --files 300000 --uniform 1024 --layout hotspots5           # 5 % in hotspots
//
// The findings profile (issue 17) is heavy in staging-like content: a third of the files are
// archives (ZIP, 7z, RAR, some with encrypted headers), archives renamed .tmp/.log/.dat and random
// "encrypted" blobs, and 5 % of the files are a Recycle Bin of $I/$R pairs (plus one XP INFO2 of
// 1,000 records): at 100,000 files about 35,000 findings. The manifest counts each kind.
//
// Mix: mostly small files (log-uniform 200 B..64 KiB: text, logs, CSV/JSON, OOXML, PDF, JPEG, PNG,
// PE executables, ZIP, gzip, bzip2, xz, pseudo-random "encrypted" blobs, archives renamed .tmp/.log)
// and a 0.5 % tail of large ones (128 KiB..8 MiB). About 2 GiB at 100,000 files. The same
// arguments give the same bytes, names and mtimes. A stamp file beside the tree skips rework.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, deflateRawSync } from 'node:zlib';
import { buildZip } from '../fixtures/lib/zip-writer.mjs';
import { makeDollarI, makeInfo2 } from '../fixtures/lib/recyclebin-writers.mjs';
import { makeEncryptedHeader7z, makePlain7z, makeRar5 } from '../fixtures/lib/sevenzip-rar-writers.mjs';
import { intIn, mulberry32, pick, randomBytes } from './lib/prng.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function parseArgs(argv) {
  const args = { out: null, files: 100_000, uniform: 0, seed: 7401, force: false, profile: 'mixed', blobs: null, blobEvery: null, layout: 'windows' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') args.out = argv[++i];
    else if (a === '--files') args.files = Number(argv[++i]);
    else if (a === '--uniform') args.uniform = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--force') args.force = true;
    else if (a === '--profile') args.profile = argv[++i];
    else if (a === '--blobs') args.blobs = Number(argv[++i]);
    else if (a === '--blob-every') args.blobEvery = Number(argv[++i]);
    else if (a === '--layout') args.layout = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.out) throw new Error('--out DIR is required');
  if (!['mixed', 'findings'].includes(args.profile)) throw new Error(`--profile mixed|findings, not ${args.profile}`);
  if (!(args.layout in LAYOUTS)) throw new Error(`--layout ${Object.keys(LAYOUTS).join('|')}, not ${args.layout}`);
  if ((args.blobs !== null || args.blobEvery !== null || args.layout !== 'windows') && !args.uniform) throw new Error('--blobs, --blob-every and --layout need --uniform SIZE');
  if (args.blobs !== null && args.blobEvery !== null) throw new Error('--blobs or --blob-every, not both');
  if (args.blobEvery !== null && !(Number.isInteger(args.blobEvery) && args.blobEvery >= 1)) throw new Error('--blob-every N needs an integer N >= 1');
  const out = path.resolve(args.out);
  if (out === REPO || out.startsWith(REPO + path.sep)) throw new Error(`refusing to generate inside the repository (${out})`);
  args.out = out;
  return args;
}

const WORDS = ('the of and to in is was for on that with as by at from this be are or an it not have which but has were ' +
  'report invoice budget quarterly meeting notes project client payroll contract draft final review server backup user ' +
  'error warning info debug service started stopped connection timeout request response update install config').split(' ');

function textPool(bytes, rand) {
  const lines = [];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    const words = [];
    const count = intIn(rand, 4, 16);
    for (let i = 0; i < count; i++) words.push(pick(rand, WORDS));
    const line = n % 3 === 0 ? `2024-0${1 + (n % 9)}-1${n % 10}T0${n % 10}:1${n % 6}:0${n % 10}Z INFO [svc-${n % 17}] ${words.join(' ')}` : words.join(' ');
    lines.push(line);
    size += line.length + 1;
    n++;
  }
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

/** Templates by kind, several sizes each; generating 100,000 distinct OOXML files would be slow for no gain. */
function buildTemplates(pools) {
  const sizes = [600, 2_000, 6_000, 16_000, 40_000, 64_000];
  const rnd = (n, at) => pools.random.subarray(at % (pools.random.length - n), (at % (pools.random.length - n)) + n);
  const txt = (n, at) => pools.text.subarray(at % (pools.text.length - n), (at % (pools.text.length - n)) + n);
  const t = {};
  t.docx = sizes.map((s, i) => buildZip({ entries: [
    { name: '[Content_Types].xml', data: CONTENT_TYPES, method: 8 },
    { name: 'word/document.xml', data: Buffer.concat([Buffer.from('<w:document><w:body><w:p><w:t>'), txt(s * 2, i * 7919), Buffer.from('</w:t></w:p></w:body></w:document>')]), method: 8 },
    { name: 'word/media/image1.png', data: rnd(Math.floor(s / 2), i * 104729), method: 0 },
  ] }));
  t.zip = sizes.map((s, i) => buildZip({ entries: [
    { name: 'Documents/report.txt', data: txt(s, i * 31), method: 8 },
    { name: 'Documents/data.bin', data: rnd(Math.floor(s / 2), i * 131), method: 0 },
  ] }));
  t.gz = sizes.map((s, i) => gzipSync(Buffer.concat([txt(s, i * 37), rnd(Math.floor(s / 3), i * 997)])));
  t.pdf = sizes.map((s, i) => Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Length ' + s + ' /Filter /FlateDecode >>\nstream\n'), deflateRawSync(txt(s * 3, i * 53)), Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')]));
  t.png = sizes.map((s, i) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000001000000010008020000009b5e6b5c', 'hex'), Buffer.from([0, 0, 0, 0]), Buffer.from('IDAT'), deflateRawSync(rnd(s, i * 59)), Buffer.from('0000000049454e44ae426082', 'hex')]));
  t.jpg = sizes.map((s, i) => Buffer.concat([Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex'), rnd(s, i * 61), Buffer.from('ffd9', 'hex')]));
  t.exe = sizes.map((s, i) => {
    const pe = Buffer.alloc(Math.max(1024, s));
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('PE\0\0', 0x80, 'latin1');
    pe.writeUInt16LE(0x8664, 0x84);
    pe.writeUInt16LE(0x22, 0x80 + 0x16);
    pe.writeUInt16LE(0x20b, 0x80 + 0x18);
    rnd(pe.length - 0x400, i * 67).copy(pe, 0x400);
    return pe;
  });
  // bzip2 and xz from the system tools when present (run once per template, not per file).
  for (const [kind, tool] of [['bz2', 'bzip2'], ['xz', 'xz']]) {
    t[kind] = sizes.map((s, i) => {
      const input = Buffer.concat([txt(s, i * 71), rnd(Math.floor(s / 2), i * 73)]);
      const r = spawnSync(tool, ['-c'], { input, maxBuffer: 64 * 1024 * 1024 });
      if (r.status === 0) return r.stdout;
      return Buffer.concat([Buffer.from(kind === 'bz2' ? 'BZh91AY&SY' : 'fd377a585a00', kind === 'bz2' ? 'latin1' : 'hex'), rnd(s, i)]);
    });
  }
  t['7z'] = sizes.map((s, i) => makePlain7z({ files: [{ name: `export/part${i}.docx`, size: s }, { name: 'export/list.txt', size: 64 }] }));
  t.rar = sizes.map((s, i) => makeRar5({ files: [{ name: `collected/batch${i}.xlsx`, size: s }, { name: 'collected/notes.txt', size: 32 }], headersEncrypted: i % 3 === 0 }));
  t.enc7z = sizes.map((s) => makeEncryptedHeader7z({ dataSize: s }));
  const bigSizes = [160_000, 600_000, 2_000_000, 5_000_000, 8_000_000];
  t.bigZip = bigSizes.map((s, i) => buildZip({ entries: [{ name: 'export/dump.bin', data: rnd(s, i * 89), method: 0 }, { name: 'export/readme.txt', data: 'see attached', method: 0 }] }));
  t.bigGz = bigSizes.map((s, i) => gzipSync(rnd(s, i * 97), { level: 1 }));
  return t;
}

function closest(list, size) {
  let best = list[0];
  for (const b of list) if (Math.abs(b.length - size) < Math.abs(best.length - size)) best = b;
  return best;
}

// kind, weight, extension(s), directory class
const SMALL_KINDS = [
  ['text', 20, ['txt', 'md', 'ini', 'cfg']],
  ['log', 15, ['log']],
  ['csv', 8, ['csv', 'json', 'xml']],
  ['docx', 8, ['docx', 'xlsx', 'pptx']],
  ['pdf', 4, ['pdf']],
  ['jpg', 8, ['jpg']],
  ['png', 6, ['png']],
  ['exe', 8, ['exe', 'dll']],
  ['zip', 4, ['zip']],
  ['gz', 4, ['gz']],
  ['bz2', 1, ['bz2']],
  ['xz', 1, ['xz']],
  ['blob', 5, ['dat', 'bin', 'enc']],
  ['renamed', 1, ['tmp', 'log', 'dat']],
];
/** The findings profile: a third archives, renamed archives and random blobs (each one a finding). */
const FINDINGS_KINDS = [
  ['text', 14, ['txt', 'md', 'ini']],
  ['log', 10, ['log']],
  ['csv', 6, ['csv', 'json']],
  ['docx', 8, ['docx', 'xlsx']],
  ['pdf', 4, ['pdf']],
  ['jpg', 7, ['jpg']],
  ['png', 4, ['png']],
  ['exe', 8, ['exe', 'dll']],
  ['zip', 8, ['zip']],
  ['7z', 5, ['7z']],
  ['rar', 4, ['rar']],
  ['enc7z', 2, ['7z']],
  ['gz', 4, ['gz']],
  ['blob', 12, ['dat', 'bin', 'enc']],
  ['renamed', 4, ['tmp', 'log', 'dat']],
];

function pickKind(rand, kinds = SMALL_KINDS) {
  let r = rand() * kinds.reduce((s, k) => s + k[1], 0);
  for (const k of kinds) if ((r -= k[1]) < 0) return k;
  return kinds[0];
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const DIR_TEMPLATES = [
  'Windows/System32/drivers', 'Windows/System32/config/systemprofile', 'Windows/SysWOW64', 'Windows/Temp', 'Windows/Logs/CBS',
  'Windows/Debug', 'ProgramData/Microsoft/Windows/WER', 'ProgramData/Vendor{n}/cache', 'PerfLogs/Admin',
  'Program Files/App{n}/bin', 'Program Files (x86)/Tool{n}', 'Users/Public/Libraries', 'Users/Public/Downloads',
  'Users/{u}/Documents/Projects/p{n}', 'Users/{u}/Pictures/2024/{n}', 'Users/{u}/Downloads', 'Users/{u}/Desktop',
  'Users/{u}/AppData/Local/Temp', 'Users/{u}/AppData/Local/Temp/t{n}', 'Users/{u}/AppData/Roaming/Vendor{n}', 'Users/{u}/AppData/Local/Microsoft/Outlook',
];

/** ~100 files per directory; directory names from the templates, numbered for uniqueness. */
function directories(count, rand) {
  const dirs = [];
  for (let i = 0; i < count; i++) {
    const tpl = DIR_TEMPLATES[i % DIR_TEMPLATES.length];
    dirs.push(tpl.replace('{u}', USERS[i % USERS.length]).replace('{n}', String(Math.floor(i / DIR_TEMPLATES.length))));
  }
  // Same template and number give the same directory; keep unique ones (order stays deterministic).
  return [...new Set(dirs)].sort(() => rand() - 0.5);
}

/** Non-hotspot directories of a Windows system (no pattern of src/hotspots/data/windows.json matches them). */
const COLD_TEMPLATES = [
  'Windows/System32/drivers', 'Windows/System32/DriverStore/FileRepository/pkg{n}', 'Windows/SysWOW64', 'Windows/WinSxS/amd64_c{n}',
  'Windows/Logs/CBS', 'Windows/servicing/Packages', 'Program Files/App{n}/bin', 'Program Files (x86)/Tool{n}',
  'Users/{u}/Documents/Projects/p{n}', 'Users/{u}/Pictures/2024/{n}', 'Users/{u}/Music/a{n}', 'Users/{u}/AppData/Roaming/Microsoft/Windows/r{n}',
  'Users/{u}/AppData/Local/Microsoft/Edge/User Data/c{n}',
];
/** Hotspot directories (Temp, Public, ProgramData, PerfLogs, the Recycle Bin, an unusual AppData vendor). */
const HOT_TEMPLATES = [
  'Windows/Temp/t{n}', 'Users/{u}/AppData/Local/Temp/t{n}', 'Users/Public/Downloads/d{n}', 'ProgramData/Vendor{n}/cache',
  'PerfLogs/Admin/a{n}', 'Users/{u}/AppData/Roaming/Vendor{n}',
];

function fromTemplates(templates, count) {
  const dirs = [];
  for (let i = 0; i < count; i++) {
    const tpl = templates[i % templates.length];
    dirs.push(tpl.replace('{u}', USERS[i % USERS.length]).replace('{n}', String(Math.floor(i / templates.length))));
  }
  return [...new Set(dirs)];
}

/**
 * Where file i goes. windows: ~100 files per directory of the Windows templates; onedir: every file in
 * Windows/Temp/big; spread: the same names over 1,000 subdirectories of it; hotspots5: ~100 files per
 * directory, every 20th file (5 %) in a hotspot directory, the rest where no hotspot pattern reaches.
 */
const LAYOUTS = {
  windows: (files, rand) => {
    const dirs = directories(Math.max(1, Math.ceil(files / 100)), rand);
    return (i) => dirs[i % dirs.length];
  },
  onedir: () => () => 'Windows/Temp/big',
  spread: () => (i) => `Windows/Temp/big/d${String(i % 1000).padStart(3, '0')}`,
  hotspots5: (files) => {
    const hot = fromTemplates(HOT_TEMPLATES, Math.max(1, Math.ceil(files / 20 / 100)));
    const cold = fromTemplates(COLD_TEMPLATES, Math.max(1, Math.ceil(files / 100)));
    return (i) => (i % 20 === 0 ? hot[(i / 20) % hot.length] : cold[i % cold.length]);
  },
};

const BASE_TIME = Date.UTC(2024, 0, 1) / 1000;

export function generate(args, log = (m) => process.stderr.write(m + '\n')) {
  const stamp = `${args.out}.stamp`;
  const findings = args.profile === 'findings';
  const blobs = args.blobs ?? null;
  const blobEvery = args.blobEvery ?? null;
  const layout = args.layout ?? 'windows';
  const key = JSON.stringify({ files: args.files, uniform: args.uniform, seed: args.seed, v: args.uniform ? 2 : 1, ...(findings ? { profile: 'findings', pv: 1 } : {}), ...(blobs !== null ? { blobs } : {}), ...(blobEvery !== null ? { blobEvery } : {}), ...(layout !== 'windows' ? { layout } : {}) });
  if (!args.force && existsSync(stamp) && existsSync(args.out) && readFileSync(stamp, 'utf8') === key) {
    log(`tree ${args.out} is up to date`);
    return JSON.parse(readFileSync(`${args.out}.manifest.json`, 'utf8'));
  }
  rmSync(args.out, { recursive: true, force: true });
  rmSync(stamp, { force: true });
  const rand = mulberry32(args.seed);
  const pools = { random: randomBytes(24 * 1024 * 1024, args.seed), text: textPool(8 * 1024 * 1024, rand) };
  const templates = args.uniform ? null : buildTemplates(pools);
  const dirOf = LAYOUTS[layout](args.files, rand);
  const made = new Set();
  const manifest = { files: 0, bytes: 0, byKind: {}, dirs: 0, profile: args.profile, layout };
  // --blobs N: exactly N random blobs (the likely-encrypted findings), evenly spread, whatever the size of the tree.
  // --blob-every N: one blob in every N files (the last of each N), the same share at any size.
  const isBlob = blobEvery !== null ? (i) => i % blobEvery === blobEvery - 1 : blobs === null ? (i) => i % 100 === 37 : blobStep(args.files, blobs);
  const started = Date.now();
  // The findings profile spends 5 % of its files on a Recycle Bin: $I/$R pairs and one INFO2.
  const recycled = findings ? recycleBin(args, rand, pools, templates, manifest) : 0;
  for (let i = recycled; i < args.files; i++) {
    const dir = dirOf(i);
    if (!made.has(dir)) {
      mkdirSync(path.join(args.out, dir), { recursive: true });
      made.add(dir);
    }
    const { kind, ext, data } = args.uniform ? uniformFile(i, args.uniform, pools, isBlob(i)) : mixedFile(i, rand, pools, templates, findings ? FINDINGS_KINDS : SMALL_KINDS);
    const file = path.join(args.out, dir, `${kind}-${i.toString(36)}.${ext}`);
    writeFileSync(file, data);
    // Background files spread over a year; staging-like dirs (Temp, Public) get a few bursty hours.
    const bursty = /Temp|Public|PerfLogs/.test(dir);
    const t = BASE_TIME + (bursty ? 86400 * 200 + intIn(rand, 0, 3600 * 4) : intIn(rand, 0, 86400 * 365));
    utimesSync(file, t, t);
    manifest.files++;
    manifest.bytes += data.length;
    manifest.byKind[kind] = (manifest.byKind[kind] ?? 0) + 1;
    if ((i + 1) % 100000 === 0 || (args.files <= 100_000 && (i + 1) % 20000 === 0)) log(`  ${i + 1} files, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  manifest.dirs = made.size;
  writeFileSync(`${args.out}.manifest.json`, JSON.stringify(manifest, null, 2));
  writeFileSync(stamp, key);
  log(`generated ${manifest.files} files, ${(manifest.bytes / 2 ** 30).toFixed(2)} GiB in ${made.size} dirs under ${args.out}`);
  return manifest;
}

function slice(pool, n, at) {
  const start = at % Math.max(1, pool.length - n);
  return pool.subarray(start, start + n);
}

const SID = 'S-1-5-21-3623811015-3361044348-30300820-1013';
const ORIGINAL_DIRS = ['C:\\Users\\alice\\Documents\\Finance', 'C:\\Users\\alice\\Desktop\\export', 'C:\\Users\\Public\\Downloads', 'C:\\Windows\\Temp\\pkg', 'C:\\PerfLogs\\out'];
const RECYCLED_EXTS = ['docx', 'xlsx', 'pdf', 'zip', 'rar', '7z', 'dat'];
const INFO2_EXTS = ['rar', 'zip', '7z', 'doc'];

/**
 * A Recycle Bin of one user: $I/$R pairs (5 % of the files, as pairs) whose $R data is a document,
 * an archive or a blob, deleted in bursts over a few days, and an XP-style RECYCLER INFO2 of 1,000
 * records. Returns the number of files written.
 */
function recycleBin(args, rand, pools, templates, manifest) {
  const pairs = Math.floor((args.files * 0.05) / 2);
  const dir = path.join(args.out, '$Recycle.Bin', SID);
  mkdirSync(dir, { recursive: true });
  const deletedBase = Date.UTC(2024, 6, 20, 9);
  let written = 0;
  const write = (name, data, t) => {
    const file = path.join(dir, name);
    writeFileSync(file, data);
    utimesSync(file, t, t);
    manifest.bytes += data.length;
    written++;
  };
  for (let i = 0; i < pairs; i++) {
    const id = `$${i.toString(36).toUpperCase().padStart(6, 'Q')}`;
    const ext = RECYCLED_EXTS[i % RECYCLED_EXTS.length];
    const size = Math.floor(Math.exp(Math.log(600) + rand() * Math.log(64)));
    const data = ext === 'zip' || ext === 'rar' || ext === '7z' ? closest(templates[ext], size) : ext === 'dat' ? slice(pools.random, size, i * 151) : closest(templates[ext === 'pdf' ? 'pdf' : 'docx'], size);
    const deletedAt = new Date(deletedBase + Math.floor(i / 200) * 86_400_000 + (i % 200) * 7_000);
    const t = deletedAt.getTime() / 1000;
    write(`$I${id.slice(1)}.${ext}`, makeDollarI({ originalPath: `${ORIGINAL_DIRS[i % ORIGINAL_DIRS.length]}\\file-${i}.${ext}`, size: data.length, deletedAt: deletedAt.toISOString() }), t);
    write(`$R${id.slice(1)}.${ext}`, data, t);
  }
  manifest.byKind['recycle-bin-$I'] = pairs;
  manifest.byKind['recycle-bin-$R'] = pairs;
  // Windows XP: one INFO2 with 1,000 records (mostly archives), the D<drive><index> data files left out (purged).
  const info2Dir = path.join(args.out, 'RECYCLER', SID);
  mkdirSync(info2Dir, { recursive: true });
  const records = Array.from({ length: 1000 }, (_, i) => ({ originalPath: `${ORIGINAL_DIRS[i % ORIGINAL_DIRS.length]}\\old-${i}.${INFO2_EXTS[i % INFO2_EXTS.length]}`, index: i + 1, deletedAt: new Date(deletedBase - 400 * 86_400_000 + i * 60_000).toISOString(), size: 1000 + i }));
  const info2 = makeInfo2(records);
  writeFileSync(path.join(info2Dir, 'INFO2'), info2);
  manifest.bytes += info2.length;
  manifest.byKind['recycle-bin-INFO2'] = 1;
  manifest.info2Records = records.length;
  manifest.files += written + 1;
  return written + 1;
}

/** Exactly `blobs` blobs, evenly spread over `files`. */
function blobStep(files, blobs) {
  const every = blobs ? Math.floor(files / blobs) : 0;
  return (i) => every > 0 && i % every === every - 1 && i < every * blobs;
}

/** Uniform trees test scale, not detection: text, and random blobs (likely-encrypted findings) where isBlob says. */
function uniformFile(i, size, pools, blob) {
  const text = !blob;
  return { kind: text ? 'text' : 'blob', ext: text ? 'txt' : 'dat', data: slice(text ? pools.text : pools.random, size, i * 4099) };
}

function mixedFile(i, rand, pools, templates, kinds) {
  // 0.5 % large tail: 128 KiB..8 MiB, log-uniform.
  if (rand() < 0.005) {
    const size = Math.floor(Math.exp(Math.log(128 * 1024) + rand() * Math.log(64)));
    const k = intIn(rand, 0, 4);
    if (k === 0) return { kind: 'bigblob', ext: pick(rand, ['vhd', 'bin', 'dat']), data: slice(pools.random, Math.min(size, pools.random.length - 1), i * 7) };
    if (k === 1) return { kind: 'biglog', ext: 'log', data: slice(pools.text, Math.min(size, pools.text.length - 1), i * 11) };
    if (k === 2) return { kind: 'bigzip', ext: 'zip', data: closest(templates.bigZip, size) };
    return { kind: 'biggz', ext: 'gz', data: closest(templates.bigGz, size) };
  }
  const size = Math.floor(Math.exp(Math.log(200) + rand() * Math.log(64 * 1024 / 200)));
  const [kind, , exts] = pickKind(rand, kinds);
  const ext = pick(rand, exts);
  switch (kind) {
    case 'text': case 'log': case 'csv':
      return { kind, ext, data: slice(pools.text, size, i * 131) };
    case 'blob':
      return { kind, ext, data: slice(pools.random, size, i * 137) };
    case 'renamed':
      return { kind, ext, data: closest(pick(rand, kinds === SMALL_KINDS ? [templates.zip, templates.gz] : [templates.zip, templates.gz, templates['7z'], templates.rar]), size) };
    default:
      return { kind, ext, data: closest(templates[kind], size) };
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generate(parseArgs(process.argv.slice(2)));
}
