/**
 * The tar inside gzip, bzip2, xz, zstd, lz4 and lzip streams is listed to its end by streaming
 * decompression within bounds (src/artifacts/compressed/inner-tar.ts); a cut stream gives the
 * entries before the cut; the bounds stop a stream early; a non-tar stream gives null.
 * Streams are made with the reference compressors (.ci/run installs them; CI fails without).
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { listInnerTar, INNER_TAR_BOUNDS } from '../../../src/artifacts/compressed/inner-tar.js';
import type { StreamFormat } from '../../../src/artifacts/compressed/layout.js';
import { parseCompressed } from '../../../src/artifacts/compressed/parse.js';
import { pseudoRandom } from '../../../fixtures/lib/sevenzip-rar-writers.mjs';
// @ts-expect-error plain-JS fixture generator without type declarations
import { tar } from '../../../fixtures/background/generate.mjs';
import { testIf, toolMissing, IN_CI } from '../../helpers/corpus.js';

const TOOLS: Array<[StreamFormat, string, string[], string]> = [
  ['bzip2', 'bzip2', ['-kf'], '.bz2'],
  ['xz', 'xz', ['-kf'], '.xz'],
  ['zstd', 'zstd', ['-qf'], '.zst'],
  ['lz4', 'lz4', ['-qf'], '.lz4'],
  ['lzip', 'lzip', ['-kf'], '.lz'],
];
const has = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const NAMES = ['home/u/Documents/big.pdf', 'etc/shadow', 'home/u/Documents/a.docx', 'home/u/.ssh/id_ed25519'];
let dir = '';
let plain: Buffer;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sh-innertar-'));
  // A big first member, so the later headers lie far beyond any head peek.
  plain = tar([{ name: NAMES[0], data: pseudoRandom(400_000, 3) }, ...NAMES.slice(1).map((name) => ({ name, data: `${name}\n` }))]) as Buffer;
  writeFileSync(path.join(dir, 't.tar'), plain);
});

const list = (buf: Buffer, format: StreamFormat, bounds = INNER_TAR_BOUNDS) => listInnerTar(bufferSource(buf), format, bounds);

describe('tar inside compressed streams', () => {
  test('gzip: every entry, beyond the first 400 KB member', async () => {
    const r = await list(gzipSync(plain), 'gzip');
    expect(r.entries!.map((e) => e.name)).toEqual(NAMES);
    expect(r).toMatchObject({ complete: true, stoppedBy: null });
  });

  for (const [format, tool, args, ext] of TOOLS) {
    // In CI the tool must be there: the test runs and fails without it.
    testIf(has(tool) || IN_CI, toolMissing(tool))(`${format}: every entry, and the entries before a cut (${tool})`, async () => {
      const input = path.join(dir, 't.tar');
      // lz4 writes to stdout when it is not a terminal unless the output is named.
      execFileSync(tool, tool === 'lz4' ? [...args, input, `${input}${ext}`] : [...args, input]);
      const buf = readFileSync(path.join(dir, `t.tar${ext}`));
      const r = await list(buf, format);
      expect([format, r.entries?.map((e) => e.name)]).toEqual([format, NAMES]);
      expect(r.complete).toBe(true);
      const cut = await list(buf.subarray(0, Math.floor(buf.length / 2)), format);
      expect(cut.complete).toBe(false);
      expect(cut.entries === null || cut.entries.length < NAMES.length).toBe(true);
    });
  }

  test('bounds stop the walk: output bytes and entries', async () => {
    const gz = gzipSync(plain);
    const byOutput = await list(gz, 'gzip', { ...INNER_TAR_BOUNDS, maxOutputBytes: 100_000 });
    expect(byOutput).toMatchObject({ complete: false, stoppedBy: 'output' });
    expect(byOutput.entries!.map((e) => e.name)).toEqual([NAMES[0]]);
    // The CPU bound counts from the first tar output: a bound already spent stops the walk there, with what was read.
    const byTime = await list(gz, 'gzip', { ...INNER_TAR_BOUNDS, maxMs: -1 });
    expect(byTime).toMatchObject({ complete: false, stoppedBy: 'time' });
    expect(byTime.entries!.length).toBeLessThan(NAMES.length);
    const byEntries = await list(gz, 'gzip', { ...INNER_TAR_BOUNDS, maxEntries: 2 });
    expect(byEntries.entries).toHaveLength(2);
    expect(byEntries.complete).toBe(false);
  });

  test('a compressed log is no tar; garbage is a warning, never a throw', async () => {
    expect((await list(gzipSync(Buffer.from('Mar  9 16:00:01 web01 CRON[1]: ok\n'.repeat(100))), 'gzip')).entries).toBeNull();
    const junk = await list(Buffer.concat([Buffer.from('28b52ffd', 'hex'), pseudoRandom(5000, 9)]), 'zstd');
    expect(junk.entries).toBeNull();
  });

  test('the compressed parser hands the members to the content rules', async () => {
    const r = await parseCompressed(bufferSource(gzipSync(plain)), { relPath: 'var/log/x.2.gz', name: 'x.2.gz', head: Buffer.alloc(0), size: 0, format: 'gz' });
    const inner = r!.records.filter((x) => x.inner === 'tar').map((x) => x.name);
    expect(inner).toEqual(NAMES);
    expect(r!.facts).toMatchObject({ inner: 'tar', fields: expect.objectContaining({ innerEntriesComplete: true }) });
  });
});
