/**
 * A dirty NTUSER.DAT whose staging evidence Windows had written only to its .LOG1 (as on a system
 * collected running, or after a crash): 7-Zip's ArcHistory naming C:\Users\Public\out.7z. scan,
 * explain and parse read the hive with its log applied, in a directory root and in an ext4 image;
 * without the log beside it the evidence is not there, and the scan says the hive was dirty. The
 * evidence is read, never written.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable, toolMissing } from '../helpers/corpus.js';
import { buildExt4 } from '../evidence/build-images.js';
// @ts-expect-error plain-JS fixture builders without type declarations
import { writeHive } from '../../fixtures/lib/regf-writer.mjs';
// @ts-expect-error plain-JS fixture builders without type declarations
import { newFormatLog } from '../../fixtures/lib/regf-log-writer.mjs';

const utf16List = (...items: string[]): Buffer => Buffer.from(items.join('\u0000') + '\u0000\u0000', 'utf16le');
const user = (software: object[]) => ({ name: 'CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}', subkeys: [{ name: 'Software', subkeys: [{ name: 'Vendor', values: [{ name: 'x', type: 'REG_SZ', data: 'y' }] }, ...software] }] });
const before: Buffer = writeHive(user([]));
const after: Buffer = writeHive(user([{ name: '7-Zip', subkeys: [{ name: 'Compression', values: [{ name: 'ArcHistory', type: 'REG_BINARY', data: utf16List('C:\\Users\\Public\\out.7z') }] }] }]), { lastWritten: new Date('2025-06-02T02:10:00Z') });
const { primary, log } = newFormatLog(before, [after], { sequence: 30 }) as { primary: Buffer; log: Buffer };

let work = '';
let withLog = '';
let withoutLog = '';

function put(root: string, rel: string, data: Buffer): void {
  const abs = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, data);
}

/** Every file under `dir` with its SHA-256: what a read-only scan must leave as it was. */
function inventory(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out[path.relative(dir, abs)] = createHash('sha256').update(readFileSync(abs)).digest('hex');
  }
  return out;
}

interface Finding { kind: string; path: string; key?: string; value?: string; level: string; reasons: Array<{ rule: string }>; details?: Record<string, unknown> }
interface Report { findings: Finding[]; errors: Array<{ path: string; op: string; message: string }> }

const scan = (target: string): Report => {
  const r = runCli(['scan', target, '--format', 'json', '--min-level', 'info']);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Report;
};
const arcHistory = (report: Report): Finding[] => report.findings.filter((f) => f.kind === 'registry' && f.key?.endsWith('7-Zip\\Compression') && f.value === 'ArcHistory');

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sh-hive-logs-'));
  withLog = path.join(work, 'with');
  withoutLog = path.join(work, 'without');
  put(withLog, 'Users/alice/NTUSER.DAT', primary);
  put(withLog, 'Users/alice/NTUSER.DAT.LOG1', log);
  put(withoutLog, 'Users/alice/NTUSER.DAT', primary);
  for (const root of [withLog, withoutLog]) {
    put(root, 'Windows/System32/drivers/etc/hosts', Buffer.from('127.0.0.1 localhost\n'));
    chmodSync(path.join(root, 'Users/alice'), 0o555);
  }
});

afterAll(() => {
  if (!work) return;
  for (const root of [withLog, withoutLog]) chmodSync(path.join(root, 'Users/alice'), 0o755);
  rmSync(work, { recursive: true, force: true });
});

