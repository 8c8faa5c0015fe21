/**
 * Carving an ext4 volume's free blocks (`scan --carve`, src/artifacts/carve/carve.ts over
 * `ExtFs.freeSpace`): a Linux host's staged archives in /tmp deleted with debugfs `rm` (blocks freed
 * in the group bitmaps, the inode released), checked against The Sleuth Kit: the blocks carved are
 * those where `sigfind` finds the signatures and `blkstat` says "Not Allocated", and a carve whose end
 * is known is the archive as written. A deleted single compressed log gives nothing; a live archive is
 * never carved.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExtFs } from '../../src/evidence/image/fs/ext.js';
import { carveArchives, type CarveResult } from '../../src/artifacts/carve/carve.js';
import { fileSource } from '../ntfs/helpers.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { BIN, runCli } from '../helpers/cli.js';
import { existsSync } from 'node:fs';

const TOOLS = ['mke2fs', 'debugfs', 'tar', '7zz', 'sigfind', 'blkstat', 'blkcat'];
const built = existsSync(BIN) && existsSync(path.join(process.cwd(), 'dist', 'artifacts', 'carve', 'carve.js'));

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeIf(TOOLS.every((t) => toolAvailable(t)) && built, built ? `tools ${TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('carving an ext4 volume\'s free blocks', () => {
  let dir: string;
  let image: string;
  let carved: CarveResult;
  const files: Record<string, { bytes: Buffer; blocks: number[] }> = {};
  const deleted = ['tmp/.cache/stage.tar.gz', 'tmp/backup.tar', 'tmp/loot.7z', 'var/log/syslog.2.gz'];

  beforeAll(async () => {
    dir = path.join(os.tmpdir(), `stagehunt-carve-ext-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const src = path.join(dir, 'src');
    const docs = path.join(dir, 'docs');
    for (const d of ['tmp/.cache', 'var/log', 'home/alice']) mkdirSync(path.join(src, d), { recursive: true });
    mkdirSync(path.join(docs, 'etc'), { recursive: true });
    const body = (seed: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `row ${i} of ${seed}: ${(i * 7919 + seed) % 1000}\n`).join(''));
    for (const [n, seed] of [['payroll-2024.xlsx', 1], ['customers.csv', 2], ['strategy.pdf', 3]] as const) writeFileSync(path.join(docs, n), body(seed, 3000));
    writeFileSync(path.join(docs, 'etc', 'shadow'), 'root:$6$saltsalt$hash:19000:0:99999:7:::\n');
    const tar = (out: string, names: string[]) => execFileSync('tar', ['--mtime=2024-05-01 02:00Z', '--owner=0', '--group=0', '--format=ustar', '-cf', out, '-C', docs, ...names]);
    tar(path.join(dir, 'stage.tar'), ['payroll-2024.xlsx', 'customers.csv', 'strategy.pdf']);
    writeFileSync(path.join(src, 'tmp/.cache/stage.tar.gz'), gzipSync(readFileSync(path.join(dir, 'stage.tar'))));
    tar(path.join(src, 'tmp/backup.tar'), ['etc/shadow', 'customers.csv']);
    execFileSync('7zz', ['a', '-bso0', '-bsp0', '-mhe=on', '-pS3cret!', path.join(src, 'tmp/loot.7z'), 'strategy.pdf'], { cwd: docs });
    writeFileSync(path.join(src, 'var/log/syslog.2.gz'), gzipSync(body(9, 2000)));
    writeFileSync(path.join(src, 'home/alice/keep.tar.gz'), gzipSync(readFileSync(path.join(dir, 'stage.tar'))));
    image = path.join(dir, 'ext4.img');
    execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-L', 'CARVE', '-d', src, image, '16M']);
    const debugfs = (cmd: string, write = false) => execFileSync('debugfs', [...(write ? ['-w'] : []), '-R', cmd, image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const f of [...deleted, 'home/alice/keep.tar.gz']) files[f] = { bytes: readFileSync(path.join(src, f)), blocks: debugfs(`blocks /${f}`).trim().split(/\s+/).map(Number) };
    for (const f of deleted) debugfs(`rm /${f}`, true);
    carved = await carveArchives(new ExtFs(fileSource(image), 'ext4').freeSpace(), { volumeRel: '' });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const firstOf = (c: { details?: Record<string, unknown> }) => (c.details?.carved as { first: number }).first;
  const blkstat = (block: number) => /^(Not )?Allocated$/m.exec(execFileSync('blkstat', [image, String(block)], { encoding: 'utf8' }))![0];
  // sigfind refuses `-o 0` ("Error converting offset value"): the offset only when there is one.
  const sigfind = (hex: string, offset = 0) => [...spawnSync('sigfind', ['-b', '4096', ...(offset ? ['-o', String(offset)] : []), hex, image], { encoding: 'utf8' }).stdout.matchAll(/^Block: (\d+) /gm)].map((m) => Number(m[1]));

  test('the blocks carved are where sigfind finds the signatures and blkstat says the block is free', () => {
    const free = (hits: number[]) => hits.filter((b) => blkstat(b) === 'Not Allocated');
    const gzip = free(sigfind('1F8B0800'));
    const tarHits = free(sigfind('75737461', 257));
    const sevenZip = free(sigfind('377ABCAF'));
    expect(gzip.sort((a, b) => a - b)).toEqual([files['tmp/.cache/stage.tar.gz']!.blocks[0], files['var/log/syslog.2.gz']!.blocks[0]].sort((a, b) => a - b));
    expect(tarHits).toEqual([files['tmp/backup.tar']!.blocks[0]]);
    expect(sevenZip).toEqual([files['tmp/loot.7z']!.blocks[0]]);
    // The live archive's gzip header is found by sigfind in an allocated block: never carved.
    expect(blkstat(files['home/alice/keep.tar.gz']!.blocks[0]!)).toBe('Allocated');
    expect(carved.stats.headers).toBe(gzip.length + tarHits.length + sevenZip.length);
    // The rotated log is a single compressed file: left out.
    expect(carved.stats).toMatchObject({ carved: 3, leftOut: 1, unreadable: 0 });
    expect(carved.candidates.map(firstOf).sort((a, b) => a - b)).toEqual([files['tmp/.cache/stage.tar.gz']!.blocks[0], files['tmp/backup.tar']!.blocks[0], files['tmp/loot.7z']!.blocks[0]].sort((a, b) => a! - b!));
    expect(carved.candidates.every((c) => c.path === `$Unalloc/block-${firstOf(c)}`)).toBe(true);
  });

  test('what the carves hold: the tar in the gzip listed, the 7z whole (blkcat\'s bytes, same SHA-256)', () => {
    const at = (f: string) => carved.candidates.find((c) => firstOf(c) === files[f]!.blocks[0])!;
    expect((at('tmp/.cache/stage.tar.gz').details!.carved as { names: string[] }).names).toEqual(['payroll-2024.xlsx', 'customers.csv', 'strategy.pdf']);
    expect((at('tmp/backup.tar').details!.carved as { names: string[] }).names).toEqual(['etc/shadow', 'customers.csv']);
    const loot = files['tmp/loot.7z']!;
    const d = at('tmp/loot.7z').details!.carved as { bytes: number; end: string };
    expect(d.end).toMatch(/start header/);
    expect(d.bytes).toBe(loot.bytes.length);
    expect(sha256(execFileSync('blkcat', [image, String(loot.blocks[0]), String(loot.blocks.length)]).subarray(0, d.bytes))).toBe(sha256(loot.bytes));
    expect(at('tmp/loot.7z').hits.map((h) => h.rule)).toContain('archive-headers-encrypted');
    expect(at('tmp/backup.tar').hits.map((h) => h.rule)).toContain('archive-sensitive-contents');
  });

  test('scan --carve of the ext4 image through the CLI', () => {
    const r = runCli(['scan', image, '--carve', '--format', 'json', '--quiet', '--min-level', 'info'], { timeoutMs: 120_000 });
    expect(r.status).toBe(0);
    const found = (JSON.parse(r.stdout) as { findings: Array<{ kind: string; level: string; details?: { carved?: { first: number; unit: string } } }> }).findings.filter((f) => f.kind === 'carved');
    const level = (f: string) => found.find((x) => x.details?.carved?.first === files[f]!.blocks[0])?.level;
    expect(found.every((f) => f.details?.carved?.unit === 'block')).toBe(true);
    expect(level('tmp/loot.7z')).toBe('high');
    expect(level('tmp/backup.tar')).toBe('high');
    expect(level('tmp/.cache/stage.tar.gz')).toBe('medium');
    expect(level('var/log/syslog.2.gz')).toBeUndefined();
  }, 120_000);
});
