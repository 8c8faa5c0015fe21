/**
 * NTFS images built here with mkntfs + ntfscp under faketime (no mount, ../shared/corpus/images/HOWTO-generate.md 1a):
 * small and non-resident files, named streams, a file with so many streams that ntfs-3g moves them
 * to extension records ($ATTRIBUTE_LIST), and a deleted record (its in-use flag cleared in a copy,
 * as `del` leaves it). Checked against fls -r -p -m, fls -d and icat on the same image. Over an
 * image that fetches ahead, the listing pass hints each next window of $MFT records before it reads it.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNtfs, type NtfsVolume } from '../../src/evidence/image/ntfs/index.js';
import { walkMftFile } from '../../src/artifacts/ntfs/mft.js';
import { bufferSource, type ByteSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { diffRows, fileSource, ourBodyRows, workDir, type BodyRow } from './helpers.js';

const TOOLS = ['mkntfs', 'ntfscp', 'faketime', 'fls', 'icat', 'istat'];
const haveTools = TOOLS.every((t) => toolAvailable(t));
const T = '2020-01-02 03:04:05';
const env = { ...process.env, TZ: 'UTC' };

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
}

function flsRows(image: string): BodyRow[] {
  const body = path.join(workDir(), `${path.basename(image)}.body`);
  writeFileSync(body, run('fls', ['-r', '-p', '-m', '/', image]));
  // Same reader as for the corpus bodies.
  return readBody(body);
}

interface SourceEvent {
  hint: boolean;
  position: number;
  length: number;
}

/** An image file as a source that fetches ahead, recording every hint and every read in order. */
function recordingSource(file: string): { src: ByteSource; events: SourceEvent[] } {
  const base = bufferSource(readFileSync(file), 'ntfs.img');
  const events: SourceEvent[] = [];
  const src: ByteSource = {
    size: base.size,
    name: base.name,
    read(position, length) {
      events.push({ hint: false, position, length });
      return base.read(position, length);
    },
    fetchAhead: { start: () => null, willRead: (position, length) => events.push({ hint: true, position, length }), stop: () => undefined },
  };
  return { src, events };
}

let readBody: (f: string) => BodyRow[];

