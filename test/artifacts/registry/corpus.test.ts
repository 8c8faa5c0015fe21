/** Registry detectors on the real corpus hives: real archiver history, SAM SIDs, no false blobs. */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { runRegistryDetectors } from '../../../src/artifacts/registry/index.js';
import { corpusHives } from '../regf/corpus-helpers.js';
import { parseHive } from './helpers.js';

const HAVE = corpusAvailable();

describeIf(HAVE, CORPUS_MISSING)('registry detectors on the corpus', () => {
  const load = (rel: string) => parseHive(readFileSync(corpusPath('regf', rel)), rel);

  test('regipy NTUSER.DAT: WinRAR ArcHistory and DialogEditHistory, C:\\temp is a staging location', async () => {
    const res = await load('regipy/NTUSER.DAT');
    const cs = runRegistryDetectors(res.records, { hivePath: 'Users/tony/NTUSER.DAT', user: 'tony' });
    const targets = cs.map((c) => `${c.key}|${c.value}|${c.names?.[0]?.path}`);
    expect(targets).toContain('Software\\WinRAR\\ArcHistory|1|C:\\temp\\token.zip');
    expect(targets).toContain('Software\\WinRAR\\DialogEditHistory\\ArcName|0|Tools.zip');
    const token = cs.find((c) => c.names?.[0]?.path === 'C:\\temp\\token.zip')!;
    expect(token.hits.map((h) => h.rule)).toContain('registry-history-staging-location');
    expect(token.events![0]!.type).toBe('key-last-written');
  });

  test('regipy SAM: RID names and the machine SID (the same SID names the Builtin Members key)', async () => {
    const res = await load('regipy/SAM');
    expect(res.facts!.ridNames).toEqual({ '500': 'Administrator', '501': 'Guest', '1000': 'Preston' });
    expect(res.facts!.sidNames).toMatchObject({ 'S-1-5-21-1760460187-1592185332-161725925-1000': 'Preston' });
    const members = res.records.filter((r) => r.type === 'registry-key' && /Members\\S-1-5-21-1760460187-1592185332-161725925$/.test(String(r.key)));
    expect(members.length).toBe(1);
  });

  test('no staged-blob findings on ordinary hives (false-positive check)', async () => {
    for (const rel of corpusHives()) {
      const buf = readFileSync(corpusPath('regf', rel));
      if (buf.toString('latin1', 0, 4) !== 'regf') continue;
      const res = await parseHive(buf, rel);
      const blobs = runRegistryDetectors(res.records, { hivePath: rel }).filter((c) => c.hits.some((h) => h.rule.startsWith('registry-value-')));
      expect(`${rel}: ${blobs.length}`).toBe(`${rel}: 0`);
    }
  });
});
