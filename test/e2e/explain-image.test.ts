/**
 * `explain --root IMAGE PATH` and `parse --root IMAGE PATH`: one file of a disk image, named by its
 * path on a volume, without mounting; and a path with no live file (a deleted archive), explained
 * by what the scan's traces of it say. On the staged NTFS image (test/ntfs/staged-image.ts: 7-Zip
 * writes C:\PerfLogs\stage.7z, it is renamed stage.log and deleted; readme.txt hides a 7z in an
 * ADS), on a GPT disk with an ext4 and a FAT volume that both hold a.txt, and on an NTFS volume
 * whose shadow copy keeps an archive the live volume lost (test/evidence/vss-image.ts).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_IMAGE, runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable, toolMissing } from '../helpers/corpus.js';
import { buildStagedImage, HISTORY_REL, STAGED_TOOLS } from '../ntfs/staged-image.js';
import { buildDisk, buildExt4, buildFat, IMAGE_TOOLS, sourceTree } from '../evidence/build-images.js';
import { buildVssImage, VSS_IMAGE_TOOLS } from '../evidence/vss-image.js';
import type { ExplainReport } from '../../src/model/explain.js';
import type { Finding } from '../../src/model/finding.js';

const stagedMissing = [...STAGED_TOOLS, 'icat', 'fls', 'ffind'].filter((t) => !toolAvailable(t));
const diskMissing = IMAGE_TOOLS.filter((t) => !toolAvailable(t));

let work = '';
let image = '';
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-explain-image-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const explainJson = (args: string[]): ExplainReport => {
  const r = runCli(['explain', ...args, '--format', 'json', '--quiet']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as ExplainReport;
};

describeIf(stagedMissing.length === 0, toolMissing(stagedMissing.join(', ')))('explain and parse a file of an NTFS image', () => {
  let scanned: Finding[] = [];
  beforeAll(() => {
    image = buildStagedImage(path.join(work, 'staged')).image;
    const r = runCli(['scan', image, '--format', 'json', '--quiet']);
    scanned = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  }, 120_000);

  test('a deleted archive: no live file, the scan\'s trace of it as the verdict, with the scan\'s score and reasons', () => {
    const trace = scanned.find((f) => f.path === 'PerfLogs/stage.log')!;
    expect(trace.kind).toBe('usn-record');
    const r = explainJson(['--root', image, 'PerfLogs/stage.log']);
    expect(r.live).toBe(false);
    expect([r.size, r.times, r.fingerprint]).toEqual([null, null, null]);
    expect(r.verdict).toMatchObject({ kind: 'usn-record', path: 'PerfLogs/stage.log', level: trace.level, score: trace.score });
    expect(r.verdict.reasons.map((x) => x.rule)).toEqual(trace.reasons.map((x) => x.rule));
    expect(r.verdict.reasons.map((x) => x.rule)).toEqual(expect.arrayContaining(['ntfs-archive-extension-hidden', 'ntfs-archive-deleted', 'named-in-history']));
    expect(r.hotspot?.id).toBe('win-perflogs');
    // as Windows names it, in any case: the same report
    expect(explainJson(['--root', image, 'C:\\perflogs\\STAGE.LOG']).verdict).toEqual(r.verdict);
    const text = runCli(['explain', '--root', image, 'PerfLogs/stage.log']).stdout;
    expect(text).toContain('live file:      none at this path: 1 finding of its traces (usn-record)');
    expect(text).toMatch(/verdict: +critical \(score 100\), the strongest trace: C:\\PerfLogs\\stage\.7z/);
  }, 120_000);

  test('a live file of the image: read from the image with its 100 ns times, judged by the scan (its ADS finding inside)', () => {
    const r = explainJson(['--root', image, '/PerfLogs/readme.txt']);
    expect(r.live).toBe(true);
    expect(r.relativePath).toBe('PerfLogs/readme.txt');
    expect(r.root).toBe(`${image}, volume staged.img`);
    expect(r.size).toBe(9);
    expect(r.times!.modified).toBe('2024-05-01T01:50:00.0000000Z');
    expect(r.inner.map((f) => [f.kind, f.reasons.map((x) => x.rule)])).toEqual([['mft-record', ['ntfs-archive-in-ads']]]);
    const own = scanned.find((f) => f.path === 'PerfLogs/readme.txt' && f.kind === 'mft-record')!;
    expect(r.inner[0]).toMatchObject({ level: own.level, score: own.score });
  }, 120_000);

  test('a folder of the image: its own times, no finding at it', () => {
    const r = explainJson(['--root', image, 'perflogs']);
    expect([r.live, r.directory, r.relativePath, r.size, r.verdict.kind, r.verdict.level]).toEqual([true, true, 'PerfLogs', null, 'directory', 'info']);
    expect(r.times!.born).toBe('2024-05-01T01:50:00.0000000Z');
  }, 120_000);

  test('a named stream: read as its own content, the file\'s findings inside', () => {
    const r = explainJson(['--root', image, 'PerfLogs/readme.txt:payload.7z']);
    expect(r.live).toBe(true);
    expect(r.size).toBe(40_000);
    expect(r.fingerprint!.format).toBe('7z');
    expect(r.verdict.kind).toBe('file');
    expect(r.inner.map((f) => f.kind)).toEqual(['mft-record']);
    expect(r.warnings[0]).toMatch(/^a named data stream: scored on its own/);
  }, 120_000);

  test('parse reads a file, $MFT and the journal\'s $J stream from the image as from the bytes The Sleuth Kit extracts', () => {
    const history = runCli(['parse', '--root', image, HISTORY_REL]);
    expect(history.status).toBe(0);
    expect(history.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { command: string }).command)).toEqual(expect.arrayContaining(['ren C:\\PerfLogs\\stage.7z stage.log']));
    // the reference bytes: icat of the journal's $J stream (its address from fls)
    const address = /(\d+-128-\d+):\t\$UsnJrnl:\$J$/m.exec(execFileSync('fls', ['-r', image], { encoding: 'utf8' }))![1]!;
    const collected = path.join(work, 'collected');
    mkdirSync(collected, { recursive: true });
    writeFileSync(path.join(collected, '$J'), execFileSync('icat', [image, address], { maxBuffer: 64 << 20 }));
    writeFileSync(path.join(collected, '$MFT'), execFileSync('icat', [image, '0'], { maxBuffer: 64 << 20 }));
    // the journal's records with their folders' paths from the volume's own $MFT, as from the extracted bytes with --mft (MFTECmd -m)
    for (const [inImage, extracted, mft] of [['$Extend/$UsnJrnl:$J', '$J', ['--mft', path.join(collected, '$MFT')]], ['/$MFT', '$MFT', []]] as const) {
      const fromImage = runCli(['parse', '--root', image, inImage]);
      const fromBytes = runCli(['parse', path.join(collected, extracted), ...mft]);
      expect(fromImage.status).toBe(0);
      expect(fromImage.stdout.split('\n').length).toBeGreaterThan(10);
      expect(fromImage.stdout).toBe(fromBytes.stdout);
    }
    // each parent path is the one The Sleuth Kit's ffind gives the parent's MFT entry
    const journal = runCli(['parse', '--root', image, '$Extend/$UsnJrnl:$J']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; parentEntry: number; parentPath: string | null });
    const parents = new Map(journal.map((r) => [r.parentEntry, r.parentPath]));
    expect(parents.size).toBeGreaterThan(2);
    // (ffind writes a child of the root with a doubled slash: //PerfLogs)
    for (const [entry, parentPath] of parents) expect(parentPath).toBe(execFileSync('ffind', [image, String(entry)], { encoding: 'utf8' }).trim().replace(/^\/\//, '/'));
    expect(journal.filter((r) => r.name === 'stage.7z').map((r) => r.parentPath)).toContain('/PerfLogs');
    // without an $MFT the records are as the parser reads them
    expect(runCli(['parse', path.join(collected, '$J')]).stdout).not.toContain('parentPath');
  }, 120_000);

  test('a KAPE folder (collected $MFT and $J, no PerfLogs folder): the deleted archive explained from its traces', () => {
    const kape = path.join(work, 'kape');
    const collected = path.join(work, 'collected');
    mkdirSync(path.join(kape, 'C', '$Extend'), { recursive: true });
    writeFileSync(path.join(kape, 'C', '$MFT'), readFileSync(path.join(collected, '$MFT')));
    writeFileSync(path.join(kape, 'C', '$Extend', '$UsnJrnl%3A$J'), readFileSync(path.join(collected, '$J')));
    const r = explainJson(['--root', kape, path.join(kape, 'C', 'PerfLogs', 'stage.log')]);
    expect(r.live).toBe(false);
    expect(r.relativePath).toBe('C/PerfLogs/stage.log');
    expect(r.verdict).toMatchObject({ kind: 'usn-record', level: 'critical' });
  }, 120_000);

  test('no file and no trace, a directory, ".." and a deleted file given to parse: one line, exit 2', () => {
    for (const [args, message] of [
      [['explain', '--root', image, 'PerfLogs/never.7z'], /^stagehunt: PerfLogs\/never\.7z: no such file in .*staged\.img, volume staged\.img, and the scan \(--scope hotspots\) found no trace of it\n$/],
      [['parse', '--root', image, 'PerfLogs'], /^stagehunt: PerfLogs is not a regular file\n$/],
      [['explain', '--root', image, 'PerfLogs/../../etc/passwd'], /'\.\.' is not followed inside an image/],
      [['parse', '--root', image, 'PerfLogs/stage.log'], /^stagehunt: PerfLogs\/stage\.log: no live file at PerfLogs\/stage\.log in .*\(stagehunt explain --root IMAGE PATH says what its traces show\)\n$/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(2);
    }
  }, 120_000);

  test('--saved: the findings of a scan saved before judge the file, as a new scan does, and a scan of another root is refused', () => {
    const saved = path.join(work, 'staged-scan.json');
    expect(runCli(['scan', image, '--format', 'json', '-o', saved, '--quiet']).status).toBe(0);
    for (const p of ['PerfLogs/stage.log', 'PerfLogs/readme.txt', 'PerfLogs']) {
      const fresh = explainJson(['--root', image, p]);
      const fromSaved = explainJson(['--root', image, p, '--saved', saved]);
      expect([fromSaved.verdict, fromSaved.inner]).toEqual([fresh.verdict, fresh.inner]);
      expect(fromSaved.warnings[0]).toMatch(/^judged by the saved scan .*staged-scan\.json of 20\d\d-.* \(its scope and rules\), not by a new scan of /);
    }
    // the demo's JSONL scan is no scan of this image
    const demo = path.join(work, 'demo.jsonl');
    expect(runCli(['scan', DEMO_IMAGE, '--format', 'jsonl', '-o', demo, '--quiet']).status).toBe(0);
    const r = runCli(['explain', '--root', image, 'PerfLogs/readme.txt', '--saved', demo]);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toMatch(/^stagehunt: .*demo\.jsonl is no scan of .*staged\.img \(its roots: .*fixtures\/demo\/image\)\n$/);
    // and for the demo's own files it judges as the new scan does
    const file = path.join(DEMO_IMAGE, 'Windows', 'Temp', 'cup.tmp');
    expect(explainJson([file, '--saved', demo]).verdict).toEqual(explainJson([file]).verdict);
  }, 120_000);

  test('the scan\'s text points at explain --root for an image', () => {
    expect(runCli(['scan', image]).stdout).toContain('stagehunt explain --root IMAGE PATH');
  }, 120_000);
});

describeIf(diskMissing.length === 0, toolMissing(diskMissing.join(', ')))('a path on a disk with two volumes', () => {
  let disk = '';
  beforeAll(() => {
    const dir = path.join(work, 'disk');
    mkdirSync(dir, { recursive: true });
    const src = sourceTree(dir);
    disk = buildDisk(dir, buildExt4(dir, src), buildFat(dir, src, 16), 'gpt');
  }, 120_000);

  test('a.txt is on both: the volume must be named, by the label a scan gives it', () => {
    const r = runCli(['explain', '--root', disk, 'a.txt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a\.txt is on 2 volumes of .*gpt\.raw \(gpt\.raw#p1, gpt\.raw#p2\): name one, as in gpt\.raw#p1\/a\.txt/);
    const ext4 = explainJson(['--root', disk, 'gpt.raw#p1/a.txt']);
    expect([ext4.root, ext4.size]).toEqual([`${disk}, volume gpt.raw#p1`, 14]);
    // FAT names ignore case
    const fat = explainJson(['--root', disk, 'gpt.raw#p2/A.TXT']);
    expect([fat.root, fat.relativePath, fat.size]).toEqual([`${disk}, volume gpt.raw#p2`, 'a.txt', 14]);
    // a file on one volume only needs no label
    expect(explainJson(['--root', disk, 'dir/deep/deeper/Long File Name With Spaces.txt']).root).toBe(`${disk}, volume gpt.raw#p1`);
  }, 120_000);
});

const vssMissing = VSS_IMAGE_TOOLS.filter((t) => !toolAvailable(t));
describeIf(vssMissing.length === 0, toolMissing(vssMissing.join(', ')))('a file the live volume lost and its shadow copy keeps', () => {
  let vss = '';
  beforeAll(() => {
    vss = buildVssImage(path.join(work, 'vss')).image;
  }, 120_000);

  test('explain reads it from the shadow copy, says so, and judges it by the scan of that copy', () => {
    const scanned = (JSON.parse(runCli(['scan', vss, '--scope', 'all', '--format', 'json', '--quiet']).stdout) as { findings: Finding[] }).findings;
    const inCopy = scanned.find((f) => f.path === 'loot.7z')!;
    expect(inCopy.root).toBe('vss.img#vss1');
    const r = explainJson(['--root', vss, 'loot.7z', '--scope', 'all']);
    expect(r.live).toBe(true);
    expect(r.root).toBe(`${vss}, volume vss.img#vss1`);
    expect(r.fingerprint!.format).toBe('7z');
    expect(r.warnings[0]).toBe('no live volume of the image has this file: read from its newest shadow copy that does, vss.img#vss1');
    expect(r.verdict).toMatchObject({ kind: 'file', level: inCopy.level, score: inCopy.score });
    expect(r.verdict.reasons.map((x) => x.rule)).toEqual(inCopy.reasons.map((x) => x.rule));
    // named by the copy's label: the same file, without the note
    const named = explainJson(['--root', vss, 'vss.img#vss1/loot.7z', '--scope', 'all']);
    expect([named.verdict.score, named.warnings]).toEqual([inCopy.score, []]);
    // parse reads it too, and says where from
    const parsed = runCli(['parse', '--root', vss, 'loot.7z']);
    expect(parsed.status).toBe(0);
    expect(JSON.parse(parsed.stdout.trim())).toMatchObject({ type: 'encrypted-file-list', format: '7z' });
    expect(parsed.stderr).toBe('stagehunt: warning: no live volume of the image has this file: read from its newest shadow copy that does, vss.img#vss1\n');
  }, 120_000);
});
