/**
 * A mounted-style Windows tree built here, independently of the demo image and its names:
 * staged archives, an encrypted blob and a copied hive must rank high; ordinary temp files,
 * photos, installers and Office documents must stay low or produce nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { makePlain7z } from '../../fixtures/lib/sevenzip-rar-writers.mjs';
// @ts-expect-error plain-JS fixture builders without type declarations
import { writeHive } from '../../fixtures/lib/regf-writer.mjs';

let root = '';

function put(rel: string, data: Buffer | string, when = '2025-06-02T13:00:00Z'): void {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, data);
  const t = new Date(when);
  utimesSync(abs, t, t);
}

const jpeg = (n: number): Buffer => Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), randomBytes(n)]);
const docx = (): Buffer =>
  buildZip({ entries: [{ name: '[Content_Types].xml', data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml"/></Types>' }, { name: 'word/document.xml', data: '<w:document/>' }] });

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sh-untuned-'));
  // Ordinary life on a workstation.
  put('Windows/System32/drivers/etc/hosts', '127.0.0.1 localhost\n');
  put('Users/carol/AppData/Local/Temp/wct1A2B.tmp', 'temporary settings cache\n');
  put('Users/carol/AppData/Local/Temp/msedge_installer.log', 'install ok\n'.repeat(50));
  put('Users/carol/AppData/Local/Temp/holiday.jpg', jpeg(300_000));
  put('Users/carol/AppData/Local/Temp/Quarterly review.docx', docx());
  put('Users/carol/AppData/Local/Temp/~$arterly review.docx', Buffer.from('carol', 'utf16le'));
  put('Users/carol/Documents/plan.docx', docx());
  put('Windows/Temp/DISM.log', 'DISM log\n'.repeat(200));
  put('ProgramData/Vendor/agent/config.json', '{"interval": 60}');
  // Staging, with names and places the demo image does not use.
  put('Windows/Debug/wia/trace.zip', buildZip({ entries: [{ name: 'Users/carol/Documents/plan.docx', data: randomBytes(20_000) }, { name: 'Users/dave/Desktop/keys.txt', data: 'x' }] }), '2025-06-02T02:10:00Z');
  put('Users/Public/Downloads/u.7z', makePlain7z({ files: [{ name: 'finance/q2.xlsx', size: 5000 }, { name: 'finance/q3.xlsx', size: 5000 }] }), '2025-06-02T02:12:00Z');
  // Seeded random-looking bytes: the encrypted-container verdict's chi-square window rejects 0.2 % of fresh random buffers.
  const state = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i * 32 < state.length; i++) createHash('sha256').update(`state:${i}`).digest().copy(state, i * 32);
  put('ProgramData/info/state.bin', state, '2025-06-02T02:15:00Z');
  put('Windows/Temp/s/SECURITY', writeHive({ name: 'ROOT', subkeys: [{ name: 'Policy', values: [{ name: 'x', type: 'REG_BINARY', data: randomBytes(32) }] }] }), '2025-06-02T02:05:00Z');
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('scan of an independently built Windows tree', () => {
  test('staged data ranks high, ordinary files low', () => {
    const r = runCli(['scan', root, '--format', 'json', '--min-level', 'info']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.meta.roots[0].os).toBe('windows');
    const level = (p: string): string => report.findings.find((f: { path: string; kind: string }) => f.path === p && f.kind === 'file')?.level ?? 'none';
    for (const staged of ['Windows/Debug/wia/trace.zip', 'Users/Public/Downloads/u.7z', 'ProgramData/info/state.bin', 'Windows/Temp/s/SECURITY']) {
      expect([staged, level(staged)]).toEqual([staged, expect.stringMatching(/^(high|critical)$/)]);
    }
    for (const ordinary of ['Users/carol/AppData/Local/Temp/wct1A2B.tmp', 'Users/carol/AppData/Local/Temp/msedge_installer.log', 'Users/carol/AppData/Local/Temp/holiday.jpg', 'Users/carol/AppData/Local/Temp/Quarterly review.docx', 'Users/carol/AppData/Local/Temp/~$arterly review.docx', 'Windows/Temp/DISM.log']) {
      expect([ordinary, level(ordinary)]).toEqual([ordinary, expect.stringMatching(/^(none|info|low)$/)]);
    }
  });
});
