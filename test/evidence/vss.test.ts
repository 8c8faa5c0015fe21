/**
 * Volume shadow copies (src/evidence/image/vss) against libvshadow on the two real Windows volumes
 * of the corpus that keep them: plaso's vsstest.qcow2 (Windows 7, two stores) and ntfs-samples'
 * 20H1 volume (two stores). The references are vshadowinfo (metadata) and pyvshadow (the bytes of
 * each store's volume), both Debian's libvshadow 20190323; the listings of each copy are compared
 * with fls on pyvshadow's export of it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openImage } from '../../src/evidence/image/container/index.js';
import { sliceSource } from '../../src/evidence/image/container/block-source.js';
import { openDiskImage } from '../../src/evidence/image/index.js';
import { readShadowCopies, type ShadowCopy } from '../../src/evidence/image/vss/index.js';
import type { ByteSource } from '../../src/util/byte-source.js';
import { walkFs } from '../../src/evidence/image/bodyfile.js';
import { CORPUS_MISSING, DEBIAN_PYTHON, corpusAvailable, pythonModuleAvailable, corpusPath, describeIf, toolAvailable, toolMissing } from '../helpers/corpus.js';

const haveCorpus = corpusAvailable();
const REFERENCE = path.join(process.cwd(), 'test', 'evidence', 'vss-reference.py');

const ready = haveCorpus && toolAvailable('vshadowinfo') && toolAvailable('qemu-img') && toolAvailable('fls') && pythonModuleAvailable('pyvshadow', 'python3-libvshadow');
const reason = haveCorpus ? `${toolMissing('vshadowinfo')}, qemu-img, fls or pyvshadow` : CORPUS_MISSING;

interface ReferenceStore {
  store: number;
  identifier: string;
  copyIdentifier: string;
  copySetIdentifier: string;
  size: number;
  created: string;
  sha256: string;
  hashes: Record<string, string>;
}

function reference(raw: string, offset: number, extra: string[] = []): { chunks: number; stores: ReferenceStore[] } {
  const lines = execFileSync(DEBIAN_PYTHON, [REFERENCE, raw, String(offset), ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n');
  const [head, ...stores] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { chunks: head!.chunks as number, stores: stores as unknown as ReferenceStore[] };
}

/** vshadowinfo's stores: identifier, set, copy id, creation time (to the microsecond) and flags. */
function vshadowinfo(raw: string, offset: number): Array<Record<string, string>> {
  const text = execFileSync('vshadowinfo', ['-o', String(offset), raw], { encoding: 'utf8' });
  return text
    .split(/\n(?=Store: \d+)/)
    .slice(1)
    .map((block) => Object.fromEntries([...block.matchAll(/^\t([^:\t]+?)\s*:\t*\s*(.+)$/gm)].map((m) => [m[1]!.trim(), m[2]!.trim()])));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Dec 03, 2013 06:35:09.736378700 UTC" -> "2013-12-03T06:35:09.7363787Z" */
function isoOfVshadowTime(t: string): string {
  const m = /^(\w{3}) (\d\d), (\d{4}) (\d\d:\d\d:\d\d)\.(\d{7})\d* UTC$/.exec(t);
  if (!m) throw new Error(`unexpected vshadowinfo time ${t}`);
  return `${m[3]}-${String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0')}-${m[2]}T${m[4]}.${m[5]}Z`;
}

function chunkHash(src: ByteSource, at: number): string {
  return createHash('sha256')
    .update(src.read(at, Math.min(1 << 20, src.size - at)))
    .digest('hex');
}

function checkMetadata(copies: ShadowCopy[], info: Array<Record<string, string>>, ref: ReferenceStore[]): void {
  expect(copies.map((c) => c.number)).toEqual(info.map((_, i) => i + 1));
  for (const [i, c] of copies.entries()) {
    expect(c.storeId).toBe(info[i]!['Identifier']);
    expect(c.shadowCopySetId).toBe(info[i]!['Shadow copy set ID']);
    expect(c.shadowCopyId).toBe(info[i]!['Shadow copy ID']);
    expect(c.created).toBe(isoOfVshadowTime(info[i]!['Creation time']!));
    expect(`0x${c.attributeFlags!.toString(16).padStart(8, '0')}`).toBe(info[i]!['Attribute flags']);
    expect(c.storeId).toBe(ref[i]!.identifier);
  }
}

let work = '';
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-vss-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeIf(ready, reason)('shadow copies vs libvshadow', () => {
  describe('plaso vsstest.qcow2 (Windows 7, two stores)', () => {
    const qcow = corpusPath('images/plaso/vsstest.qcow2');
    let raw = '';
    let ref: { chunks: number; stores: ReferenceStore[] };
    let copies: ShadowCopy[];
    let close = (): void => undefined;
    beforeAll(() => {
      raw = path.join(work, 'vsstest.raw');
      execFileSync('qemu-img', ['convert', '-O', 'raw', qcow, raw]);
      ref = reference(raw, 0, ['--all', '--export', work]);
      // Read through the QCOW2 container, as a scan reads it.
      const img = openImage(qcow);
      close = () => img.close();
      const warnings: string[] = [];
      copies = readShadowCopies(img.media, 'vsstest', warnings);
      expect(warnings).toEqual([]);
    }, 120_000);
    afterAll(() => close());

    test('the stores, their identifiers, creation times and flags are those vshadowinfo reports', () => {
      expect(copies).toHaveLength(2);
      checkMetadata(copies, vshadowinfo(raw, 0), ref.stores);
      expect(copies.map((c) => c.operatingMachine)).toEqual(['infinity', 'infinity']);
    });

    test('every byte of each store volume equals pyvshadow\'s (SHA-256 of the whole 1 GiB), and differs from the live volume', () => {
      const img = openImage(qcow);
      try {
        for (const [i, c] of copies.entries()) {
          const whole = createHash('sha256');
          let differs = 0;
          for (let at = 0; at < c.source.size; at += 1 << 20) {
            const bytes = c.source.read(at, 1 << 20);
            whole.update(bytes);
            if (!bytes.equals(img.media.read(at, 1 << 20))) differs++;
          }
          expect(whole.digest('hex')).toBe(ref.stores[i]!.sha256);
          // The copy is not the live volume read again: some MiB differ.
          expect(differs).toBeGreaterThan(0);
        }
      } finally {
        img.close();
      }
    }, 120_000);

    test('each copy\'s files, read through the image, are those fls lists in pyvshadow\'s export of it', () => {
      const img = openDiskImage(qcow, undefined, { shadowCopies: true });
      try {
        // The walk leaves out files unchanged since the copy; the bodyfile walk of the copy's own volume lists them all.
        for (const n of [1, 2]) {
          const fromFls = execFileSync('fls', ['-r', '-p', '-u', path.join(work, `vss${n}.raw`)], { encoding: 'utf8' })
            .split('\n')
            .filter((l) => l.startsWith('r/r') || l.startsWith('d/d'))
            .map((l) => {
              const [, addr, name] = /^[rd]\/[rd] (\d+)-\d+-\d+:\t(.*)$/.exec(l) ?? [];
              return `${addr} /${name}`;
            })
            .filter((l) => !/\$|:/.test(l))
            .sort();
          expect(fromFls.length).toBeGreaterThan(0);
          const copy = img.volumes.find((v) => v.label === `vsstest.qcow2#vss${n}`)!;
          const ours = [...walkFs(copy.fs!)]
            .filter((e) => !e.deleted && !/\$|:/.test(e.path) && e.path !== '/')
            .map((e) => `${e.id.split('-')[0]} ${e.path}`)
            .sort();
          expect(ours).toEqual(fromFls);
        }
        // What the copies show and the live volume does not: store 1 has `syslog` (a later `syslog.gz` in its MFT entry 35), store 2 no `password.txt`.
        const names = (label: string): string[] => [...walkFs(img.volumes.find((v) => v.label === label)!.fs!)].filter((e) => !e.deleted).map((e) => e.path);
        expect(names('vsstest.qcow2#vss1')).toContain('/syslog');
        expect(names('vsstest.qcow2')).not.toContain('/syslog');
        expect(names('vsstest.qcow2')).toContain('/password.txt');
        expect(names('vsstest.qcow2#vss2')).not.toContain('/password.txt');
      } finally {
        img.close();
      }
    }, 120_000);
  });

  describe('ntfs-samples ntfs.tgz (Windows 10 20H1, 64 GiB sparse, two stores)', () => {
    let raw = '';
    const offset = 2048 * 512;
    beforeAll(() => {
      execFileSync('tar', ['-xzSf', corpusPath('ntfs/ntfs-samples/ntfs.tgz'), '-C', work]);
      raw = path.join(work, 'ntfs.raw');
    }, 120_000);

    test('metadata as vshadowinfo, and every MiB over the image\'s data equal to pyvshadow\'s', () => {
      const ref = reference(raw, offset);
      expect(ref.chunks).toBeGreaterThan(50);
      const img = openImage(raw);
      try {
        const volume = sliceSource(img.media, offset, img.media.size - offset, 'p1');
        const warnings: string[] = [];
        const copies = readShadowCopies(volume, 'p1', warnings);
        expect(warnings).toEqual([]);
        expect(copies).toHaveLength(2);
        checkMetadata(copies, vshadowinfo(raw, offset), ref.stores);
        expect(copies.map((c) => c.operatingMachine)).toEqual(['DESKTOP-TVV7SCO', 'DESKTOP-TVV7SCO']);
        for (const [i, c] of copies.entries()) {
          const hashes = ref.stores[i]!.hashes;
          let differs = 0;
          for (const [at, sha] of Object.entries(hashes)) {
            expect(`${at} ${chunkHash(c.source, Number(at))}`).toBe(`${at} ${sha}`);
            if (chunkHash(volume, Number(at)) !== sha) differs++;
          }
          expect(differs).toBeGreaterThan(0);
        }
      } finally {
        img.close();
      }
    }, 120_000);
  });
});
