/**
 * Archive members as bytes for the YARA rules (src/artifacts/archive/members.ts): every member of
 * the corpus's ZIP, tar and compressed archives agrees byte for byte with what libarchive's bsdtar
 * extracts (bsdcat for a stream that holds no tar), except where the table below says why; and
 * hostile archives (bombs, lying sizes and counts, cut data, garbage) stay within their bounds.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { decodeFolder as decodeSevenZipFolder } from '../../../src/artifacts/sevenzip/folder.js';
import { inflate64 } from '../../../src/artifacts/compressed/inflate64.js';
import { tarOf, zipOf } from '../../helpers/archive-builders.js';
import { MEMBER_ARCHIVES } from '../../helpers/corpus-archives.js';
import { prng } from '../../helpers/random.js';
import { bufferSource } from '../../../src/util/byte-source.js';

const WIDE: MemberBounds = { maxMembers: 10_000, maxMemberBytes: 64 << 20, maxTotalBytes: 256 << 20, packages: true };

/** The members of an archive held in memory (as the YARA worker holds a file). */
const membersOf = (bytes: Buffer, name: string, bounds: MemberBounds): ReturnType<typeof archiveMembers> => archiveMembers(bufferSource(bytes), name, bounds);

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every member loaded: path -> result. */
function loadAll(bytes: Buffer, name: string, bounds: MemberBounds = WIDE): { format: string; loaded: Map<string, MemberBytes>; beyond: number; warnings: string[] } | null {
  const listing = membersOf(bytes, name, bounds);
  if (!listing) return null;
  const loaded = new Map<string, MemberBytes>();
  for (const m of listing.members) loaded.set(m.path.replace(/^\.\//, ''), m.load());
  return { format: listing.format, loaded, beyond: listing.beyond, warnings: listing.warnings };
}

/** The regular files bsdtar extracts (path -> sha256) and its exit code. */
function bsdtarExtract(file: string): { status: number; files: Map<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-members-'));
  try {
    const r = spawnSync('bsdtar', ['-xf', file, '-C', dir]);
    const files = new Map<string, string>();
    const list = execFileSync('find', [dir, '-type', 'f', '-print0']);
    let at = 0;
    while (at < list.length) {
      const end = list.indexOf(0, at);
      const p = list.subarray(at, end);
      at = end + 1;
      files.set(p.subarray(dir.length + 1).toString('utf8'), sha(readFileSync(p)));
    }
    return { status: r.status ?? -1, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


describe('archive members agree with libarchive (bsdtar, bsdcat) on the corpus', () => {
  const ready = corpusAvailable() && toolAvailable('bsdtar') && toolAvailable('bsdcat') && toolAvailable('7zz');
  const reason = !corpusAvailable() ? CORPUS_MISSING : toolMissing('bsdtar, bsdcat or 7zz');

  testIf(ready, reason)('every member bsdtar extracts, byte for byte (encrypted ones skipped as encrypted; the known differences checked one by one)', () => {
    let compared = 0;
    let encrypted = 0;
    for (const rel of MEMBER_ARCHIVES) {
      const file = corpusPath('archives', rel);
      const ours = loadAll(readFileSync(file), path.basename(file));
      expect({ rel, opened: ours !== null }).toEqual({ rel, opened: true });
      const all = [...ours!.loaded.entries()];
      if (all.length > 0 && all.every(([, r]) => !r.ok && r.why === 'encrypted')) {
        // Every member encrypted: 7-Zip's listing says so of each (bsdtar spends seconds failing on AES ones).
        const listed = readFileSync(`${file}.expected.7zz-slt.txt`, 'utf8').split('\nPath = ').slice(2);
        expect({ rel, encrypted: listed.filter((e) => /\nEncrypted = \+/.test(e)).map((e) => e.split('\n', 1)[0]).sort() }).toEqual({ rel, encrypted: all.map(([name]) => name).sort() });
        encrypted += all.length;
        continue;
      }
      const theirs = bsdtarExtract(file);
      // 7z: every member's CRC-32 as 7-Zip's listing gives it (the one reference for the zstd coder, which Debian's bsdtar lacks).
      if (ours!.format === '7z') {
        const listed = sevenZipListedCrcs(`${file}.expected.7zz-slt.txt`);
        for (const [name, got] of ours!.loaded) if (got.ok && listed.get(name)) expect({ rel, name, crc: (crc32(got.data) >>> 0).toString(16).toUpperCase().padStart(8, '0') }).toEqual({ rel, name, crc: listed.get(name) });
      }
      // A compressed stream without a tar: bsdtar extracts nothing; bsdcat gives the content.
      if (theirs.files.size === 0 && STREAM_FORMATS.has(ours!.format)) {
        const [only] = [...ours!.loaded.entries()];
        theirs.files.set(only![0], sha(execFileSync('bsdcat', [file], { maxBuffer: 64 << 20 })));
      }
      for (const [name, digest] of theirs.files) {
        const got = ours!.loaded.get(name);
        const known = KNOWN[`${rel}:${name}`];
        if (known) {
          known(got, file);
          continue;
        }
        if (got && !got.ok && got.why === 'encrypted') {
          // bsdtar cannot decrypt without the password either: it fails and leaves the file empty or partial.
          expect(theirs.status).not.toBe(0);
          encrypted++;
          continue;
        }
        expect({ rel, name, ok: got?.ok, damaged: got?.ok ? got.damaged : undefined }).toEqual({ rel, name, ok: true, damaged: undefined });
        if (got?.ok) expect({ rel, name, sha: sha(got.data) }).toEqual({ rel, name, sha: digest });
        compared++;
      }
      // Nothing more than bsdtar extracts, but the members it leaves out for a reason of its own.
      for (const name of ours!.loaded.keys()) if (!theirs.files.has(name) && !KNOWN[`${rel}:${name}`]) expect({ rel, name, extra: true, ours: ours!.loaded.get(name)!.ok }).toEqual({ rel, name, extra: true, ours: false });
    }
    // RAR: stored members (RAR 4 and 5), test.jpg (RAR 2.9 LZ) and test.bin (RAR 5) among them; a RAR's symbolic link is no member.
    expect({ compared, encrypted }).toEqual({ compared: 95, encrypted: 14 });
  });

  test.each(['libarchive/test_compat_tar_hardlink_1.tar'])('%s: a hard link carries no bytes of its own (bsdtar makes a second file of the first one\'s)', (rel) => {
    if (!corpusAvailable()) return;
    const ours = loadAll(readFileSync(corpusPath('archives', rel)), 'x.tar')!;
    expect([...ours.loaded.keys()]).toEqual(['xmcd-3.3.2/docs_d/READMf']);
  });

  testIf(toolAvailable('7zz'), toolMissing('7zz'))('7z of x86 programs with 7-Zip\'s filters for them (BCJ then LZMA2 by default; BCJ2 over LZMA2 and two LZMA streams at -mx9) give the programs back byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-7z-'));
    try {
      // The machine's own programs: thousands of CALL/JMP/Jcc instructions for the filters to turn back.
      for (const program of ['/bin/ls', '/usr/bin/7zz']) {
        const bytes = readFileSync(program);
        writeFileSync(path.join(dir, 'tool.exe'), bytes);
        for (const [level, method] of [['-mx5', /Method = BCJ LZMA2/], ['-mx9', /Method = BCJ2 LZMA2:\S+ LZMA:\S+ LZMA:/]] as const) {
          const archive = path.join(dir, `tool${level}.7z`);
          rmSync(archive, { force: true });
          execFileSync('7zz', ['a', '-t7z', level, archive, path.join(dir, 'tool.exe')], { stdio: 'pipe' });
          expect(execFileSync('7zz', ['l', '-slt', archive], { encoding: 'utf8' })).toMatch(method);
          const got = loadAll(readFileSync(archive), 'tool.7z')!.loaded.get('tool.exe');
          expect({ program, level, damaged: got?.ok ? got.damaged : got }).toEqual({ program, level, damaged: undefined });
          expect({ program, level, same: got?.ok && got.data.equals(bytes) }).toEqual({ program, level, same: true });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  testIf(toolAvailable('7zz') && toolAvailable('unzip'), toolMissing('7zz or unzip'))('Deflate64 (ZIP method 9, 7z coder), 7z Deflate and BZip2 blocks: what 7-Zip wrote comes back byte for byte, as unzip and 7-Zip extract it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-d64-'));
    try {
      const random = prng(64);
      const block = Buffer.from(Array.from({ length: 40_000 }, () => Math.floor(random() * 256)));
      const files: Record<string, Buffer> = {
        // Lines: the usual codes; a run of zeros: length code 285 with its 16 extra bits; a random block
        // three times over: matches 40,000 bytes back (distance codes 30 and 31, past deflate's 32 KiB).
        'report.txt': Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i} the staging folder holds ${'x'.repeat(i % 70)}\n`).join('')),
        'runs.bin': Buffer.concat([Buffer.alloc(300_000), block, block, block]),
      };
      for (const [name, data] of Object.entries(files)) writeFileSync(path.join(dir, name), data);
      const cases: Array<[string, string[], RegExp]> = [
        ['d64.zip', ['-tzip', '-mm=Deflate64'], /Method = Deflate64/],
        ['d64.7z', ['-t7z', '-m0=Deflate64'], /Method = Deflate64/],
        ['deflate.7z', ['-t7z', '-m0=Deflate'], /Method = Deflate\n/],
        ['bzip2.7z', ['-t7z', '-m0=BZip2'], /Method = BZip2/],
      ];
      for (const [archive, args, method] of cases) {
        execFileSync('7zz', ['a', '-bd', ...args, archive, 'report.txt', 'runs.bin'], { cwd: dir, stdio: 'pipe' });
        expect({ archive, listed: method.test(execFileSync('7zz', ['l', '-slt', archive], { cwd: dir, encoding: 'utf8' })) }).toEqual({ archive, listed: true });
        const ours = loadAll(readFileSync(path.join(dir, archive)), archive)!;
        for (const [name, data] of Object.entries(files)) {
          const got = ours.loaded.get(name);
          expect({ archive, name, damaged: got?.ok ? got.damaged : got, same: got?.ok && got.data.equals(data) }).toEqual({ archive, name, damaged: undefined, same: true });
        }
      }
      // The reference extractors agree with what was archived (unzip reads method 9 too).
      const out = path.join(dir, 'unzipped');
      execFileSync('unzip', ['-q', '-d', out, path.join(dir, 'd64.zip')]);
      for (const [name, data] of Object.entries(files)) expect(sha(readFileSync(path.join(out, name)))).toBe(sha(data));
      // A damaged Deflate64 stream gives what decoded before the damage, said damaged, no throw.
      const zip = readFileSync(path.join(dir, 'd64.zip'));
      const cut = loadAll(zip.subarray(0, Math.floor(zip.length / 3)), 'cut.zip');
      for (const r of cut?.loaded.values() ?? []) expect(r.ok ? r.damaged : r.why).toBeTruthy();
      // Flipped bytes in the Deflate64 data: a member comes back whole, or said damaged; never a throw.
      for (let round = 0; round < 60; round++) {
        const copy = Buffer.from(zip);
        for (let k = 0; k < 1 + (round % 5); k++) copy[100 + Math.floor(random() * (copy.length / 2))] = Math.floor(random() * 256);
        for (const [name, r] of loadAll(copy, 'flipped.zip')?.loaded ?? []) if (r.ok && !r.damaged) expect({ name, same: r.data.equals(files[name]!) }).toEqual({ name, same: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Deflate64\'s length code 285 (3 plus 16 extra bits), which 7-Zip\'s encoder does not write: a fixed-code block made bit by bit', () => {
    // Bits least significant first; Huffman codes most significant bit first (RFC 1951, 3.1.1).
    const bits: number[] = [];
    const put = (value: number, n: number) => { for (let i = 0; i < n; i++) bits.push((value >> i) & 1); };
    const code = (value: number, n: number) => { for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1); };
    put(1, 1); // BFINAL
    put(1, 2); // fixed codes
    code(0x30 + 0x61, 8); // literal 'a'
    code(0xc0 + (285 - 280), 8); // length code 285
    put(65_000 - 3, 16); // length 65,000: past deflate's 258 (at most 3 + 65,535)
    code(0, 5); // distance code 0: one byte back
    code(0, 7); // end of block
    const stream = Buffer.alloc(Math.ceil(bits.length / 8));
    bits.forEach((bit, i) => { stream[i >> 3]! |= bit << (i & 7); });
    const out = inflate64(stream, 1 << 20);
    expect({ error: out.error, length: out.data.length, all: out.data.every((c) => c === 0x61) }).toEqual({ error: null, length: 65_001, all: true });
    // The same with an output bound below it: cut, not grown past the bound.
    expect(inflate64(stream, 1000)).toMatchObject({ cut: true });
  });

  test('Unix compress (.Z): the corpus\'s fixture.tar.Z is one member, its bytes as gzip -dc gives them (not a tar, whatever its name)', () => {
    if (!corpusAvailable()) return;
    const file = corpusPath('archives', 'file-type', 'fixture.tar.Z');
    const got = loadAll(readFileSync(file), 'fixture.tar.Z');
    expect(got?.format).toBe('compress');
    const only = got!.loaded.get('fixture.tar');
    expect(only?.ok && only.data).toEqual(spawnSync('gzip', ['-dc', file]).stdout);
  });
});

const STREAM_FORMATS = new Set(['gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'lzip', 'lzma']);

/** path -> CRC-32 (upper-case hex) from a `7zz l -slt` listing (the corpus's expectation). */
function sevenZipListedCrcs(listing: string): Map<string, string> {
  const crcs = new Map<string, string>();
  for (const block of readFileSync(listing, 'utf8').split('\nPath = ').slice(2)) {
    const crc = /\nCRC = ([0-9A-F]{8})/.exec(block);
    if (crc) crcs.set(block.split('\n', 1)[0]!, crc[1]!);
  }
  return crcs;
}

/** Members where bsdtar's result is not the reference, each with what holds instead. */
const KNOWN: Record<string, (got: MemberBytes | undefined, file: string) => void> = {
  // A bad CRC on purpose: bsdtar writes zeros, 7-Zip and unzip write the data; the member is given and said damaged.
  'libarchive/test_read_format_zip.zip:file2': (got, file) => {
    expect(got?.ok && got.damaged).toMatch(/^CRC-32 3d66373a where the header says 78787878$/);
    // 7-Zip exits 2 (CRC Failed) having written the data.
    const sevenZip = spawnSync('7zz', ['x', '-so', file, 'file2']);
    expect(sevenZip.status).toBe(2);
    expect(got?.ok && got.data).toEqual(sevenZip.stdout);
  },
  // A tar cut inside its member: bsdtar sizes the file to its header (zeros after the cut); the bytes there are given, said damaged.
  'file-type/fixture-pax.tar:linux-6.7.12/.clang-format': (got, file) => {
    // The file ends where the member's data would start (2,048 bytes: pax header, its records, the member's header).
    expect(got?.ok && got.damaged).toBe('the tar ends 20561 bytes before its end');
    expect(got?.ok && got.data.length).toBe(0);
    expect(readFileSync(file).length).toBe(2048);
  },
  // Method 0x0e0e claimed by a mangled header: neither tool decompresses it.
  'libarchive/test_read_format_zip_malformed1.zip:0000': (got) => expect(got).toMatchObject({ ok: false, why: 'method' }),
  // Debian's libarchive 3.6.2 has no zstd coder for 7z (it fails, leaving an empty file); the data is checked by 7-Zip's listed CRC above.
  'libarchive/test_read_format_7zip_zstd.7z:dir1/file1': (got) => expect(got?.ok && got.data.toString()).toBe('aaaaaaaaaaaa\n'),
  'libarchive/test_read_format_7zip_zstd.7z:file2': (got) => expect(got?.ok && got.data.length).toBe(26),
  'libarchive/test_read_format_7zip_zstd.7z:file3': (got) => expect(got?.ok && got.data.length).toBe(39),
  'libarchive/test_read_format_7zip_zstd.7z:file4': (got) => expect(got?.ok && got.data.length).toBe(52),
  // The hard link: see its own test.
  'libarchive/test_compat_tar_hardlink_1.tar:xmcd-3.3.2/README': (got) => expect(got).toBeUndefined(),
};

describe('hostile archives stay within their bounds', () => {
  const bounds: MemberBounds = { maxMembers: 50, maxMemberBytes: 1 << 20, maxTotalBytes: 4 << 20, packages: false };

  test('a gzip bomb stops at the archive budget: its one member is too large, nothing held past the bound', () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    const listing = membersOf(bomb, 'zeros.gz', bounds)!;
    expect(listing.members).toHaveLength(1);
    expect(listing.members[0]!.load()).toMatchObject({ ok: false, why: 'too-large' });
  });

  test('a tar.gz bomb: members within the decompressed budget are given, the rest are past the budget', () => {
    const tar = tarOf(Array.from({ length: 10 }, (_, i) => [`f${i}.txt`, Buffer.alloc(900 * 1024, 0x41)] as [string, Buffer]));
    const listing = membersOf(gzipSync(tar), 'bomb.tgz', bounds)!;
    expect(listing.format).toBe('tar.gzip');
    const results = listing.members.map((m) => m.load());
    // 4 MiB decompressed: the first members (900 KiB each, with their headers) are whole.
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(3);
    expect(results.filter((r) => r.ok).length).toBeLessThanOrEqual(4);
    expect(results.filter((r) => !r.ok && r.why === 'budget').length).toBeGreaterThanOrEqual(1);
  });

  test('a ZIP whose headers lie: a huge declared size is too large; a deflate stream past its size is cut at the bound; the count is bounded', () => {
    const members: Array<[string, Buffer, number?]> = [['ok.txt', Buffer.from('hello')], ['huge.txt', Buffer.from('x'), 0xfffffff0]];
    for (let i = 0; i < 60; i++) members.push([`m${i}.txt`, Buffer.from(`member ${i}`)]);
    const listing = membersOf(zipOf(members), 'lies.zip', bounds)!;
    expect(listing.members).toHaveLength(50);
    expect(listing.beyond).toBe(12);
    expect(listing.members[0]!.load()).toMatchObject({ ok: true });
    expect(listing.members[1]!.load()).toMatchObject({ ok: false, why: 'too-large' });
    // A deflated member that inflates to more than the member bound (while its header says 10 bytes).
    const bomb = zipOf([['b.bin', Buffer.alloc(8 << 20), 10]]);
    expect(membersOf(bomb, 'b.zip', bounds)!.members[0]!.load()).toMatchObject({ ok: false, why: 'too-large' });
  });

  test('a package is not opened unless asked: its type is said', () => {
    const docx = zipOf([['[Content_Types].xml', Buffer.from('<Types/>')], ['word/document.xml', Buffer.from('<w:document/>')]]);
    expect(membersOf(docx, 'a.docx', bounds)).toMatchObject({ package: 'ooxml', members: [] });
    expect(membersOf(docx, 'a.docx', { ...bounds, packages: true })!.members.map((m) => m.path)).toEqual(['[Content_Types].xml', 'word/document.xml']);
  });

  test('a 7z folder whose header lies: coders bound in a loop, sizes past the budget, a packed stream past the end, an unknown coder, a PPMd model past its bound', () => {
    const lzma2 = { id: '21', numInStreams: 1, numOutStreams: 1, props: Buffer.from([0x10]) };
    const bcj = { id: '03030103', numInStreams: 1, numOutStreams: 1, props: Buffer.alloc(0) };
    const bytes = Buffer.alloc(64);
    // Each coder's input is the other's output: no packed stream is ever reached.
    const loop = { coders: [bcj, { ...bcj }], bindPairs: [{ inIndex: 0, outIndex: 1 }, { inIndex: 1, outIndex: 0 }], packedStreams: [], unpackSizes: [10, 10], unpackCrc: null };
    expect(decodeSevenZipFolder(bytes, loop, [], 1 << 20)).toMatchObject({ ok: false, why: 'damaged', detail: 'its coders are bound in a loop' });
    const big = { coders: [lzma2], bindPairs: [], packedStreams: [0], unpackSizes: [2 ** 40], unpackCrc: null };
    expect(decodeSevenZipFolder(bytes, big, [{ at: 0, size: 64 }], 1 << 20)).toMatchObject({ ok: false, why: 'budget' });
    const past = { ...big, unpackSizes: [100] };
    expect(decodeSevenZipFolder(bytes, past, [{ at: 32, size: 1000 }], 1 << 20)).toMatchObject({ ok: false, why: 'damaged', detail: 'its packed block runs past the end of the file' });
    const arm64 = { ...past, coders: [{ ...lzma2, id: '0a' }] };
    expect(decodeSevenZipFolder(bytes, arm64, [{ at: 0, size: 64 }], 1 << 20)).toMatchObject({ ok: false, why: 'method', detail: expect.stringMatching(/ARM64/) });
    // PPMd: a model larger than the bound is a budget; properties it cannot take are damage, said.
    const ppmdProps = (memory: number): Buffer => Buffer.concat([Buffer.from([6]), Buffer.from(Uint32Array.of(memory).buffer)]);
    const hugeModel = { ...past, coders: [{ ...lzma2, id: '030401', props: ppmdProps(0xf0000000) }] };
    expect(decodeSevenZipFolder(bytes, hugeModel, [{ at: 0, size: 64 }], 1 << 20)).toMatchObject({ ok: false, why: 'budget', detail: 'its PPMd model asks 4026531840 bytes of memory, past the 268435456 allowed' });
    const shortProps = { ...past, coders: [{ ...lzma2, id: '030401' }] };
    expect(decodeSevenZipFolder(bytes, shortProps, [{ at: 0, size: 64 }], 1 << 20)).toMatchObject({ ok: true, damaged: 'PPMd properties are shorter than 5 bytes' });
  });

  test('random damage to real archives never throws and never exceeds the bounds (2,000 mutations)', () => {
    const seeds = [gzipSync(tarOf([['a.txt', Buffer.from('alpha')], ['b.txt', Buffer.alloc(5000, 0x62)]])), zipOf([['a.txt', Buffer.from('alpha'.repeat(100))], ['b.txt', Buffer.from('beta')]]), tarOf([['c.txt', Buffer.from('gamma')]])];
    const random = prng(20261207);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(seeds[i % seeds.length]!);
      for (let k = 0; k < 1 + Math.floor(random() * 8); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const listing = membersOf(bytes, ['x.tgz', 'x.zip', 'x.tar'][i % 3]!, bounds);
      if (!listing) continue;
      expect(listing.members.length).toBeLessThanOrEqual(bounds.maxMembers);
      for (const m of listing.members) {
        const r = m.load();
        if (r.ok) expect(r.data.length).toBeLessThanOrEqual(bounds.maxMemberBytes);
      }
    }
  });
});
