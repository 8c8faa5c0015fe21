/**
 * inspectFileMaybeSync (issue 17, session 7): the common file (settled from its head, claimed by
 * no parser) is inspected without a promise; a file that needs file-type or a parser gets one.
 * Either way the Inspection equals inspectFile's, on hand-made cases and on every file of a
 * findings-heavy bench tree.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { NO_TIMES } from '../../src/model/finding.js';
import { byteStats, histogramOf } from '../../src/fingerprint/entropy.js';
import { inspectFile, inspectFileMaybeSync, keepsFileCandidate, type Inspection, type InspectInput } from '../../src/pipeline/inspect.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { forEachFileHead } from '../helpers/file-heads.js';

function input(relPath: string, body: Buffer): InspectInput {
  return {
    src: bufferSource(body), head: body.subarray(0, LIMITS.headBytes), relPath, name: path.posix.basename(relPath), size: body.length,
    times: NO_TIMES, hotspot: null, os: 'windows',
  };
}

/** Bytes with no magic and no text (a fixed LCG: the same every run). */
function noise(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('inspectFileMaybeSync', () => {
  test('a text file is settled without a promise, equal to inspectFile', async () => {
    const file = input('Users/alice/notes.txt', Buffer.from('meeting at ten\nbring the slides\n'.repeat(20)));
    const got = inspectFileMaybeSync(file);
    expect(got).not.toBeInstanceOf(Promise);
    expect(got).toEqual(await inspectFile(file));
  });

  test('an empty file and a text file under a document name are settled without a promise', async () => {
    for (const file of [input('Windows/Temp/empty.tmp', Buffer.alloc(0)), input('Users/Public/report.pdf', Buffer.from('not a pdf at all\n'.repeat(30)))]) {
      const got = inspectFileMaybeSync(file);
      expect(got).not.toBeInstanceOf(Promise);
      expect(got).toEqual(await inspectFile(file));
    }
  });

  test('a confident verdict leaves the statistics out: a kept file shows its head\'s entropy, a file not kept none', async () => {
    const kept = input('Users/Public/report.pdf', Buffer.from('quarterly figures, not a pdf at all\n'.repeat(30)));
    const got = inspectFileMaybeSync(kept) as Inspection;
    expect(got.fingerprint.statisticsDeferred).toBe(true);
    expect(keepsFileCandidate(got.fileCandidate)).toBe(true);
    const entropy = byteStats(histogramOf(kept.head)).entropy;
    expect(got.fileCandidate.entropy).toBe(Math.round(entropy * 1000) / 1000);
    expect(got.fileCandidate.entropy).toBeGreaterThan(3);
    const note = inspectFileMaybeSync(input('Users/alice/notes.txt', Buffer.from('meeting at ten\nbring the slides\n'.repeat(20)))) as Inspection;
    expect(keepsFileCandidate(note.fileCandidate)).toBe(false);
    expect(note.fileCandidate.entropy).toBeNull();
  });

  test('a head the fast fingerprint leaves open (file-type) gives a promise of the same Inspection', async () => {
    const file = input('Users/Public/blob.dat', noise(8192));
    const got = inspectFileMaybeSync(file);
    expect(got).toBeInstanceOf(Promise);
    const sync = await got;
    expect(sync).toEqual(await inspectFile(file));
    expect(sync.fileCandidate.entropy).toBeGreaterThan(7.9);
  });

  test('a file a parser claims (a shell history) gives a promise, with the parser run and its commands', async () => {
    const file = input('home/bob/.bash_history', Buffer.from('ls\ntar czf /tmp/out.tgz /home/bob/Documents\nrm -rf /tmp/x\n'));
    const got = inspectFileMaybeSync(file);
    expect(got).toBeInstanceOf(Promise);
    const inspection = await got;
    expect(inspection.runs.length).toBeGreaterThan(0);
    expect(inspection).toEqual(await inspectFile(file));
  });

  let dir = '';
  afterAll(() => {
    if (dir) removeTree(dir);
  });
  test('every file of a findings bench tree: the same Inspection as inspectFile, most without a promise', async () => {
    dir = tempDir('inspect-sync');
    const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate(a: Record<string, unknown>, log?: (m: string) => void): unknown };
    generate({ out: dir, files: 800, uniform: 0, seed: 7407, force: true, profile: 'findings' }, () => undefined);
    let files = 0;
    let direct = 0;
    const mismatches: string[] = [];
    await forEachFileHead(dir, async ({ relPath, name, size, head, src }) => {
      const file: InspectInput = { src, head, relPath, name, size, times: NO_TIMES, hotspot: null, os: 'windows', siblings: [] };
      const got = inspectFileMaybeSync(file);
      if (!(got instanceof Promise)) direct++;
      files++;
      const a = JSON.stringify(await got);
      const b = JSON.stringify(await inspectFile(file));
      if (a !== b) mismatches.push(relPath);
    });
    expect(mismatches).toEqual([]);
    expect(files).toBe(800);
    expect(direct / files).toBeGreaterThan(0.5);
  }, 120_000);
});
