/**
 * Amcache through the regf parser against reglookup's dump of the two corpus hives: every
 * InventoryApplicationFile entry and every Root\File\<volume>\<entry> key becomes one record with
 * reglookup's path, SHA-1 (FileId / value 101 without "0000"), size and key time (seconds).
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { amcacheParser } from '../../../src/artifacts/amcache/index.js';
import type { AmcacheFile } from '../../../src/artifacts/amcache/collect.js';
import { regfParser } from '../../../src/artifacts/regf/index.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';

const HAVE_CORPUS = corpusAvailable();
const DIR = ['regf', 'plaso', 'winreg'];

/** reglookup rows: PATH,TYPE,VALUE,MTIME (values may hold commas: the path and the time are at the ends). */
function reglookup(file: string): Map<string, { type: string; value: string; mtime: string }> {
  const rows = new Map<string, { type: string; value: string; mtime: string }>();
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    const m = /^([^,]*),([A-Z_]+),(.*),(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$/.exec(line);
    if (m) rows.set(m[1]!.toLowerCase(), { type: m[2]!, value: m[3]!, mtime: m[4]! });
  }
  return rows;
}

async function parse(name: string): Promise<{ records: AmcacheFile[]; ctx: ArtifactContext; buf: Buffer }> {
  const buf = readFileSync(corpusPath(...DIR, name));
  const ctx: ArtifactContext = { relPath: 'Windows/AppCompat/Programs/Amcache.hve', name: 'Amcache.hve', head: buf.subarray(0, 4100), size: buf.length, format: 'regf' };
  expect(amcacheParser.matches(ctx)).toBe(true);
  const r = (await amcacheParser.parse(bufferSource(buf), ctx))!;
  return { records: r.records as AmcacheFile[], ctx, buf };
}

describeIf(HAVE_CORPUS, CORPUS_MISSING)('Amcache corpus vs reglookup', () => {
  test.each([
    ['Amcache.hve', 247, 1120],
    ['win10-Amcache.hve', 30, 0],
  ])('%s: %i InventoryApplicationFile and %i Root\\File entries agree', async (name, inventory, files) => {
    const rows = reglookup(corpusPath(...DIR, `${name}.expected.reglookup.csv`));
    const { records } = await parse(name);
    expect(records.filter((r) => r.source === 'InventoryApplicationFile')).toHaveLength(inventory);
    expect(records.filter((r) => r.source === 'File')).toHaveLength(files);
    for (const r of records) {
      const base = `/${r.key.replace(/\\/g, '/')}`.toLowerCase();
      expect(rows.get(base)?.type).toBe('KEY');
      expect(r.keyLastWritten!.replace('T', ' ').slice(0, 19)).toBe(rows.get(base)!.mtime);
      const [pathValue, idValue] = r.source === 'File' ? ['15', '101'] : ['LowerCaseLongPath', 'FileId'];
      const path = rows.get(`${base}/${pathValue.toLowerCase()}`)?.value ?? null;
      // reglookup escapes ',' as %2C
      expect(r.fullPath?.replace(/,/g, '%2C') ?? null).toBe(path);
      const id = rows.get(`${base}/${idValue.toLowerCase()}`)?.value ?? null;
      expect(r.sha1).toBe(id && /^0000[0-9a-f]{40}$/i.test(id) ? id.slice(4).toLowerCase() : null);
    }
  });

  test('the 7-Zip of win10-Amcache: its record, and installed in Program Files its programs are only the weak "archiver ran"', async () => {
    const { records, ctx, buf } = await parse('win10-Amcache.hve');
    const sevenZip = records.find((r) => r.name === '7z.exe')!;
    expect(sevenZip).toMatchObject({
      fullPath: 'c:\\program files\\7-zip\\7z.exe', sha1: '6c7ea8bbd435163ae3945cbef30ef6b9872a4591', productName: '7-zip', publisher: 'igor pavlov', version: '19.00', size: 0x72800, isOsComponent: false,
    });
    const hive = (await regfParser.parse(bufferSource(buf), ctx))!;
    const dctx: DetectContext = { ...ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
    const executions = regfParser.detect!(hive, dctx).filter((c) => c.kind === 'execution');
    // 7-Zip's installer (Downloads) and uninstaller carry its product name: neither is a renamed archiver.
    expect(executions.map((c) => [c.key, c.hits.map((h) => h.rule)])).toEqual(['7z.exe|afe683e0fa522625', '7zfm.exe|56d287950815a745', '7zg.exe|66a2193c8967c10d'].map((k) => [`Root\\InventoryApplicationFile\\${k}`, ['execution-archiver-ran']]));
    expect(executions[0]!.hits[0]!.message).toBe('Amcache: 7z.exe is recorded (last 2019-12-16 21:01:12 UTC) (7-Zip)');
    expect(executions[0]!.events!.map((e) => e.type)).toEqual(['executed', 'key-last-written']);
  });
});
