/**
 * Linux and macOS layouts end to end. Linux: /tmp, /dev/shm and hidden directories as hotspots, the freedesktop
 * Trash and a bash history read in a default scan, and the history linked to what it wrote.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { pseudoRandom } from '../../fixtures/lib/sevenzip-rar-writers.mjs';

let root = '';

function put(rel: string, data: Buffer | string): void {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, data);
  const t = new Date('2024-03-09T16:30:00Z');
  utimesSync(abs, t, t);
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'sh-linux-'));
  put('etc/hostname', 'web01\n');
  put('usr/bin/.keep', '');
  put('var/log/syslog', 'Mar  9 16:00:01 web01 CRON[1]: ok\n');
  put('tmp/.x/o.tgz', gzipSync(Buffer.alloc(2048, 0x61)));
  put('dev/shm/blob', pseudoRandom(300_000, 77));
  put('home/eve/.bash_history', '#1710000000\ntar -czf /tmp/.x/o.tgz /home/eve/Documents\n#1710000100\ngpg -c /tmp/.x/o.tgz\n');
  put('home/eve/.local/share/Trash/info/plan.zip.trashinfo', '[Trash Info]\nPath=/home/eve/plan%20B.zip\nDeletionDate=2024-03-09T16:40:00\n');
  put('home/eve/.local/share/Trash/files/plan.zip', buildZip({ entries: [{ name: 'home/eve/Documents/plan.docx', data: 'x', encrypt: 'zipcrypto' }] }));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('scan of a Linux layout', () => {
  test('hotspots, Trash and history are read and linked', () => {
    const r = runCli(['scan', root, '--format', 'json', '--min-level', 'info']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.meta.roots[0].os).toBe('linux');
    const find = (kind: string, p: string, line?: number) =>
      report.findings.find((f: { kind: string; path: string; line?: number }) => f.kind === kind && f.path === p && (line === undefined || f.line === line));
    expect(find('file', 'dev/shm/blob')?.level).toMatch(/high|critical/);
    const tgz = find('file', 'tmp/.x/o.tgz');
    expect(tgz?.level).toMatch(/high|critical/);
    expect(tgz.reasons.map((x: { rule: string }) => x.rule)).toContain('named-in-history');
    const tar = find('history', 'home/eve/.bash_history', 2);
    expect(tar).toMatchObject({ user: 'eve' });
    expect(find('history', 'home/eve/.bash_history', 4)?.reasons.map((x: { rule: string }) => x.rule)).toContain('history-encrypt-file');
    expect(find('trash', 'home/eve/.local/share/Trash/info/plan.zip.trashinfo')).toMatchObject({ originalPath: '/home/eve/plan B.zip' });
    expect(find('directory', 'tmp/.x')?.reasons.map((x: { rule: string }) => x.rule)).toContain('hidden-dir-in-temp');
    expect(report.episodes.length).toBeGreaterThan(0);
  });
});

describe('scan of a macOS layout', () => {
  let mac = '';
  beforeAll(() => {
    mac = mkdtempSync(path.join(os.tmpdir(), 'sh-macos-'));
    const at = (rel: string, data: Buffer | string): void => {
      const abs = path.join(mac, ...rel.split('/'));
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, data);
    };
    at('System/Library/CoreServices/SystemVersion.plist', '<plist/>');
    at('private/tmp/x.zip', buildZip({ entries: [{ name: 'Users/ann/Documents/a.pdf', data: 'x' }] }));
    at('Users/Shared/.d/blob.bin', pseudoRandom(200_000, 5));
    at('Users/ann/.Trash/old.7z.001', pseudoRandom(100_000, 6));
    at('Users/ann/Pictures/cat.jpg', Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), pseudoRandom(50_000, 7)]));
  });
  afterAll(() => {
    if (mac) rmSync(mac, { recursive: true, force: true });
  });

  test('private/tmp, Users/Shared and ~/.Trash are hotspots', () => {
    const report = JSON.parse(runCli(['scan', mac, '--format', 'json', '--min-level', 'info']).stdout);
    expect(report.meta.roots[0].os).toBe('macos');
    const level = (p: string): string => report.findings.find((f: { path: string; kind: string }) => f.path === p && f.kind === 'file')?.level ?? 'none';
    expect(level('private/tmp/x.zip')).toMatch(/medium|high|critical/);
    expect(level('Users/Shared/.d/blob.bin')).toMatch(/high|critical/);
    expect(report.findings.some((f: { path: string }) => f.path === 'Users/ann/.Trash/old.7z.001')).toBe(true);
    expect(level('Users/ann/Pictures/cat.jpg')).toBe('none');
  });
});
