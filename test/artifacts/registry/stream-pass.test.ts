/**
 * A scan streams a hive through the registry detectors (registry/hive-pass.ts): only the looked-up
 * subtrees are kept, staged values are examined as they pass. The findings must equal those over a
 * view of the whole hive (what a scan did before), on writer-built hives and on every corpus hive.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { RegistryRecord } from '../../../src/artifacts/regf/walk.js';
import { HiveView } from '../../../src/artifacts/registry/view.js';
import { isLookedUp, passOver } from '../../../src/artifacts/registry/hive-pass.js';
import { detectArchiverHistory } from '../../../src/artifacts/registry/archivers.js';
import { detectExecution } from '../../../src/artifacts/registry/execution.js';
import { detectAmcache, detectShimCache } from '../../../src/artifacts/execution/registry.js';
import { detectShellBags } from '../../../src/artifacts/shellbags/collect.js';
import { sidMaps } from '../../../src/artifacts/registry/sids.js';
import { examineValue } from '../../../src/artifacts/registry/staged.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, describeIf } from '../../helpers/corpus.js';
import { corpusHives } from '../regf/corpus-helpers.js';
import { detectContext, parseHive } from './helpers.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { denseTree } from '../bounds/dense-hive.js';

/** The view-based detectors over a view, in the order registry/index.ts runs them. */
function viewFindings(view: HiveView, hivePath: string): unknown {
  return {
    history: detectArchiverHistory(view, hivePath, 'u'),
    execution: detectExecution(view, hivePath, 'u', {}),
    amcache: detectAmcache(view, hivePath),
    shimcache: detectShimCache(view, hivePath),
    shellbags: detectShellBags(view, hivePath, 'u'),
    sids: sidMaps(view),
  };
}

/** Staged values as the former whole-view detector grouped them: key, value, staged values in the key. */
function stagedOverWholeView(view: HiveView): string[] {
  const out: string[] = [];
  for (const node of view.all()) {
    const staged = node.values.filter((v) => examineValue(v) !== null);
    for (const v of staged) out.push(`${node.key}|${v.name}|${staged.length}|${node.lastWritten}`);
  }
  return out;
}

async function expectSameAsWholeView(records: RegistryRecord[], buf: Buffer, relPath: string): Promise<void> {
  const pass = passOver(records);
  expect(viewFindings(pass.view, relPath)).toEqual(viewFindings(new HiveView(records), relPath));
  const staged = pass.staged.candidates(relPath, null).map((c) => `${c.key}|${c.value}|${(c.details as { suspiciousValuesInKey: number }).suspiciousValuesInKey}|${c.details!.keyLastWritten}`);
  expect(staged).toEqual(stagedOverWholeView(new HiveView(records)));
  // The parser's scan (streamed) gives what parse + detect give, and parse's result without records.
  const ctx = detectContext(relPath, buf.length);
  const held = (await regfParser.parse(bufferSource(buf, relPath), ctx))!;
  const scanned = (await regfParser.scan!(bufferSource(buf, relPath), ctx))!;
  expect(scanned.candidates).toEqual(regfParser.detect!(held, ctx));
  expect(scanned.result).toEqual({ ...held, records: [] });
}

const blob = (size: number, seed: number): Buffer => {
  const b = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
};

const tree = {
  name: 'ROOT',
  subkeys: [
    { name: 'Software', subkeys: [
      { name: 'WinRAR', subkeys: [{ name: 'ArcHistory', values: [{ name: '0', type: 'REG_SZ', data: 'C:\\Users\\Public\\x.rar' }] }] },
      { name: 'Store', lastWritten: new Date('2024-03-02T00:00:00Z'), values: [
        { name: 'a', type: 'REG_BINARY', data: Buffer.concat([Buffer.from('504b0304', 'hex'), blob(40 * 1024, 1)]) },
        { name: 'b', type: 'REG_BINARY', data: blob(20 * 1024, 2) },
        { name: 'c', type: 'REG_BINARY', data: blob(20 * 1024, 3) },
        { name: 'small', type: 'REG_BINARY', data: Buffer.from('504b0304', 'hex') },
      ] },
      { name: 'Other', subkeys: [{ name: 'Deep', values: [{ name: 'one', type: 'REG_BINARY', data: blob(20 * 1024, 4) }] }] },
    ] },
    { name: 'ControlSet001', subkeys: [{ name: 'Services', subkeys: [{ name: 'bam', subkeys: [{ name: 'State', subkeys: [{ name: 'UserSettings', subkeys: [{
      name: 'S-1-5-21-1-2-3-1001',
      values: [{ name: '\\Device\\HarddiskVolume3\\Users\\Public\\rar.exe', type: 'REG_BINARY', data: Buffer.concat([Buffer.from('00b0c5e1a26bda01', 'hex'), Buffer.alloc(16)]) }],
    }] }] }] }] }] },
  ],
};

