/** `stagehunt parse $MFT` and `parse $UsnJrnl%3A$J` through the built CLI, as a KAPE/Velociraptor user runs them. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, runCli } from '../helpers/cli.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';

const built = existsSync(path.join(process.cwd(), 'dist', 'artifacts', 'ntfs', 'index.js'));
if (!built) console.warn('NOTICE: dist/ not built (npm run build); NTFS CLI tests are skipped');
const ready = built && corpusAvailable() && existsSync(BIN);

describeIf(ready, built ? CORPUS_MISSING : 'dist/ not built (npm run build)')('stagehunt parse on collected NTFS artifacts', () => {
  // A collection layout (temp copies, outside the project): Velociraptor encodes ':' as %3A.
  const dir = path.join(os.tmpdir(), `stagehunt-ntfs-cli-${process.pid}`, 'uploads', 'auto', 'C%3A');
  beforeAll(() => {
    mkdirSync(path.join(dir, '$Extend'), { recursive: true });
    copyFileSync(corpusPath('ntfs/ntfs-samples/extracted/ntfs.raw.$MFT'), path.join(dir, '$MFT'));
    copyFileSync(corpusPath('usnjrnl/ntfs-samples/extracted/ntfs.raw.$UsnJrnl.$J'), path.join(dir, '$Extend', '$UsnJrnl%3A$J'));
  });
  afterAll(() => rmSync(path.join(os.tmpdir(), `stagehunt-ntfs-cli-${process.pid}`), { recursive: true, force: true }));

  test('parse $MFT prints one mft-record per record with full paths', () => {
    const r = runCli(['parse', path.join(dir, '$MFT')]);
    expect(r.status).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs).toHaveLength(58);
    expect(recs.find((x) => x.path === '/test_dir/file_1.txt')).toMatchObject({ type: 'mft-record', entry: 52, inUse: true, parentEntry: 50, size: 6 });
  });

  test('parse $UsnJrnl%3A$J prints the 188 usn-records', () => {
    const r = runCli(['parse', path.join(dir, '$Extend', '$UsnJrnl%3A$J')]);
    expect(r.status).toBe(0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs).toHaveLength(188);
    expect(recs[0]).toMatchObject({ type: 'usn-record', entry: 43, sequence: 1, parentEntry: 36, reasons: ['FILE_CREATE'], name: 'SPP' });
  });

  test('--format json wraps them with the parser id and summary; --parser mft forces the parser', () => {
    const r = runCli(['parse', '--format', 'json', '--parser', 'mft', path.join(dir, '$MFT')]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { parser: string; summary: { records: number; inUse: number } };
    expect([out.parser, out.summary.records, out.summary.inUse]).toEqual(['mft', 58, 58]);
  });
});
