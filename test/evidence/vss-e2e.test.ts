/**
 * Shadow copies end to end through the built CLI (docs/images.md "Shadow copies"): a staged archive
 * deleted from the live volume before acquisition, kept in the volume's shadow copy
 * (test/evidence/vss-image.ts). The copy's bytes are checked against libvshadow (pyvshadow) and
 * against the volume before the deletion; the scan reports the archive itself, read from the copy,
 * under the copy's root, and leaves out of the copy what the live volume has unchanged.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readShadowCopies } from '../../src/evidence/image/vss/index.js';
import { BIN, runCli } from '../helpers/cli.js';
import { findingId } from '../../src/rules/engine.js';
import { DEBIAN_PYTHON, describeIf, pythonModuleAvailable, testIf, toolAvailable } from '../helpers/corpus.js';
import { fileSource, workDir } from '../ntfs/helpers.js';
import { buildVssImage, COPY_CREATED, COPY_MACHINE, SECURITY_COMMAND, SECURITY_LOG, SYSMON_LOG, VSS_IMAGE_TOOLS, type VssImage } from './vss-image.js';

const built = existsSync(BIN) && existsSync(path.join(process.cwd(), 'dist', 'bundle', 'main.cjs'));
const ready = built && VSS_IMAGE_TOOLS.every((t) => toolAvailable(t));

interface F {
  id: string;
  root: string;
  kind: string;
  path: string;
  level: string;
  format: string | null;
  event?: { channel: string; recordId: number; eventId: number };
  fileId?: string;
  hashes?: { sha256?: string };
  details?: { command?: string; shadowCopy?: { number: number; created: string | null; onLiveVolume?: string } };
  reasons: Array<{ rule: string }>;
}
interface Root {
  label: string;
  filesScanned: number;
  shadowCopy?: { of: string; number: number; created: string; operatingMachine: string; findingsAsLive: number };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describeIf(ready, built ? `tools ${VSS_IMAGE_TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('an archive deleted from the live volume, kept in its shadow copy', () => {
  let dir: string;
  let img: VssImage;
  let findings: F[];
  let roots: Root[];
  let episodes: Array<{ findingIds: string[]; evidenceKinds: string[]; narrative: string }>;
  beforeAll(() => {
    dir = path.join(workDir(), 'vss');
    rmSync(dir, { recursive: true, force: true });
    img = buildVssImage(dir);
    const r = runCli(['scan', img.image, '--scope', 'all', '--format', 'json', '--quiet', '--min-level', 'info'], { timeoutMs: 120_000 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { findings: F[]; meta: { roots: Root[] }; episodes?: typeof episodes };
    findings = report.findings;
    roots = report.meta.roots;
    episodes = report.episodes ?? [];
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the copy reads as the volume before the deletion, by stagehunt\'s reader', () => {
    expect(img.savedBlocks).toBeGreaterThan(1);
    const warnings: string[] = [];
    const [copy, ...more] = readShadowCopies(fileSource(img.image), 'vss.img', warnings);
    expect(warnings).toEqual([]);
    expect(more).toEqual([]);
    expect(copy).toMatchObject({ number: 1, created: COPY_CREATED, operatingMachine: COPY_MACHINE, attributeFlags: 0x00420009 });
    expect(copy!.source.size).toBe(img.before.length);
    expect(sha256(copy!.source.read(0, copy!.source.size))).toBe(sha256(img.before));
  });

  testIf(pythonModuleAvailable('pyvshadow', 'python3-libvshadow'), 'pyvshadow (python3-libvshadow) not installed')('and by libvshadow (pyvshadow)', () => {
    const out = execFileSync(DEBIAN_PYTHON, [path.join(process.cwd(), 'test', 'evidence', 'vss-reference.py'), img.image, '0', '--all'], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n');
    const stores = out.slice(1).map((l) => JSON.parse(l) as { sha256: string; created: string });
    expect(stores).toHaveLength(1);
    expect(stores[0]!.sha256).toBe(sha256(img.before));
    expect(stores[0]!.created).toBe('2024-05-01T02:00:00');
  });

  test('the scan reads the copy as a root of its own, after the live volume', () => {
    expect(roots.map((r) => r.label)).toEqual(['vss.img', 'vss.img#vss1']);
    expect(roots[1]!.shadowCopy).toMatchObject({ of: 'vss.img', number: 1, created: COPY_CREATED, operatingMachine: COPY_MACHINE });
  });

  test('the archive itself is a finding of the copy, read from its bytes (7z with encrypted headers)', () => {
    const loot = findings.filter((f) => f.root === 'vss.img#vss1' && f.path === 'loot.7z');
    expect(loot).toHaveLength(1);
    expect(loot[0]).toMatchObject({ kind: 'file', format: '7z' });
    expect(['high', 'critical']).toContain(loot[0]!.level);
    // Hashed from the copy's bytes: the archive 7zz made, byte for byte.
    expect(loot[0]!.hashes?.sha256).toBe(sha256(readFileSync(path.join(dir, 'src', 'loot.7z'))));
    // Its MFT entry is free on the live volume: gone since the copy was made.
    expect(loot[0]!.details?.shadowCopy).toEqual({ number: 1, created: COPY_CREATED, onLiveVolume: 'gone' });
    // The live volume has no file of it (only the traces `del` left).
    expect(findings.filter((f) => f.root === 'vss.img' && f.kind === 'file' && f.path === 'loot.7z')).toEqual([]);
    // Its id is made from the copy's store identifier, not its number: a copy made or deleted later renumbers this one, and its ids (a --baseline) stay.
    expect(loot[0]!.id).toBe(findingId(`vss.img#vss{${img.storeId}}`, { kind: 'file', path: 'loot.7z' }));
    expect(loot[0]!.id).not.toBe(findingId('vss.img#vss1', { kind: 'file', path: 'loot.7z' }));
  });

  test('files the live volume has unchanged are not walked again in the copy, and not reported twice', () => {
    // The 12 documents are the live volume's, in the same state: not walked in the copy.
    expect(roots[1]!.filesScanned).toBeLessThan(roots[0]!.filesScanned);
    // The history grew since the copy: walked in the copy, and its first line there is the live line 1 (left out).
    expect(roots[1]!.shadowCopy!.findingsAsLive).toBeGreaterThanOrEqual(1);
    const inCopy = findings.filter((f) => f.root === 'vss.img#vss1');
    expect(inCopy.filter((f) => /doc-\d+\.docx|ConsoleHost_history/.test(f.path))).toEqual([]);
    const keys = (root: string): string[] => findings.filter((f) => f.root === root).map((f) => `${f.kind} ${f.path} ${f.fileId ?? ''}`);
    const live = new Set(keys('vss.img'));
    // What both roots report is not the same evidence in the same state (or it would have been left out).
    for (const k of keys('vss.img#vss1')) if (live.has(k)) expect(k).toMatch(/^(usn-record|mft-record|i30-entry) /);
  });

  test('an event log cleared after the copy: its events from the copy (the file changed, not gone); a log that grew: its old events are the live ones', () => {
    const fromCopy = findings.filter((f) => f.root === 'vss.img#vss1' && f.kind === 'event');
    expect(fromCopy.map((f) => [f.path, f.event])).toEqual([[SECURITY_LOG, { channel: 'Security', recordId: 102, eventId: 4688 }]]);
    expect(fromCopy[0]!.details).toMatchObject({ command: SECURITY_COMMAND, shadowCopy: { number: 1, onLiveVolume: 'changed' } });
    expect(['high', 'critical']).toContain(fromCopy[0]!.level);
    // The live Security log (cleared) has nothing of it; the Sysmon record 7 is reported once, from the live log.
    expect(findings.filter((f) => f.root === 'vss.img' && f.path === SECURITY_LOG)).toEqual([]);
    expect(findings.filter((f) => f.kind === 'event' && f.path === SYSMON_LOG).map((f) => f.root)).toEqual(['vss.img']);
    expect(roots[1]!.shadowCopy!.findingsAsLive).toBeGreaterThanOrEqual(2);
  });

  test('one story: the copy\'s archive and Security event, the live history that made and deleted the archive, the live Sysmon event', () => {
    const copyLoot = findings.find((f) => f.root === 'vss.img#vss1' && f.path === 'loot.7z')!;
    const copyEvent = findings.find((f) => f.root === 'vss.img#vss1' && f.kind === 'event')!;
    const history = findings.filter((f) => f.root === 'vss.img' && f.kind === 'history');
    const sysmon = findings.find((f) => f.root === 'vss.img' && f.kind === 'event')!;
    expect(history).toHaveLength(2);
    const episode = episodes.find((e) => e.findingIds.includes(copyLoot.id));
    expect(episode?.findingIds).toEqual(expect.arrayContaining([copyEvent.id, sysmon.id, ...history.map((h) => h.id)]));
    expect(episode?.evidenceKinds).toEqual(expect.arrayContaining(['archive', 'history', 'event']));
    expect(episode?.narrative).toContain('(loot.7z in shadow copy 1, gone from the live volume)');
    expect(episode?.narrative).toContain('(Security log, event 4688 record 102 in shadow copy 1)');
  });

  test('the table names the copy in the roots line and on the episode\'s lines', () => {
    const r = runCli(['scan', img.image, '--scope', 'all', '--format', 'table', '--no-color', '--verbose'], { timeoutMs: 120_000 });
    expect(r.stdout).toContain('vss.img#vss1 (shadow copy 1 of vss.img');
    expect(r.stdout).toMatch(/file +vss\.img#vss1:loot\.7z/);
  });

  test('the HTML and Markdown reports say under the path which copy a finding was read from', () => {
    for (const format of ['html', 'md']) {
      const r = runCli(['scan', img.image, '--scope', 'all', '--format', format], { timeoutMs: 120_000 });
      expect(r.stdout).toContain('read in shadow copy 1, gone from the live volume (vss.img#vss1)');
      expect(r.stdout).toContain('shadow copy 1 of vss.img, made 2024-05-01T02:00:00.0000000Z');
    }
  });

  test('--no-shadow-copies reads the live volume only', () => {
    const r = runCli(['scan', img.image, '--scope', 'all', '--format', 'json', '--quiet', '--no-shadow-copies'], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as { findings: F[]; meta: { roots: Root[]; options: Record<string, unknown> } };
    expect(report.meta.roots.map((x) => x.label)).toEqual(['vss.img']);
    expect(report.meta.options).toMatchObject({ shadowCopies: false });
    expect(report.findings.filter((f) => f.root !== 'vss.img')).toEqual([]);
  });
});