describe('a dirty hive with its transaction log beside it', () => {
  test('scan: the ArcHistory only the log held is found, and the report says the log was applied', () => {
    const evidence = inventory(withLog);
    const report = scan(withLog);
    const found = arcHistory(report);
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe('Users/alice/NTUSER.DAT');
    expect(found[0]!.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['registry-archiver-history', 'registry-history-staging-location']));
    // The finding says its value was read from the log, not from the hive file as found.
    expect(found[0]!.details).toMatchObject({ fromTransactionLog: true });
    expect(report.errors.filter((e) => e.path === 'Users/alice/NTUSER.DAT').map((e) => e.message)).toEqual([
      expect.stringMatching(/dirty hive \(sequence 31 != 30\): 1 log entry \(sequence 30 to 30\) of NTUSER.DAT.LOG1 applied, 1 dirty page: keys and values are read as Windows would load the hive$/),
    ]);
    expect(inventory(withLog)).toEqual(evidence);
  });

  test('scan without the log: not found, and the hive is said to be dirty', () => {
    const report = scan(withoutLog);
    expect(arcHistory(report)).toEqual([]);
    expect(report.errors.filter((e) => e.path === 'Users/alice/NTUSER.DAT').map((e) => e.message).join('\n')).toMatch(/dirty hive \(sequence 31 != 30\)/);
  });

  test('--no-hive-logs reads the hive as found: scan, explain and parse', () => {
    const r = runCli(['scan', withLog, '--format', 'json', '--min-level', 'info', '--no-hive-logs']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Report & { meta: { options: Record<string, unknown> } };
    expect(arcHistory(report)).toEqual([]);
    expect(report.meta.options.hiveLogs).toBe(false);
    expect(report.errors.filter((e) => e.path === 'Users/alice/NTUSER.DAT').map((e) => e.message).join('\n')).toMatch(/transaction logs present but not replayed: NTUSER.DAT.LOG1/);
    const hive = path.join(withLog, 'Users/alice/NTUSER.DAT');
    const explained = JSON.parse(runCli(['explain', hive, '--format', 'json', '--no-hive-logs']).stdout) as { artifacts: Array<{ parser: string; summary?: Record<string, unknown> }> };
    expect(explained.artifacts.find((p) => p.parser === 'regf')!.summary).toMatchObject({ dirty: true, transactionLogs: ['NTUSER.DAT.LOG1'] });
    expect(explained.artifacts.find((p) => p.parser === 'regf')!.summary!.replayed).toBeUndefined();
    const parsed = runCli(['parse', hive, '--format', 'jsonl', '--no-hive-logs']);
    expect(JSON.parse(parsed.stdout.split('\n')[0]!)).toMatchObject({ type: 'registry-hive', dirty: true, sequence1: 31, sequence2: 30 });
  });

  test('explain and parse read the hive with the log applied, and say so', () => {
    const hive = path.join(withLog, 'Users/alice/NTUSER.DAT');
    const explained = runCli(['explain', hive, '--format', 'json']);
    expect(explained.status).toBe(0);
    const facts = JSON.parse(explained.stdout) as { artifacts: Array<{ parser: string; summary?: { dirty: boolean; replayed: { entries: number; lastSequence: number } | null } }> };
    const regf = facts.artifacts.find((p) => p.parser === 'regf')!;
    expect(regf.summary).toMatchObject({ dirty: true, replayed: { entries: 1, lastSequence: 30 } });
    const asText = runCli(['explain', hive]);
    expect(asText.stdout).toMatch(/^ {2}registry-hive: version 1\.5; dirty false; sequence1 30; sequence2 30;.*; read with its transaction logs: 1 entry \(sequence 30 to 30\) of NTUSER\.DAT\.LOG1 applied, on disk sequence 31 != 30$/m);
    const parsed = runCli(['parse', hive, '--format', 'jsonl']);
    expect(parsed.status).toBe(0);
    const records = parsed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; key?: string; name?: string; replayed?: unknown });
    expect(records[0]).toMatchObject({ type: 'registry-hive', dirty: false, sequence1: 30, replayed: { logs: ['NTUSER.DAT.LOG1'], entries: 1, found: { sequence1: 31, sequence2: 30 } } });
    expect(records.some((r) => r.type === 'registry-value' && r.name === 'ArcHistory')).toBe(true);
    expect(parsed.stderr).toMatch(/1 log entry \(sequence 30 to 30\) of NTUSER.DAT.LOG1 applied, 1 dirty page: keys and values are read as Windows would load the hive$/m);
  });
});

const EXT4_TOOLS = ['mke2fs', 'e2fsck', 'debugfs'];
const ext4Missing = EXT4_TOOLS.filter((t) => !toolAvailable(t));
describeIf(ext4Missing.length === 0, toolMissing(ext4Missing.join(', ')))('a dirty hive and its log in an ext4 image', () => {
  test('the image scan applies the log as the directory scan does', () => {
    const image = buildExt4(work, withLog, 'case.img');
    const found = arcHistory(scan(image));
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toMatch(/Users\/alice\/NTUSER.DAT$/);
  });
});
