/**
 * A deleted file's content on an NTFS volume (the trace stage's deleted archives): read by the
 * runs its freed MFT record still names, as The Sleuth Kit's icat reads it, and judged by $Bitmap,
 * as TSK's blkstat reads it: unallocated clusters are still the file's; clusters $Bitmap marks
 * allocated again were given to other files (the content there is not the archive's any more).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { ntfsTraceCandidates } from '../../src/artifacts/ntfs/traces.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { prng } from '../helpers/random.js';
import { fileSource, workDir } from './helpers.js';
import { buildStagedImage, setClusterBits, STAGED_TOOLS, type StagedImage } from './staged-image.js';

const TOOLS = [...STAGED_TOOLS, 'icat', 'blkstat', '7zz'];

describeIf(TOOLS.every((t) => toolAvailable(t)), `tools ${TOOLS.join(', ')} not all installed`)('deleted content on an NTFS volume', () => {
  let dir: string;
  let img: StagedImage;
  let reused: string;
  beforeAll(() => {
    dir = path.join(workDir(), 'deleted-content');
    rmSync(dir, { recursive: true, force: true });
    img = buildStagedImage(dir);
    // The same volume after ten of the archive's clusters were given to another file.
    reused = path.join(dir, 'reused.img');
    copyFileSync(img.image, reused);
    const bytes = readFileSync(reused);
    setClusterBits(bytes, img.stageClusters.slice(20, 30), true);
    writeFileSync(reused, bytes);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const deleted = () => ({ entry: img.stage.entry, sequence: img.stage.sequence + 1 });
  const blkstat = (image: string, cluster: number): string => /^(Not )?Allocated$/m.exec(execFileSync('blkstat', [image, String(cluster)], { encoding: 'utf8' }))![0];

  test('the freed record\'s content is what icat reads, byte for byte: the archive as it was written', () => {
    const fs = new NtfsFs(fileSource(img.image), 'staged');
    const opened = fs.openDeletedContent(deleted().entry, deleted().sequence)!;
    const ours = opened.src.read(0, opened.src.size);
    const icat = execFileSync('icat', [img.image, String(img.stage.entry)], { maxBuffer: 8 * 1024 * 1024 });
    expect(ours.length).toBe(300_000);
    expect(ours.equals(icat)).toBe(true);
    expect(ours.equals(readFileSync(path.join(dir, 'src', 'stage.log')))).toBe(true);
    expect(ours.subarray(0, 6).toString('hex')).toBe('377abcaf271c');
    // A live file, or the wrong sequence, is not a deleted file's content.
    expect(fs.openDeletedContent(img.stage.entry, img.stage.sequence)).toBeNull();
    const live = openNtfs(fileSource(img.image)).lookup('/ConsoleHost_history.txt') ?? openNtfs(fileSource(img.image)).lookup('/Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt');
    expect(live && fs.openDeletedContent(live.entry, live.sequence)).toBeNull();
  });

  test('its clusters as $Bitmap has them, cluster by cluster as blkstat says: all free after the deletion, ten given away after a later write', () => {
    const free = openNtfs(fileSource(img.image)).clusterUse(deleted())!;
    expect(free).toEqual({ resident: false, clusters: 74, allocated: 0, unchecked: 0 });
    expect(img.stageClusters).toHaveLength(74);
    for (const c of img.stageClusters) expect([c, blkstat(img.image, c)]).toEqual([c, 'Not Allocated']);
    const taken = openNtfs(fileSource(reused)).clusterUse(deleted())!;
    expect(taken).toEqual({ resident: false, clusters: 74, allocated: 10, unchecked: 0 });
    const allocated = img.stageClusters.filter((c) => blkstat(reused, c) === 'Allocated');
    expect(allocated).toEqual(img.stageClusters.slice(20, 30));
    // A live file's clusters are all allocated.
    const vol = openNtfs(fileSource(img.image));
    const readme = vol.lookup('/PerfLogs/readme.txt') ?? vol.lookup('/readme.txt');
    expect(vol.clusterUse(readme!)).toEqual({ resident: true, clusters: 0, allocated: 0, unchecked: 0 });
  });

  test('a deleted archive made by 7-Zip with encrypted headers: the recovered bytes are read by the archive parser, which says so', async () => {
    const work = path.join(dir, 'real-7z');
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'q3.docx'), Buffer.alloc(50_000, 'quarterly numbers '));
    execFileSync('7zz', ['a', '-t7z', '-mhe=on', '-pS3cret!', path.join(work, 'stage.7z'), path.join(work, 'q3.docx')], { stdio: 'pipe' });
    const archive = readFileSync(path.join(work, 'stage.7z'));
    const fs = new NtfsFs(fileSource(img.image), 'staged');
    const mft = fs.open(fs.lookup('$MFT')!);
    const usn = fs.open(fs.lookup('$Extend/$UsnJrnl')!, '$J');
    // The volume's own record and journal; the content handed over is the real archive (as if it lay in the freed clusters).
    const result = await ntfsTraceCandidates({ mft, mftRel: '$MFT', usn, usnRel: '$Extend/$UsnJrnl:$J', volumeRel: '', drive: 'C', hotspots: [], openDeleted: () => ({ src: bufferSource(archive, 'stage.log'), use: { resident: false, clusters: 74, allocated: 0, unchecked: 0 } }) });
    const life = result.candidates.find((c) => c.kind === 'usn-record' && c.path === 'PerfLogs/stage.log')!;
    const recovered = (life.details as { recovered: Record<string, unknown> }).recovered;
    expect(recovered).toMatchObject({ content: 'unallocated', format: '7z', archive: { format: '7z', headersEncrypted: true, entries: null, description: '7z, headers encrypted, 7z-aes' } });
    expect(life.hits.find((h) => h.rule === 'ntfs-deleted-content-recoverable')?.message).toMatch(/^its content is still on the volume \(74 unallocated clusters, none reused\): 7z, headers encrypted, 7z-aes \(7-zip archive data/i);

    // Without header encryption the recovered archive lists what was staged.
    execFileSync('7zz', ['a', '-t7z', '-pS3cret!', path.join(work, 'open.7z'), path.join(work, 'q3.docx')], { stdio: 'pipe' });
    const open = readFileSync(path.join(work, 'open.7z'));
    const listed = await ntfsTraceCandidates({ mft: fs.open(fs.lookup('$MFT')!), mftRel: '$MFT', usn: fs.open(fs.lookup('$Extend/$UsnJrnl')!, '$J'), usnRel: '$Extend/$UsnJrnl:$J', volumeRel: '', drive: 'C', hotspots: [], openDeleted: () => ({ src: bufferSource(open, 'stage.log'), use: { resident: false, clusters: 74, allocated: 0, unchecked: 0 } }) });
    const lifeOpen = listed.candidates.find((c) => c.kind === 'usn-record' && c.path === 'PerfLogs/stage.log')!;
    expect((lifeOpen.details as { recovered: Record<string, unknown> }).recovered).toMatchObject({ archive: { headersEncrypted: false, entries: 1, encryptedEntries: 1, names: ['q3.docx'], description: '7z, 1 entries, 1 encrypted, 7z-aes' } });
  });

  test('a deleted archive that is no staging evidence (no staging place, no short life, no hidden extension): the recovered content is said, with 0 points', async () => {
    // The freed record renamed stage.zip in place (same length), and no journal: a deleted archive known from its MFT record only, in a folder no hotspot names.
    const bytes = readFileSync(img.image);
    const mftAt = Number(bytes.readBigUInt64LE(0x30)) * 4096;
    const rec = bytes.subarray(mftAt + img.stage.entry * 1024, mftAt + (img.stage.entry + 1) * 1024);
    const at = rec.indexOf(Buffer.from('stage.log', 'utf16le'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('zip', 'utf16le').copy(rec, at + 12);
    const fs = new NtfsFs(bufferSource(bytes, 'renamed.img'), 'renamed');
    const result = await ntfsTraceCandidates({ mft: fs.open(fs.lookup('$MFT')!), mftRel: '$MFT', usn: null, usnRel: null, volumeRel: '', drive: 'C', hotspots: [], openDeleted: (e, sq) => fs.openDeletedContent(e, sq), hashRecovered: { algorithms: ['sha256'], maxSize: 1024 ** 3 } });
    const f = result.candidates.find((c) => c.kind === 'mft-record' && c.path === 'PerfLogs/stage.zip')!;
    // Not staging evidence: its content is not read whole to be hashed.
    expect((f.details as { recovered: Record<string, unknown> }).recovered.hashes).toBeUndefined();
    expect(f.hits.map((h) => [h.rule, h.score])).toEqual([['ntfs-archive-deleted', undefined], ['ntfs-deleted-content-recoverable', 0]]);
    expect((f.details as { recovered: Record<string, unknown> }).recovered).toMatchObject({ content: 'unallocated', clusters: 74 });
  });

  test('a recovered content whose reads fail past its head (a damaged image): the stage goes on, the hashes are said not made', async () => {
    const fs = new NtfsFs(fileSource(img.image), 'staged');
    const good = readFileSync(path.join(dir, 'src', 'stage.log'));
    const inner = bufferSource(good, 'stage.log');
    const failing = { ...inner, name: 'stage.log', size: inner.size, read: (at: number, n: number) => { if (at + n > 65_536) throw new Error('EIO: chunk 7 of the image does not inflate'); return inner.read(at, n); } };
    const result = await ntfsTraceCandidates({ mft: fs.open(fs.lookup('$MFT')!), mftRel: '$MFT', usn: fs.open(fs.lookup('$Extend/$UsnJrnl')!, '$J'), usnRel: '$Extend/$UsnJrnl:$J', volumeRel: '', drive: 'C', hotspots: [], openDeleted: () => ({ src: failing, use: { resident: false, clusters: 74, allocated: 0, unchecked: 0 } }), hashRecovered: { algorithms: ['sha256'], maxSize: 1024 ** 3 } });
    const life = result.candidates.find((c) => c.kind === 'usn-record' && c.path === 'PerfLogs/stage.log')!;
    expect((life.details as { recovered: Record<string, unknown> }).recovered).toMatchObject({ content: 'unallocated', format: '7z', notHashed: 'not read whole: EIO: chunk 7 of the image does not inflate' });
  });

  test('hostile records: 200 mutations of the deleted record\'s runs, $Bitmap\'s record and the volume size never throw out of the stage or hang it', async () => {
    const base = readFileSync(img.image);
    const mftAt = Number(base.readBigUInt64LE(0x30)) * 4096;
    const rand = prng(1307);
    let looked = 0;
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(base);
      const target = i % 3 === 0 ? mftAt + 6 * 1024 : mftAt + img.stage.entry * 1024;
      // Bytes of the record's attributes (past the header and its fixups' first sector end), or the boot sector's total sectors.
      for (let k = 0; k < 1 + (i % 6); k++) bytes[target + 0x38 + Math.floor(rand() * 0x1c0)] = Math.floor(rand() * 256);
      if (i % 10 === 0) bytes.writeBigUInt64LE(BigInt(Math.floor(rand() * 2 ** 40)), 0x28);
      let fs: NtfsFs;
      try {
        fs = new NtfsFs(bufferSource(bytes, 'mutated.img'), 'mutated');
      } catch {
        continue; // a volume the reader refuses is a warning of the image layer, tested elsewhere
      }
      const mft = fs.open(fs.lookup('$MFT')!);
      const journal = fs.lookup('$Extend/$UsnJrnl');
      const usn = journal ? fs.open(journal, '$J') : null;
      const started = Date.now();
      const result = await ntfsTraceCandidates({ mft, mftRel: '$MFT', usn, usnRel: '$Extend/$UsnJrnl:$J', volumeRel: '', drive: 'C', hotspots: [], openDeleted: (e, sq) => fs.openDeletedContent(e, sq) });
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const c of result.candidates) {
        const r = (c.details as { recovered?: { clusters: number; reusedClusters: number } }).recovered;
        if (r) {
          expect(r.reusedClusters).toBeLessThanOrEqual(r.clusters);
          looked++;
        }
      }
    }
    // Most mutations leave the record readable: the stage did look at the content, not skip it.
    expect(looked).toBeGreaterThan(100);
  }, 120_000);

  test.each([['the freed volume', false], ['the volume with ten clusters reused', true]] as const)('the trace stage on %s: recoverable, or said overwritten', async (_what, isReused) => {
    const fs = new NtfsFs(fileSource(isReused ? reused : img.image), 'staged');
    const mft = fs.open(fs.lookup('$MFT')!);
    const usn = fs.open(fs.lookup('$Extend/$UsnJrnl')!, '$J');
    const result = await ntfsTraceCandidates({ mft, mftRel: '$MFT', usn, usnRel: '$Extend/$UsnJrnl:$J', volumeRel: '', drive: 'C', hotspots: [], openDeleted: (e, s) => fs.openDeletedContent(e, s), hashRecovered: { algorithms: ['sha256', 'md5'], maxSize: 1024 ** 3 } });
    const life = result.candidates.find((c) => c.kind === 'usn-record' && c.path === 'PerfLogs/stage.log')!;
    const d = life.details as { gone: string[]; remains: string[]; recovered: Record<string, unknown> };
    if (!isReused) {
      // The hashes of the bytes as icat carves them: the archive as it was written.
      const original = readFileSync(path.join(dir, 'src', 'stage.log'));
      expect(d.recovered.hashes).toEqual({ sha256: createHash('sha256').update(original).digest('hex'), md5: createHash('md5').update(original).digest('hex') });
      expect(d.recovered).toMatchObject({ content: 'unallocated', clusters: 74, reusedClusters: 0, format: '7z', classification: 'archive' });
      expect(life.hits.find((h) => h.rule === 'ntfs-deleted-content-recoverable')?.message).toMatch(/^its content is still on the volume \(74 unallocated clusters, none reused\): 7z\b.*\(7-zip archive data/i);
      // The archive parser's reading of the recovered bytes: the fixture's body is random, so its header does not check.
      expect(d.recovered.archive).toMatchObject({ format: '7z' });
      expect(d.gone).toEqual(['the file']);
      expect(d.remains[d.remains.length - 1]).toBe(`its content (74 unallocated clusters, none reused; recoverable by MFT entry ${img.stage.entry}, as icat reads it)`);
    } else {
      // Not the archive's any more: nothing to hash.
      expect(d.recovered).toEqual({ content: 'partly overwritten', clusters: 74, reusedClusters: 10 });
      expect(life.hits.some((h) => h.rule === 'ntfs-deleted-content-recoverable')).toBe(false);
      expect(d.gone).toEqual(['the file', 'its content (10 of 74 clusters since given to other files)']);
    }
  });
});
