/** `explain` in text mode: entry lists, records and links as labelled lines, the scan's reasons, no JSON blobs, rounded numbers. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { roundP } from '../../src/report/explain-text.js';
import { DEMO_IMAGE, ensureDemoImage, runCli } from '../helpers/cli.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

/** A $I record, version 2: deleted 2024-05-01 12:00:00 UTC, was `original` of `size` bytes. */
function dollarI(original: string, size: number): Buffer {
  const name = Buffer.from(`${original}\0`, 'utf16le');
  const head = Buffer.alloc(28);
  head.writeBigUInt64LE(2n, 0);
  head.writeBigUInt64LE(BigInt(size), 8);
  head.writeBigUInt64LE((BigInt(Date.UTC(2024, 4, 1, 12)) + 11_644_473_600_000n) * 10_000n, 16);
  head.writeUInt32LE(original.length + 1, 24);
  return Buffer.concat([head, name]);
}

beforeAll(async () => {
  await ensureDemoImage();
});

function explain(rel: string): string {
  const r = runCli(['explain', path.join(DEMO_IMAGE, rel)]);
  expect(r.status).toBe(0);
  expect(r.stdout).not.toMatch(/[{[]"/);
  expect(r.stdout).not.toMatch(/\d\.\d{8,}/);
  return r.stdout;
}

describe('explain --format text', () => {
  it('an archive: its entry list, one line per entry', () => {
    const out = explain('ProgramData/Adobe/temp/upd.tmp');
    expect(out).toMatch(/archive: +zip; \d+ entries/);
    expect(out).toMatch(/^ {2}Users\/alice\/Documents\/Budget 2025\.xlsx {2}\d+ bytes, modified 2024-03-01T12:00:00/m);
  });

  it('a $I record: where the file was, when it was deleted, and the data file it links to', () => {
    const out = explain('$Recycle.Bin/S-1-5-21-3623811015-3361044348-30300820-1001/$IK3J9QZ.rar');
    expect(out).toContain('deleted 2025-03-15T05:06:41.1230000Z: was C:\\Users\\Public\\Libraries\\bk.part3.rar');
    expect(out).toContain('links to other evidence:');
    expect(out).toContain('data file: $RK3J9QZ.rar (present next to it)');
    expect(out).toMatch(/\+55 recyclebin-multipart-archive: archive volume deleted/);
  });

  it('a parser that claimed the file and found nothing is named once at the end, not given a block', () => {
    // An .exe is tried as a self-extracting ZIP; a $I record named ….exe holds none.
    const root = tempDir('explain-tried');
    try {
      const bin = path.join(root, '$Recycle.Bin', 'S-1-5-21-1-2-3-1001');
      mkdirSync(bin, { recursive: true });
      writeFileSync(path.join(bin, '$IABC123.exe'), dollarI('C:\\Users\\bob\\tool.exe', 4096));
      const r = runCli(['explain', path.join(bin, '$IABC123.exe'), '--root', root]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('parsed by recyclebin-i: 1 record');
      expect(r.stdout).toContain('was C:\\Users\\bob\\tool.exe (4096 bytes; $I v2)');
      expect(r.stdout).not.toMatch(/parsed by zip/);
      expect(r.stdout).toMatch(/^also tried, found nothing: zip$/m);
    } finally {
      removeTree(root);
    }
  });

  it('a history file: each command with its line', () => {
    const out = explain('Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt');
    expect(out).toMatch(/line 3 \(powershell, alice\): C:\\Users\\Public\\r\.exe a -hpS3cr3t!/);
    expect(out).toMatch(/\+50 history-archive-password: /);
  });

  it.each([
    [0, '< 1e-300'],
    [0.5, '0.5'],
    [0.123456789012345, '0.123'],
    [0.000012345678, '1.23e-5'],
    [null, '-'],
  ])('p-value %s -> %s', (p, shown) => {
    expect(roundP(p)).toBe(shown);
  });
});

describe('parse on an archive whose file list is encrypted', () => {
  it.each(['Users/Public/Libraries/bk.part1.rar', 'PerfLogs/1/data.7z'])('%s prints one record that says so', (rel) => {
    const r = runCli(['parse', path.join(DEMO_IMAGE, rel)]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'encrypted-file-list', headersEncrypted: true, entryCount: null });
  });
});
