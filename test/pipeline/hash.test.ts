import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Finding } from '../../src/model/finding.js';
import { hashFindings, parseAlgorithms, parseSize, type FileLocator } from '../../src/pipeline/hash.js';
import { hashSource } from '../../src/evidence/hash-source.js';
import { DirectoryFs } from '../../src/evidence/directory-fs.js';
import type { EvidenceFs, FsEntry } from '../../src/evidence/fs.js';
import { bufferSource } from '../../src/util/byte-source.js';

function f(id: string, p: string, level: Finding['level'], kind: Finding['kind'] = 'file'): Finding {
  return { id, root: 'img', path: p, kind, level, score: 50, reasons: [], hotspot: null, size: null, format: null, entropy: null, times: { modified: null, accessed: null, changed: null, born: null }, attack: [] };
}

describe('hashing the files behind findings', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sh-hash-'));
  mkdirSync(path.join(root, 'Temp'));
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // spans several read chunks
  writeFileSync(path.join(root, 'Temp', 'a.zip'), big);
  writeFileSync(path.join(root, 'Temp', 'b.log'), 'hello');
  writeFileSync(path.join(root, 'Temp', 'gone'), 'soon gone');
  writeFileSync(Buffer.concat([Buffer.from(`${root}/Temp/bad-`), Buffer.from([0xff]), Buffer.from('.7z')]), 'not utf-8');
  const old = new Date('2020-01-01T00:00:00Z');
  utimesSync(path.join(root, 'Temp', 'a.zip'), old, old);
  const audit = { preserved: 0, mayChange: 0 };
  const fs = new DirectoryFs(root, 'img', audit);
  // What the scan records while inspecting: the entry each file was read from.
  const entries = new Map<string, FsEntry>(fs.list(fs.lookup('/Temp')!).entries.map((e) => [e.path.slice(1), e]));
  entries.set('Temp', fs.lookup('/Temp')!);
  const locate: FileLocator = (r, rel) => (r === 'img' && entries.has(rel) ? { fs, entry: entries.get(rel)! } : null);

  it('streams SHA-256 (and MD5/SHA-1 on request) equal to a one-shot digest', () => {
    const src = fs.open(entries.get('Temp/a.zip')!);
    const r = hashSource(src, ['sha256', 'md5', 'sha1'], 1e12);
    src.close();
    expect(r.status).toBe('hashed');
    expect(r.hashes.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(r.hashes.md5).toBe(createHash('md5').update(big).digest('hex'));
    expect(r.hashes.sha1).toBe(createHash('sha1').update(big).digest('hex'));
    // Read-only evidence access: the access time is unchanged.
    expect(statSync(path.join(root, 'Temp', 'a.zip')).atimeMs).toBe(old.getTime());
  });

  it('records files over the cap as skipped, and unreadable ones as errors', async () => {
    const src = fs.open(entries.get('Temp/a.zip')!);
    expect(hashSource(src, ['sha256'], 1024)).toMatchObject({ status: 'skipped-size', hashes: {} });
    src.close();
    unlinkSync(path.join(root, 'Temp', 'gone'));
    const list = [f('1', 'Temp/gone', 'high'), f('2', 'Temp', 'high')];
    expect(await hashFindings(list, locate, { mode: 'all', algorithms: ['sha256'], maxSize: 1e12 })).toEqual([
      expect.objectContaining({ path: 'Temp', status: 'error', message: expect.stringMatching(/^ESPECIAL: .*not a regular file/) }),
      expect.objectContaining({ path: 'Temp/gone', status: 'error', message: expect.stringMatching(/^ENOENT/) }),
    ]);
  });

  it('--hash findings: medium and above, each file once; --hash all: every finding; directories never', async () => {
    const list = [f('1', 'Temp/a.zip', 'high'), f('2', 'Temp/a.zip', 'critical'), f('3', 'Temp/b.log', 'low'), f('4', 'Temp', 'high', 'directory')];
    const recs = await hashFindings(list, locate, { mode: 'findings', algorithms: ['sha256'], maxSize: 1e12 });
    expect(recs.map((r) => r.path)).toEqual(['Temp/a.zip']);
    expect(list[0]!.hashes?.sha256).toBe(list[1]!.hashes?.sha256);
    expect(list[2]!.hashes).toBeUndefined();
    const all = await hashFindings(list, locate, { mode: 'all', algorithms: ['md5'], maxSize: 1e12 });
    expect(all.map((r) => r.path)).toEqual(['Temp/a.zip', 'Temp/b.log']);
    expect(list[2]!.hashes?.md5).toBe(createHash('md5').update('hello').digest('hex'));
  });

  it('reopens by entry: a name that is not UTF-8 hashes too', async () => {
    const list = [f('1', 'Temp/bad-\\xff.7z', 'high')];
    expect((await hashFindings(list, locate, { mode: 'all', algorithms: ['sha256'], maxSize: 1e12 }))[0]).toMatchObject({ status: 'hashed', hashes: { sha256: createHash('sha256').update('not utf-8').digest('hex') } });
  });

  it('never hashes a file other than the one inspected (device and inode differ)', async () => {
    const b = entries.get('Temp/b.log')!;
    const other: FileLocator = () => ({ fs, entry: { ...b, id: `${b.id}0` } });
    const [r] = await hashFindings([f('1', 'Temp/b.log', 'high')], other, { mode: 'all', algorithms: ['sha256'], maxSize: 1e12 });
    expect(r).toMatchObject({ status: 'error', hashes: {} });
    expect(r!.message).toMatch(/^EIDENTITY: .*not the one listed/);
  });

  it('every size around the read chunk (empty, one byte, 1 MiB -1/0/+1) hashes as a one-shot digest, with each algorithm', () => {
    const MiB = 1024 * 1024;
    for (const n of [0, 1, 4100, MiB - 1, MiB, MiB + 1, 2 * MiB]) {
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = (i * 31 + 7) & 0xff;
      writeFileSync(path.join(root, 'sized.bin'), data);
      const fresh = new DirectoryFs(root, 'img', audit); // a listing of the root with this file in it
      const src = fresh.open(fresh.lookup('/sized.bin')!);
      const r = hashSource(src, ['md5', 'sha1', 'sha256'], 1e12);
      fresh.close();
      unlinkSync(path.join(root, 'sized.bin'));
      expect([n, r]).toEqual([n, { size: n, status: 'hashed', hashes: { md5: createHash('md5').update(data).digest('hex'), sha1: createHash('sha1').update(data).digest('hex'), sha256: createHash('sha256').update(data).digest('hex') } }]);
      // A source without readInto (an image's file) gives the same record.
      expect([n, hashSource(bufferSource(data), ['md5', 'sha1', 'sha256'], 1e12)]).toEqual([n, r]);
    }
  });

  it('a file smaller than a chunk is read once: the short read at its size is its end (no second read for 0)', () => {
    const data = Buffer.from('short evidence');
    let reads = 0;
    const file = bufferSource(data);
    const counted = { ...file, readInto: (buf: Buffer, pos: number) => (reads++, data.copy(buf, 0, pos)) };
    expect(hashSource(counted, ['sha256'], 1e12)).toEqual({ size: data.length, status: 'hashed', hashes: { sha256: createHash('sha256').update(data).digest('hex') } });
    expect(reads).toBe(1);
  });

  it('a file that grew or shrank since it was opened is hashed to its current end, with the sizes in a message', () => {
    const data = Buffer.from('0123456789');
    const seenAt = (size: number) => ({ ...bufferSource(data), size, readInto: (buf: Buffer, pos: number) => data.copy(buf, 0, pos) });
    const whole = createHash('sha256').update(data).digest('hex');
    expect(hashSource(seenAt(4), ['sha256'], 1e12)).toEqual({ size: 10, status: 'hashed', hashes: { sha256: whole }, message: 'file size changed while hashing (4 -> 10 bytes)' });
    expect(hashSource(seenAt(25), ['sha256'], 1e12)).toEqual({ size: 10, status: 'hashed', hashes: { sha256: whole }, message: 'file size changed while hashing (25 -> 10 bytes)' });
  });

  it('a file that keeps growing while it is hashed is read only up to the cap, and not hashed', () => {
    // A source that never reaches its end: every read fills the whole buffer (a file appended to faster than it is read).
    let reads = 0;
    const endless = { ...bufferSource(Buffer.alloc(0)), size: 2 * 1024 * 1024, readInto: (buf: Buffer) => (reads++, buf.fill(1), buf.length) };
    const cap = 5 * 1024 * 1024;
    expect(hashSource(endless, ['sha256'], cap)).toEqual({ size: 2 * 1024 * 1024, status: 'skipped-size', hashes: {}, message: `grew past the --hash-max-size cap of ${cap} bytes while being hashed (${2 * 1024 * 1024} bytes at open)` });
    // 1 MiB per read: the sixth passes the 5 MiB cap.
    expect(reads).toBe(6);
    // Growth that stays under the cap is hashed to its end, as before.
    let left = 3;
    const grows = { ...bufferSource(Buffer.alloc(0)), size: 1024 * 1024, readInto: (buf: Buffer) => (left-- > 0 ? (buf.fill(2), buf.length) : 0) };
    expect(hashSource(grows, ['sha256'], cap)).toMatchObject({ size: 3 * 1024 * 1024, status: 'hashed', message: 'file size changed while hashing (1048576 -> 3145728 bytes)' });
  });

  it('turns the event loop while it hashes a large file, so a signal handler runs before the file is done', async () => {
    const MiB = 1024 * 1024;
    const chunks = 8;
    let reads = 0;
    // Each 1 MiB read takes 20 ms: the file takes 160 ms, a turn is due every 50 ms.
    const slow = {
      ...bufferSource(Buffer.alloc(0)),
      size: chunks * MiB,
      readInto: (buf: Buffer) => {
        if (reads++ >= chunks) return 0;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
        return buf.fill(3).length;
      },
      close: () => undefined,
    };
    const slowFs = { open: () => slow } as unknown as EvidenceFs;
    let done = false;
    let timerBeforeDone: boolean | null = null;
    setTimeout(() => (timerBeforeDone = !done), 30);
    const [rec] = await hashFindings([f('1', 'Temp/slow.bin', 'high')], () => ({ fs: slowFs, entry: entries.get('Temp/b.log')! }), { mode: 'all', algorithms: ['sha256'], maxSize: 1e12 });
    done = true;
    expect(timerBeforeDone).toBe(true);
    expect(rec).toMatchObject({ path: 'Temp/slow.bin', size: chunks * MiB, status: 'hashed', hashes: { sha256: createHash('sha256').update(Buffer.alloc(chunks * MiB, 3)).digest('hex') } });
  });

  it('parses algorithm lists and sizes', () => {
    expect(parseAlgorithms(['md5,SHA-1', 'sha256'])).toEqual(['md5', 'sha1', 'sha256']);
    expect(parseAlgorithms([])).toEqual(['sha256']);
    expect(() => parseAlgorithms(['crc32'])).toThrow(/unknown hash algorithm/);
    expect(parseSize('4G')).toBe(4 * 1024 ** 3);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('1000')).toBe(1000);
    expect(parseSize('lots')).toBeNull();
  });
});
