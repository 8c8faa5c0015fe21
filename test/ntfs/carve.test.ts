/**
 * Carving archives from an NTFS volume's free clusters (`scan --carve`, src/artifacts/carve/carve.ts):
 * checked against The Sleuth Kit on a volume whose staged archives were deleted and their MFT
 * records wiped (test/ntfs/carve-image.ts). sigfind finds the same signatures at the same block
 * starts and blkstat says which of those blocks are free; blkcat's bytes of a carve are the archive
 * as it was written (same SHA-256), and 7-Zip lists the same names from them. Damaged and hostile
 * free space (planted headers, lying end records, a $Bitmap with every cluster free) is read to its
 * end without a crash.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { carveArchives, type CarveResult } from '../../src/artifacts/carve/carve.js';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { corpusAvailable, describeIf, toolAvailable } from '../helpers/corpus.js';
import { prng } from '../helpers/random.js';
import { fileSource, workDir } from './helpers.js';
import { setClusterBits } from './staged-image.js';
import { buildCarveImage, CARVE_TOOLS, type CarveImage } from './carve-image.js';

const TOOLS = [...CARVE_TOOLS, 'sigfind', 'blkstat', 'blkcat'];
const built = existsSync(BIN) && existsSync(path.join(process.cwd(), 'dist', 'artifacts', 'carve', 'carve.js'));
const ready = TOOLS.every((t) => toolAvailable(t)) && corpusAvailable() && built;

interface F {
  kind: string;
  path: string;
  level: string;
  score: number;
  reasons: Array<{ rule: string; message: string }>;
  details?: { carved?: { first: number; bytes: number; end: string; names?: string[]; hashes?: Record<string, string>; deletedRecord?: { entry: number; path: string } } };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeIf(ready, !built ? 'dist/ not built (npm run build)' : `tools ${TOOLS.join(', ')} and the corpus not all available`)('carving archives from free clusters', () => {
  let dir: string;
  let img: CarveImage;
  let carved: CarveResult;
  const told: Array<[number, number]> = [];
  beforeAll(async () => {
    dir = path.join(workDir(), 'carve');
    rmSync(dir, { recursive: true, force: true });
    img = buildCarveImage(dir);
    const fs = new NtfsFs(fileSource(img.image), 'carve');
    carved = await carveArchives(fs.freeSpace(), { volumeRel: '', onProgress: (read, total) => told.push([read, total]) });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const blkstat = (cluster: number): string => /^(Not )?Allocated$/m.exec(execFileSync('blkstat', [img.image, String(cluster)], { encoding: 'utf8' }))![0];
  /** sigfind's blocks with `hex` at their start (its last read past the image's end is an error on stderr, not a hit). */
  const sigfind = (hex: string): number[] => {
    const out = spawnSync('sigfind', ['-b', String(img.clusterSize), hex, img.image], { encoding: 'utf8' }).stdout;
    return [...out.matchAll(/^Block: (\d+) /gm)].map((m) => Number(m[1]));
  };
  const clusterOf = (c: { details?: Record<string, unknown> }) => (c.details?.carved as { first: number }).first;

  test('the headers read are the signatures sigfind finds at block starts that blkstat says are free', () => {
    const free = (hex: string) => sigfind(hex).filter((b) => blkstat(b) === 'Not Allocated');
    const sevenZip = free('377ABCAF');
    const zip = free('504B0304');
    const rar = free('52617221');
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const benign = (ext: RegExp) => img.benign.filter((f) => ext.test(f.name)).map((f) => f.cluster);
    expect(sevenZip).toEqual(sorted([img.wiped['collect.7z'].cluster, img.wiped['docs.7z'].cluster, img.freed.cluster, ...benign(/\.7z$/)]));
    expect(zip).toEqual(sorted([img.wiped['loot.zip'].cluster, img.wiped['report.docx'].cluster, ...benign(/\.(zip|jar)$/)]));
    expect(rar).toEqual([img.wiped['encrypted.rar'].cluster]);
    // The live archive's signature is found by sigfind too, in an allocated block: never carved.
    expect(sigfind('377ABCAF')).toContain(img.live.cluster);
    expect(blkstat(img.live.cluster)).toBe('Allocated');
    expect(carved.stats.headers).toBe(sevenZip.length + zip.length + rar.length);
    // Every one read as an archive; the two packages (Word, Java) are left out, the rest reported.
    const packages = [img.wiped['report.docx'].cluster, ...benign(/\.jar$/)];
    expect(carved.stats).toMatchObject({ carved: sevenZip.length + zip.length + rar.length - 2, leftOut: 2, unreadable: 0 });
    expect(carved.candidates.map(clusterOf).sort((a, b) => a - b)).toEqual(sorted([...sevenZip, ...zip, ...rar].filter((c) => !packages.includes(c))));
    expect(carved.candidates.every((c) => c.kind === 'carved' && c.path === `$Unalloc/cluster-${clusterOf(c)}`)).toBe(true);
    expect(carved.stats.freeUnits).toBeGreaterThan(0);
    expect(carved.warnings).toEqual([]);
    // Progress: the free space read grows to its total, told before the carve starts reading.
    const total = carved.stats.freeUnits * img.clusterSize;
    expect(told.length).toBeGreaterThan(0);
    expect(told.every(([, t]) => t === total)).toBe(true);
    expect(told.every(([r], i) => i === 0 || r >= told[i - 1]![0])).toBe(true);
    expect(told[told.length - 1]![0]).toBe(total);
  });

  test('where the end is known (7z start header, ZIP end record) the carve is the archive as written: blkcat\'s bytes, same SHA-256', () => {
    for (const f of [img.wiped['collect.7z'], img.wiped['docs.7z'], img.wiped['loot.zip'], img.freed]) {
      const c = carved.candidates.find((x) => clusterOf(x) === f.cluster)!;
      const d = c.details!.carved as { bytes: number; end: string };
      expect([f.name, d.bytes]).toEqual([f.name, f.bytes.length]);
      expect(d.end).toMatch(/^its end \((start header|end record)\) in the same free run$/);
      const blocks = execFileSync('blkcat', [img.image, String(f.cluster), String(Math.ceil(f.bytes.length / img.clusterSize))]).subarray(0, d.bytes);
      expect(sha256(blocks)).toBe(sha256(f.bytes));
    }
    // A RAR's end is not in its first header: carved to the next header, and the parser still reads it.
    const rar = carved.candidates.find((x) => clusterOf(x) === img.wiped['encrypted.rar'].cluster)!;
    expect((rar.details!.carved as { end: string }).end).toMatch(/not known/);
  });

  test('7-Zip lists the same names from blkcat\'s bytes; an encrypted-header 7z it cannot open without the password', () => {
    for (const f of [img.wiped['docs.7z'], img.wiped['loot.zip']]) {
      const file = path.join(dir, `blkcat-${f.cluster}`);
      writeFileSync(file, execFileSync('blkcat', [img.image, String(f.cluster), String(Math.ceil(f.bytes.length / img.clusterSize))]).subarray(0, f.bytes.length));
      const listed = [...execFileSync('7zz', ['l', '-slt', file], { encoding: 'utf8' }).matchAll(/^Path = (.+)$/gm)].map((m) => m[1]!).filter((n) => n !== file);
      const ours = (carved.candidates.find((x) => clusterOf(x) === f.cluster)!.details!.carved as { names: string[] }).names;
      expect([f.name, [...ours].sort()]).toEqual([f.name, [...listed].sort()]);
    }
    const enc = path.join(dir, 'blkcat-enc');
    writeFileSync(enc, execFileSync('blkcat', [img.image, String(img.wiped['collect.7z'].cluster), '2']));
    const r = spawnSync('7zz', ['l', '-p', enc], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    const c = carved.candidates.find((x) => clusterOf(x) === img.wiped['collect.7z'].cluster)!;
    expect(c.hits.map((h) => h.rule).sort()).toEqual(['archive-carved-from-free-space', 'archive-headers-encrypted']);
  });

  test('a carve whose deleted record still names it says so; one the trace stage reports already is not carved again', async () => {
    const holiday = carved.candidates.find((x) => clusterOf(x) === img.freed.cluster)!;
    expect((holiday.details!.carved as { deletedRecord: { entry: number; path: string } }).deletedRecord).toMatchObject({ entry: img.freed.entry, path: '/holiday.jpg' });
    expect(holiday.hits.find((h) => h.rule === 'archive-carved-from-free-space')!.message).toMatch(/deleted MFT record \d+ \(\/holiday\.jpg\) still does/);
    const wiped = carved.candidates.find((x) => clusterOf(x) === img.wiped['loot.zip'].cluster)!;
    expect(wiped.hits.find((h) => h.rule === 'archive-carved-from-free-space')!.message).toMatch(/no file or MFT record names it/);
    const fs = new NtfsFs(fileSource(img.image), 'carve');
    const again = await carveArchives(fs.freeSpace(), { volumeRel: '', reported: new Set([img.freed.entry]) });
    expect(again.candidates.map(clusterOf)).not.toContain(img.freed.cluster);
    expect(again.candidates).toHaveLength(carved.candidates.length - 1);
  });

  test('scan --carve through the CLI: the carved archives judged by what they hold; without --carve, none; --hash hashes the known ends', () => {
    const scan = (args: string[]) => {
      const r = runCli(['scan', img.image, '--format', 'json', '--quiet', '--min-level', 'info', ...args], { timeoutMs: 120_000 });
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as { findings: F[]; meta: { options: Record<string, unknown> }; episodes?: Array<{ narrative: string }> };
    };
    expect(scan([]).findings.filter((f) => f.kind === 'carved')).toEqual([]);
    const report = scan(['--carve']);
    expect(report.meta.options.carve).toBe(true);
    // The story tells a carve by what it was and where its content still is, not as an archive written to `$Unalloc`.
    const story = (report.episodes ?? []).map((e) => e.narrative).join('\n');
    expect(story).toMatch(/a deleted archive \(7z, headers encrypted, 7z-aes\), its content still in free space at cluster \d+/i);
    expect(story).not.toMatch(/written to \$Unalloc/);
    // Untimed, the carves are told strongest first: the headline is the encrypted one, not the low 7z in a deleted .jpg.
    const episode = (report.episodes ?? [])[0]!.narrative;
    expect(episode.indexOf('headers encrypted')).toBeGreaterThanOrEqual(0);
    expect(episode.indexOf('headers encrypted')).toBeLessThan(episode.indexOf('(7z, 1 entries)'));
    const at = (f: { cluster: number }) => report.findings.find((x) => x.kind === 'carved' && x.details?.carved?.first === f.cluster);
    // Encrypted headers (strong) and a KeePass database: high; documents alone: medium; one PDF in a deleted "jpg": low.
    expect(at(img.wiped['collect.7z'])?.level).toBe('high');
    expect(at(img.wiped['encrypted.rar'])?.level).toBe('high');
    expect(at(img.wiped['loot.zip'])?.reasons.map((r) => r.rule)).toContain('archive-sensitive-contents');
    expect(at(img.wiped['docs.7z'])?.level).toBe('medium');
    expect(at(img.freed)?.level).toBe('low');
    expect(at(img.wiped['report.docx'])).toBeUndefined();
    expect(at(img.live)).toBeUndefined();
    // The lived-in background: program files, fonts, photos, source, logs below medium; the Java package not at all.
    const background = img.benign.map((f) => [f.name, at(f)?.level ?? 'none']);
    expect(background).toEqual(img.benign.map((f) => [f.name, f.name.endsWith('.jar') ? 'none' : expect.stringMatching(/^(low|info)$/)]));
    expect(at(img.wiped['loot.zip'])?.details?.carved?.hashes?.sha256).toBe(sha256(img.wiped['loot.zip'].bytes));
    expect(at(img.wiped['encrypted.rar'])?.details?.carved?.hashes).toBeUndefined();
    const unhashed = scan(['--carve', '--hash', 'none']);
    expect(unhashed.findings.filter((f) => f.kind === 'carved' && f.details?.carved?.hashes)).toEqual([]);
  }, 120_000);

  test('hostile free space: planted headers, lying end records and a $Bitmap marking every cluster free are read to the end without a crash', async () => {
    const bytes = readFileSync(img.image);
    const next = prng(0xca57);
    const rand = { int: (n: number) => Math.floor(next() * n) };
    const cs = img.clusterSize;
    const v = openNtfs(fileSource(img.image));
    // The volume's clusters as its boot sector counts them (total sectors at 0x28; mkntfs keeps the last one for the backup boot sector).
    const totalClusters = Math.floor((Number(bytes.readBigUInt64LE(0x28)) * bytes.readUInt16LE(0x0b)) / cs);
    // Every cluster free: the MFT, $Bitmap itself and every file are read as free space.
    setClusterBits(bytes, Array.from({ length: totalClusters }, (_, i) => i), false);
    const plant = (cluster: number, head: Buffer) => head.copy(bytes, cluster * cs);
    // A 7z start header with a valid CRC claiming an end far past the volume; one with a bad CRC.
    const start = Buffer.alloc(32);
    Buffer.from('377abcaf271c0004', 'hex').copy(start);
    start.writeBigUInt64LE(2n ** 52n, 12);
    start.writeBigUInt64LE(1000n, 20);
    const { crc32 } = await import('node:zlib');
    start.writeUInt32LE(crc32(start.subarray(12, 32)), 8);
    plant(4000, start);
    plant(4002, Buffer.from('377abcaf271c0004ffffffff', 'hex'));
    // ZIP local headers with end records whose offsets lead before the volume, to themselves, and to another header.
    for (let i = 0; i < 40; i++) {
      const c = 4100 + i * 3;
      plant(c, Buffer.from('504b0304140000000000', 'hex'));
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt32LE(rand.int(0xffffffff), 12);
      end.writeUInt32LE(i % 2 === 0 ? 0 : rand.int(0xffffffff), 16);
      end.writeUInt16LE(rand.int(0xffff), 20);
      end.copy(bytes, c * cs + 100 + rand.int(3000));
    }
    // RAR signatures followed by noise.
    for (let i = 0; i < 20; i++) {
      const c = 4300 + i;
      for (let j = 0; j < cs; j++) bytes[c * cs + j] = rand.int(256);
      plant(c, Buffer.from(i % 2 ? '526172211a0700' : '526172211a070100', 'hex'));
    }
    const file = path.join(dir, 'hostile.img');
    writeFileSync(file, bytes);
    const fs = new NtfsFs(fileSource(file), 'hostile');
    const result = await carveArchives(fs.freeSpace(), { volumeRel: '' });
    expect(result.stats.freeUnits).toBe(totalClusters);
    expect(result.stats.bytesRead).toBe(totalClusters * cs);
    expect(result.stats.headers).toBeGreaterThanOrEqual(64);
    expect(result.stats.carved + result.stats.leftOut + result.stats.unreadable).toBeLessThanOrEqual(result.stats.headers);
    // The wiped archives are still carved, the live one too now that $Bitmap calls its cluster free.
    const clusters = result.candidates.map(clusterOf);
    for (const f of [img.wiped['collect.7z'], img.wiped['loot.zip'], img.live]) expect(clusters).toContain(f.cluster);
    expect(v.clusterSize).toBe(cs);
  }, 120_000);
});
