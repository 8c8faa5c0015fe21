/**
 * Every .lnk of ../shared/corpus/lnk against lnkinfo (liblnk 20181227): header times, size,
 * attributes, LinkInfo (drive type, serial, label, local and network paths), StringData, the
 * environment and icon blocks, the tracker block, and every shell item's names, times and MFT
 * reference. The conformance table in docs/execution-artifacts.md comes from this test.
 */
import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { lnkParser } from '../../../src/artifacts/lnk/index.js';
import type { LnkRecord } from '../../../src/artifacts/lnk/parse.js';
import { compareLnk, lnkDisagreements, readLnkinfo } from './lnkinfo.js';

const HAVE = corpusAvailable();

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (!name.includes('.expected.') && name !== 'README.md') out.push(full);
  }
  return out;
}

const files = HAVE ? walk(corpusPath('lnk')) : [];

async function parseFile(file: string) {
  const buf = readFileSync(file);
  const name = path.basename(file);
  return lnkParser.parse(bufferSource(buf), { relPath: name, name, head: buf.subarray(0, 4100), size: buf.length, format: null });
}

describeIf(HAVE, CORPUS_MISSING)('LNK corpus vs lnkinfo', () => {
  test('the corpus has the 198 files the manifest lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(198);
  });

  test.each(files.map((f) => [path.relative(corpusPath('lnk'), f), f]))('%s', async (_rel, file) => {
    const tools = JSON.parse(readFileSync(`${file}.expected.tools.json`, 'utf8')) as { info: { lnkinfo_rc: number } };
    const result = await parseFile(file);
    if (tools.info.lnkinfo_rc !== 0) {
      // lnkinfo refuses it (a $I file named .lnk): so do we.
      expect(result).toBeNull();
      return;
    }
    expect(result).not.toBeNull();
    const record = result!.records[0] as unknown as LnkRecord;
    const expected = readLnkinfo(readFileSync(`${file}.expected.lnkinfo.txt`, 'utf8'));
    expect(compareLnk(expected, record).length).toBeGreaterThan(5);
    expect(lnkDisagreements(expected, record)).toEqual([]);
    if (process.env.LNK_AGREEMENT === '1') console.log(`| ${_rel} | ${compareLnk(expected, record).length} | ${result!.warnings.length} |`);
  });
});