describeIf(haveTools, `reference tools ${TOOLS.join(', ')} not all installed`)('generated NTFS image (mkntfs + ntfscp)', () => {
  let dir: string;
  let image: string;
  let deletedImage: string;
  let v: NtfsVolume;
  beforeAll(async () => {
    readBody = (await import('./helpers.js')).readFlsBody;
    dir = path.join(workDir(), 'gen');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    const src = (n: string, data: string | Buffer) => {
      const p = path.join(dir, 'src', n);
      writeFileSync(p, data);
      return p;
    };
    image = path.join(dir, 'ntfs.img');
    writeFileSync(image, Buffer.alloc(0));
    run('truncate', ['-s', '16M', image]);
    run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'STAGE', '-q', image]);
    const cp = (file: string, to: string, stream?: string) => run('faketime', ['-f', T, 'ntfscp', '-f', ...(stream ? ['-N', stream] : []), image, file, to]);
    cp(src('a.txt', 'hello staging\n'), '/a.txt');
    cp(src('big.txt', Buffer.alloc(70000, 'A')), '/big.txt');
    cp(src('ads.txt', 'hidden stream\n'), '/a.txt', 'secret');
    cp(src('zone', '[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://example.invalid/x.7z\r\n'), '/a.txt', 'Zone.Identifier');
    cp(src('loot.7z', Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(20000, 7)])), '/loot.7z');
    cp(src('todelete.txt', 'to be deleted\n'), '/todelete.txt');
    cp(src('many.txt', 'many streams\n'), '/many.txt');
    for (let i = 0; i < 24; i++) cp(src(`s${i}`, `stream ${i} `.repeat(20)), '/many.txt', `stream${String(i).padStart(2, '0')}`);
    v = openNtfs(fileSource(image));
    // "del todelete.txt" as far as the MFT record goes: clear its in-use flag (offset 0x16, outside any fixup position).
    const ref = v.lookup('/todelete.txt')!;
    const bytes = readFileSync(image);
    const mftOffset = Number(bytes.readBigUInt64LE(0x30)) * 4096;
    const at = mftOffset + ref.entry * v.recordSize + 0x16;
    bytes.writeUInt16LE(bytes.readUInt16LE(at) & ~1, at);
    deletedImage = path.join(dir, 'deleted.img');
    writeFileSync(deletedImage, bytes);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every fls row (names, entries, sizes, times, named streams) is ours; we add the $FILE_NAME row fls leaves out', () => {
    const { missing, extra } = diffRows(flsRows(image), ourBodyRows(v));
    // many.txt's $FILE_NAME was moved to an extension record; fls -m prints $FILE_NAME rows from the base record only.
    const many = v.lookup('/many.txt')!;
    expect(run('istat', [image, String(many.entry)])).toMatch(new RegExp(`Type: 48-\\d+\\s+MFT Entry: (?!${many.entry}\\b)\\d+`));
    expect({ missing, extra: extra.filter((k) => !k.startsWith(`/many.txt|${many.entry}|fn|`)) }).toEqual({ missing: [], extra: [] });
    expect(extra).toHaveLength(1);
  });

  test('named streams (ADS) and the attribute list are read', () => {
    const a = v.stat(v.lookup('/a.txt')!)!;
    expect(a.streams.map((s) => [s.name, s.size])).toEqual([
      ['secret', 14],
      ['Zone.Identifier', 64],
    ]);
    expect(v.open(a.ref, 'Zone.Identifier')!.read(0, 100).toString('latin1')).toContain('ZoneId=3');
    const many = v.stat(v.lookup('/many.txt')!)!;
    expect(many.streams).toHaveLength(24);
    expect(v.open(many.ref, 'stream23')!.read(0, 1000).toString()).toBe('stream 23 '.repeat(20));
    // ntfs-3g moved streams out of the base record: the base has an $ATTRIBUTE_LIST.
    const base = [...v.records()].find((r) => r.entry === many.ref.entry)!;
    expect(base.attributeList?.length ?? (base.attributeListNonResident ? 1 : 0)).toBeGreaterThan(0);
  });

  test('file contents and every stream equal icat', () => {
    let compared = 0;
    const flsAll = run('fls', ['-a', image]);
    for (const name of ['a.txt', 'big.txt', 'loot.7z', 'many.txt']) {
      const st = v.stat(v.lookup(`/${name}`)!)!;
      const check = (stream: string, meta: string) => {
        const src = v.open(st.ref, stream)!;
        const ours = src.read(0, src.size);
        const theirs = execFileSync('icat', [image, meta], { maxBuffer: 1 << 26 });
        expect({ name, stream, sha: createHash('sha256').update(ours).digest('hex') }).toEqual({ name, stream, sha: createHash('sha256').update(theirs).digest('hex') });
        compared++;
      };
      check('', `${st.ref.entry}`);
      // icat addresses a named stream as entry-128-id; fls lists the ids.
      for (const line of flsAll.split('\n')) {
        const m = new RegExp(`(\\d+)-128-(\\d+):\\s+${name.replace('.', '\\.')}:(.+)$`).exec(line);
        if (m && Number(m[1]) === st.ref.entry) check(m[3], `${m[1]}-128-${m[2]}`);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(4 + 2 + 24);
  });

  test('the deleted record: not listed, found by deleted() with its path, times and resident data, as fls -d shows it', () => {
    const d = openNtfs(fileSource(deletedImage));
    expect(d.list(d.root()).map((e) => e.name)).not.toContain('todelete.txt');
    const del = [...d.deleted()];
    expect(del.map((r) => [r.path, r.orphan, r.fileNames[0].name, r.residentData?.toString()])).toEqual([['/todelete.txt', false, 'todelete.txt', 'to be deleted\n']]);
    // TSK files the record under $OrphanFiles (it reaches deleted records through the orphan list); we resolve the
    // parent reference, which still holds: the root has the sequence number the record names.
    const fls = run('fls', ['-d', '-r', '-p', deletedImage]);
    expect(fls).toMatch(new RegExp(`\\* ${del[0].entry}-128-\\d+:\\s+\\$OrphanFiles/todelete\\.txt`));
    const row = run('fls', ['-r', '-p', '-m', '/', deletedImage]).split('\n').find((l) => l.startsWith('0|/$OrphanFiles/todelete.txt (deleted)|'))!.split('|');
    const secs = (t: bigint) => String(Number((t - 116444736000000000n) / 10000000n));
    expect([row[2].split('-')[0], row[6], row[7], row[8], row[9], row[10]]).toEqual([String(del[0].entry), '14', secs(del[0].si!.accessed), secs(del[0].si!.modified), secs(del[0].si!.mftModified), secs(del[0].si!.created)]);
  });

  test('the listing pass over the $MFT hints each next window of records before it reads it, and nothing else', () => {
    const limits = LIMITS as { mftPassWindowBytes: number }; // read-only to the code, not at run time
    const saved = limits.mftPassWindowBytes;
    limits.mftPassWindowBytes = 4096;
    try {
      const { src, events } = recordingSource(image);
      const vol = openNtfs(src);
      const opened = events.length;
      expect(vol.list(vol.root()).map((e) => e.name)).toContain('loot.7z');
      const pass = events.slice(opened);
      const perWindow = 4096 / vol.recordSize;
      expect(vol.recordCount / perWindow).toBeGreaterThan(4);
      // Every window but the first, once: its records' bytes in all.
      const hints = pass.filter((e) => e.hint);
      expect(hints.reduce((n, h) => n + h.length, 0)).toBe((vol.recordCount - perWindow) * vol.recordSize);
      const overlap = (a: SourceEvent, b: SourceEvent): boolean => a.position < b.position + b.length && b.position < a.position + a.length;
      // Each hint is read after it (it names what the pass reads next).
      pass.forEach((h, i) => {
        if (h.hint) expect(pass.slice(i + 1).some((e) => !e.hint && overlap(e, h))).toBe(true);
      });
      // From the pass's start (the listing read the root's record before it), every read was hinted
      // before it, but the first window's.
      const start = pass.findIndex((e) => e.hint);
      const unhinted = pass.slice(start).filter((e, j) => !e.hint && !pass.slice(0, start + j).some((h) => h.hint && overlap(h, e)));
      const mftStart = hints.reduce((low, h) => Math.min(low, h.position), Infinity) - 4096;
      expect(unhinted).toEqual([{ hint: false, position: mftStart, length: 4096 }]);
      // The same listing as without hints.
      expect(vol.list(vol.root()).map((e) => e.name)).toEqual(v.list(v.root()).map((e) => e.name));
    } finally {
      limits.mftPassWindowBytes = saved;
    }
  });

  test("a file's hint covers every byte its stat and head read then read: the whole window of records, not only its own", () => {
    const { src, events } = recordingSource(image);
    const vol = openNtfs(src);
    const listed = vol.list(vol.root());
    // Not many.txt: its attributes continue in extension records, which only its own record names.
    const files = listed.filter((e) => !e.isDirectory && e.ref.entry >= 16 && e.name !== 'many.txt');
    expect(files.length).toBeGreaterThanOrEqual(3);
    let checked = 0;
    for (const f of files) {
      const from = events.length;
      vol.willRead(f.ref, 512);
      const hints = events.slice(from);
      expect(hints.every((e) => e.hint)).toBe(true);
      vol.open(f.ref)?.read(0, 512);
      const reads = events.slice(from + hints.length);
      expect(reads.every((e) => !e.hint)).toBe(true);
      // Every byte read was hinted (a read of a window of 16 records hinted as one record is not).
      for (const r of reads) {
        for (let at = r.position; at < r.position + r.length; at += 512) {
          expect([f.name, at, hints.some((h) => h.position <= at && at < h.position + h.length)]).toEqual([f.name, at, true]);
        }
        checked++;
      }
    }
    // The record windows were read (not all found in the window the listing read last).
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  test('the same volume as a standalone $MFT (icat 0): every record with its full path', () => {
    const mft = execFileSync('icat', [deletedImage, '0'], { maxBuffer: 1 << 26 });
    const warnings: string[] = [];
    const recs = [...walkMftFile({ size: mft.length, name: '$MFT', read: (p, n) => mft.subarray(p, p + n) }, warnings)];
    const paths = new Map(recs.filter((r) => r.path).map((r) => [r.path, r]));
    expect(paths.get('/a.txt')?.streams.map((s) => s.name)).toEqual(['secret', 'Zone.Identifier']);
    expect(paths.get('/todelete.txt')?.inUse).toBe(false);
    expect(paths.get('/big.txt')?.size).toBe(70000);
    expect(paths.get('/many.txt')?.streams).toHaveLength(24);
    expect(paths.get('/$Extend/$Quota')?.isDirectory).toBe(false);
  });
});
