/**
 * `stagehunt parse HIVE` prints records as the walk reads them (issue 10, streaming parsers): on a
 * hive of 1 GiB the first record is out after a small part of the file was read (the whole-file
 * reader read all of it first), and the run peaks far below the hive's size. The hive is the
 * writer's tree at the start of a sparse file whose header declares 1 GiB of hive bins, so the test
 * costs no disk and little time; docs/registry.md measures a dense 256 MB hive too.
 */
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN } from '../../helpers/cli.js';
import { testIf } from '../../helpers/corpus.js';
import { removeTree, tempDir } from '../../hazards/helpers.js';
import { baseBlockChecksum } from '../../../src/artifacts/regf/layout.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const GIB = 1024 * 1024 * 1024;
const LEAVES = 5_000;
const MAX_RSS_MB = 200;
const PROBE = pathToFileURL(path.join(process.cwd(), 'test', 'artifacts', 'bounds', 'rss-probe.mjs')).href;
/** /proc/<pid>/io counts the bytes a process has read (Linux). */
const HAVE_PROC_IO = existsSync('/proc/self/io');

/** Writes the tree hive at the start of a sparse 1 GiB file whose header declares hive bins to its end. */
function writeSparseHive(file: string): void {
  const subkeys = [];
  for (let i = 0; i < LEAVES; i++) subkeys.push({ name: `key-${i}`, values: [{ name: 'Path', type: 'REG_SZ', data: `C:\\Users\\Public\\item-${i}.dat` }] });
  const hive: Buffer = writeHive({ name: 'ROOT', subkeys: [{ name: 'Software', subkeys }] });
  hive.writeUInt32LE(GIB - 0x1000, 0x28); // hive bins size: to the end of the file
  hive.writeUInt32LE(baseBlockChecksum(hive), 0x1fc);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, hive);
    ftruncateSync(fd, GIB);
  } finally {
    closeSync(fd);
  }
}

function bytesRead(pid: number): number {
  const m = /^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

describe('stagehunt parse streams a hive', () => {
  let dir = '';
  let hive = '';
  beforeAll(() => {
    dir = tempDir('regf-stream');
    hive = path.join(dir, 'NTUSER.DAT');
    writeSparseHive(hive);
  });
  afterAll(() => {
    if (dir) removeTree(dir);
  });

  testIf(HAVE_PROC_IO, 'needs /proc/<pid>/io (Linux)')('1 GiB hive: first record out after a small part is read, every record printed, peak RSS bounded', async () => {
    const child = spawn(process.execPath, [BIN, 'parse', hive], { env: { ...process.env, NODE_OPTIONS: `--import=${PROBE}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    // The first output: how much had the process read by then (its own modules included)?
    const readAtFirstRecord = await new Promise<number>((resolve, reject) => {
      child.stdout.once('readable', () => resolve(bytesRead(child.pid!)));
      child.once('error', reject);
    });
    let lines = 0;
    let first = '';
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      const text = tail + d.toString('utf8');
      const parts = text.split('\n');
      tail = parts.pop()!;
      if (!first && parts.length > 0) first = parts[0]!;
      lines += parts.length;
    });
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(status).toBe(0);
    expect(readAtFirstRecord).toBeLessThan(GIB / 8);
    expect(JSON.parse(first)).toMatchObject({ type: 'registry-hive', rootKeyName: 'ROOT' });
    expect(lines).toBe(1 + 2 + 2 * LEAVES); // header, ROOT and Software, each leaf key and its value
    const probe = /STAGEHUNT_MAXRSS_KB=(\d+)/.exec(stderr);
    expect(probe).not.toBeNull();
    expect(Number(probe![1]) / 1024).toBeLessThan(MAX_RSS_MB);
  }, 120_000);
});
