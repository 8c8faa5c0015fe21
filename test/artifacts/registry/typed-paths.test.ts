/**
 * TypedPaths (what the user typed into Explorer's address bar) against RegRipper's typedpaths
 * plugin on a written hive, and judged as access evidence: PerfLogs and a share's hidden admin
 * folder typed by hand, an archive path typed; ordinary folders stay quiet.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import { HiveView } from '../../../src/artifacts/registry/view.js';
import { collectTypedPaths, TYPED_PATHS_KEY } from '../../../src/artifacts/registry/typed-paths.js';
import { parsers as listParsers } from '../../../src/artifacts/registry/parsers.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';

const T = new Date('2026-11-20T02:12:00Z');
const TYPED = ['C:\\PerfLogs\\1', '\\\\fs01\\finance$\\2026', 'C:\\Users\\bob\\Documents', 'C:\\Users\\Public\\Libraries\\bk.part1.rar', 'Control Panel\\Programs'];
const hive: Buffer = writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Software', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows', subkeys: [{ name: 'CurrentVersion', subkeys: [{ name: 'Explorer', subkeys: [{
  // Stored in a different order than urlN says, as a key whose values were rewritten is.
  name: 'TypedPaths', lastWritten: T, values: TYPED.map((p, i) => ({ name: `url${i + 1}`, type: 'REG_SZ', data: p })).reverse(),
}] }] }] }] }] }] });

describe('TypedPaths', () => {
  testIf(toolAvailable('regripper'), toolMissing('regripper'))('the same paths in the same order as RegRipper typedpaths.pl', async () => {
    const parsed = await parseRegf(bufferSource(hive), { relPath: 'Users/bob/NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' });
    const ours = collectTypedPaths(new HiveView(parsed!.records));
    expect(ours.map((t) => [t.value, t.position, t.path])).toEqual(TYPED.map((p, i) => [`url${i + 1}`, i + 1, p]));
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-typed-'));
    try {
      writeFileSync(path.join(dir, 'NTUSER.DAT'), hive);
      const text = execFileSync('regripper', ['-r', path.join(dir, 'NTUSER.DAT'), '-p', 'typedpaths'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const theirs = [...text.matchAll(/^(url\d+)\s+(.*)$/gm)].map((m) => [m[1], m[2]!.trim()]);
      expect(theirs).toEqual(ours.map((t) => [t.value, t.path]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('judged as access evidence: staging folders and an archive typed by hand; Documents and the Control Panel quiet', async () => {
    const ctx: DetectContext = { relPath: 'Users/bob/NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf', os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
    const result = await regfParser.parse(bufferSource(hive), ctx);
    const found = regfParser.detect!(result!, ctx).filter((c) => c.key === TYPED_PATHS_KEY);
    expect(found.map((c) => [c.value, c.hits.map((h) => h.rule).sort()])).toEqual([
      ['url1', ['access-staging-folder-opened']],
      ['url4', ['access-archive-in-staging-location', 'access-archive-volume-opened']],
    ]);
    expect(found[0]).toMatchObject({ kind: 'access', user: 'bob', names: [{ path: 'C:\\PerfLogs\\1', role: 'opens' }], details: { source: 'TypedPaths', folder: true, position: 1 } });
    expect(found[0]!.hits[0]!.message).toBe("TypedPaths typed into Explorer's address bar: C:\\PerfLogs\\1 (PerfLogs)");
    // url1 was typed when the key was last written; the others have no time of their own.
    expect(found[0]!.events).toEqual([{ time: '2026-11-20T02:12:00.0000000Z', type: 'browsed', description: expect.stringContaining('C:\\PerfLogs\\1 browsed (TypedPaths') }]);
    expect(found[1]!.events).toEqual([]);
  });

  test('stagehunt parse --parser typedpaths: one record per path, url1 first', async () => {
    const ctx = { relPath: 'NTUSER.DAT', name: 'NTUSER.DAT', head: hive.subarray(0, 4100), size: hive.length, format: 'regf' };
    const result = await listParsers.find((p) => p.id === 'typedpaths')!.parse(bufferSource(hive), ctx);
    expect(result!.records).toEqual(TYPED.map((p, i) => ({ type: 'typed-path', value: `url${i + 1}`, path: p, position: i + 1, keyLastWritten: '2026-11-20T02:12:00.0000000Z' })));
  });
});