describe('streamed registry pass', () => {
  test('the looked-up keys: the detectors\' subtrees, below each control set too, nothing else', () => {
    expect(isLookedUp('software\\winrar\\archistory')).toBe(true);
    expect(isLookedUp('software\\winrar')).toBe(true);
    expect(isLookedUp('software\\winrarx')).toBe(false);
    expect(isLookedUp('software')).toBe(false);
    expect(isLookedUp('controlset001\\services\\bam\\state\\usersettings\\s-1-5-18')).toBe(true);
    expect(isLookedUp('currentcontrolset\\control\\session manager\\appcompatcache')).toBe(true);
    expect(isLookedUp('controlset1\\services\\bam')).toBe(false);
    expect(isLookedUp('controlset001\\services\\bamx')).toBe(false);
    expect(isLookedUp('root\\inventoryapplicationfile\\x.exe|1')).toBe(true);
    expect(isLookedUp('microsoft\\windows nt\\currentversion\\profilelist\\s-1-5-18')).toBe(true);
  });

  test('a writer-built hive: same findings as a view of the whole hive; only the looked-up keys are kept', async () => {
    const buf = writeHive(tree);
    const res = await parseHive(buf, 'Users/u/NTUSER.DAT');
    await expectSameAsWholeView(res.records, buf, 'Users/u/NTUSER.DAT');
    const pass = passOver(res.records);
    expect(pass.staged.candidates('h', null).map((c) => `${c.key}|${c.value}`)).toEqual(['Software\\Other\\Deep|one', 'Software\\Store|a', 'Software\\Store|b', 'Software\\Store|c']); // subkeys sorted as Windows does
    // Store and Other are not looked up: the view has their parents only as the path to WinRAR and BAM.
    expect(pass.view.get('Software\\Store')).toBeUndefined();
    expect(pass.view.get('Software\\WinRAR\\ArcHistory')?.values.length).toBe(1);
    expect([pass.keyCount, pass.valueCount]).toEqual([res.facts!.keyCount, res.facts!.valueCount]);
  });
});

describeIf(corpusAvailable(), CORPUS_MISSING)('streamed registry pass on the corpus', () => {
  test('every corpus hive: same findings, facts and warnings as the held parse', async () => {
    let hives = 0;
    for (const rel of corpusHives()) {
      const buf = readFileSync(corpusPath('regf', rel));
      if (buf.toString('latin1', 0, 4) !== 'regf') continue;
      const res = await parseHive(buf, rel);
      await expectSameAsWholeView(res.records, buf, rel);
      hives++;
    }
    expect(hives).toBeGreaterThan(5);
  }, 300_000);
});

test('a large hive read by a scan lets the event loop turn (Ctrl-C is handled while it is read)', async () => {
  const hive = writeHive(denseTree(20_000)) as Buffer;
  const relPath = 'Users/bob/NTUSER.DAT';
  let done = false;
  let timerBeforeDone: boolean | null = null;
  setTimeout(() => (timerBeforeDone = !done), 10);
  const started = Date.now();
  const scanned = await regfParser.scan!(bufferSource(hive, relPath), detectContext(relPath, hive.length));
  done = true;
  expect(scanned).not.toBeNull();
  // A read shorter than a turn's interval proves nothing: the hive is large enough not to be.
  expect(Date.now() - started).toBeGreaterThan(100);
  expect(timerBeforeDone).toBe(true);
});
