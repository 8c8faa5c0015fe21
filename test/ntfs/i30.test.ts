/**
 * $I30 slack (docs/ntfs.md "$I30 slack") on real Windows bytes:
 *   - EricZimmerman's $I30 in three states (a folder before and after two rounds of deletions):
 *     every name a deletion removed whose key bytes survive anywhere in the file is read back from
 *     the slack, and nothing is read that names another folder;
 *   - the slack of directory records in a Windows 20H1 $MFT (ntfs-samples, whose ReadMe names
 *     file_hidden.txt "in MFT slack"): every key read agrees with TSK's usnjls on the volume's
 *     journal about the file's reference and its folder;
 *   - damaged blocks: warnings and what can be read, never a throw.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../src/util/byte-source.js';
import { readIndexBlock, readIndexStream, recordSlackEntries, type IndexEntry } from '../../src/evidence/image/ntfs/indx.js';
import { applyFixups, parseMftRecord } from '../../src/evidence/image/ntfs/record.js';
import { ownIndexSlack } from '../../src/evidence/image/ntfs/summary.js';
import { i30Parser } from '../../src/artifacts/ntfs/i30.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';

const haveCorpus = corpusAvailable();
const STATES = ['Start', 'FirstDelete', 'SecondDelete'];
const i30Of = (state: string) => readFileSync(corpusPath('ntfs', 'ez-mft', '$I30', state, '$I30'));

function entriesOf(buf: Buffer): IndexEntry[] {
  const warnings: string[] = [];
  const r = readIndexStream(bufferSource(buf, '$I30'), warnings);
  expect(warnings).toEqual([]);
  return r.entries;
}

/** True when the key bytes of `name` (length, any namespace, UTF-16 name) occur anywhere in `buf`'s blocks, fixed up. */
function keyBytesSurvive(buf: Buffer, name: string): boolean {
  const utf16 = Buffer.from(name, 'utf16le');
  const fixed = Buffer.concat(Array.from({ length: buf.length / 4096 }, (_, i) => applyFixups(buf.subarray(i * 4096, (i + 1) * 4096), [], () => '').data));
  return [0, 1, 2, 3].some((ns) => fixed.includes(Buffer.concat([Buffer.from([name.length, ns]), utf16])));
}

describeIf(haveCorpus, CORPUS_MISSING)('$I30 files of one folder before and after deletions (EricZimmerman/MFT test files)', () => {
  const files = STATES.map(i30Of);
  const entries = files.map(entriesOf);
  const live = entries.map((es) => new Set(es.filter((e) => !e.slack).map((e) => e.fn.name)));
  const slack = entries.map((es) => new Set(es.filter((e) => e.slack).map((e) => e.fn.name)));

  test('every entry, live or from slack, names the same folder', () => {
    const parents = new Set(entries.flat().map((e) => `${e.fn.parent.entry}-${e.fn.parent.sequence}`));
    expect([...parents]).toEqual(['118852-18']);
    for (const es of entries) expect(es.filter((e) => e.slack).length).toBeGreaterThan(0);
  });

  test('the deletions only remove names', () => {
    for (let i = 1; i < STATES.length; i++) {
      for (const n of live[i]!) expect(live[i - 1]!.has(n)).toBe(true);
      expect(live[i]!.size).toBeLessThan(live[i - 1]!.size);
    }
  });

  test('every removed name whose key bytes survive is read from the slack, and none that does not', () => {
    for (let i = 1; i < STATES.length; i++) {
      const gone = [...live[i - 1]!].filter((n) => !live[i]!.has(n));
      const surviving = gone.filter((n) => keyBytesSurvive(files[i]!, n));
      expect(surviving.length).toBeGreaterThan(0);
      expect(gone.filter((n) => slack[i]!.has(n)).sort()).toEqual(surviving.sort());
    }
  });

  test('a slack key is read where its bytes are: its name at offset + 0x42 (+0x10 with a header)', () => {
    for (let i = 0; i < STATES.length; i++) {
      for (const e of entries[i]!.filter((x) => x.slack)) {
        const key = e.offset + (e.file ? 0x10 : 0);
        const block = Math.floor(e.offset / 4096) * 4096;
        const data = applyFixups(files[i]!.subarray(block, block + 4096), [], () => '').data;
        expect(data.subarray(key - block + 0x42, key - block + 0x42 + e.fn.name.length * 2).toString('utf16le')).toBe(e.fn.name);
      }
    }
  });

  test('parse gives the live entries and the slack, with MFTECmd-like fields', async () => {
    const r = await i30Parser.parse(bufferSource(files[2]!, '$I30'), { name: '$I30', head: files[2]!.subarray(0, 4096), size: files[2]!.length } as never);
    expect(r?.facts).toMatchObject({ blocks: 5, unreadBlocks: 0, live: live[2]!.size });
    const folder2 = r!.records.find((x) => !x.fromSlack && x.name === 'Folder2')!;
    expect(folder2).toMatchObject({ type: 'i30-entry', parentEntry: 118852, parentSequence: 18, isDirectory: true, nameType: 'Win32AndDos' });
    expect(folder2.created0x30).toMatch(/^2020-02-07T16:43:31\.1285239Z$/);
  });
});

/** usnjls -l rows: name -> every (reference, parent reference) the journal gives it. */
function usnjlsRefs(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const block of text.split(/\n\s*\n/)) {
    const ref = /Reference Number: (\d+-\d+)/.exec(block)?.[1];
    const parent = /Parent Reference Number: (\d+-\d+)/.exec(block)?.[1];
    const name = /Name: (.*)/.exec(block)?.[1];
    if (!ref || !parent || !name) continue;
    if (!out.has(name)) out.set(name, new Set());
    out.get(name)!.add(`${ref} in ${parent}`);
  }
  return out;
}

describeIf(haveCorpus, CORPUS_MISSING)('$I30 keys in the slack of directory records (Windows 20H1 $MFT) vs usnjls', () => {
  const mft = readFileSync(corpusPath('ntfs', 'ntfs-samples', 'extracted', 'ntfs.raw.$MFT'));
  const journal = usnjlsRefs(readFileSync(corpusPath('ntfs', 'ntfs-samples', 'ntfs.tgz.expected.usnjls-l-o2048.txt'), 'utf8'));
  const found: Array<{ record: number; e: IndexEntry }> = [];
  for (let entry = 0; (entry + 1) * 1024 <= mft.length; entry++) {
    const rec = parseMftRecord(mft.subarray(entry * 1024, (entry + 1) * 1024), entry);
    if (rec) for (const e of ownIndexSlack(rec)) found.push({ record: entry, e });
  }

  test('file_hidden.txt, which the image was made to hide in MFT slack, is read with its reference', () => {
    const hidden = found.find((f) => f.e.fn.name === 'file_hidden.txt');
    expect(hidden?.e.file).toEqual({ entry: 54, sequence: 1 });
    expect(hidden?.record).toBe(50);
  });

  test('every key read agrees with the journal about the file and its folder', () => {
    expect(found.length).toBeGreaterThanOrEqual(4);
    for (const { record, e } of found) {
      const rows = [...(journal.get(e.fn.name) ?? [])];
      expect(rows.length).toBeGreaterThan(0);
      if (e.file) expect(rows).toContain(`${e.file.entry}-${e.file.sequence} in ${e.fn.parent.entry}-${e.fn.parent.sequence}`);
      // every key, and the one whose parent reference the end marker overwrote too: the journal puts the name in this record's folder
      expect(rows.some((r) => r.split(' in ')[1]!.split('-')[0] === String(record))).toBe(true);
    }
    expect(found.some((f) => f.e.parentLost)).toBe(true);
  });

  test('records that are not directories are not searched', () => {
    for (let entry = 0; (entry + 1) * 1024 <= mft.length; entry++) {
      const raw = mft.subarray(entry * 1024, (entry + 1) * 1024);
      const rec = parseMftRecord(raw, entry);
      if (rec && !rec.isDirectory) expect(ownIndexSlack(rec)).toEqual([]);
    }
  });

  test('the carver alone (any record) finds at least what the directories give', () => {
    let all = 0;
    for (let entry = 0; (entry + 1) * 1024 <= mft.length; entry++) {
      const raw = mft.subarray(entry * 1024, (entry + 1) * 1024);
      if (raw.toString('latin1', 0, 4) === 'FILE') all += recordSlackEntries(applyFixups(raw, [], () => '').data).length;
    }
    expect(all).toBeGreaterThanOrEqual(found.length);
  });
});

describeIf(haveCorpus, CORPUS_MISSING)('damaged INDX blocks', () => {
  const block = i30Of('Start').subarray(0, 4096);

  test('impossible lengths and header fields give warnings and the slack, never a throw', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    for (let i = 0; i < 500; i++) {
      const b = Buffer.from(block);
      for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) b[Math.floor(rnd() * (rnd() < 0.5 ? 0x60 : b.length))] = Math.floor(rnd() * 256);
      const warnings: string[] = [];
      const entries = readIndexBlock(b, 0, warnings);
      for (const e of entries ?? []) {
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThan(4096);
        expect(e.fn.name.length).toBeGreaterThan(0);
      }
    }
  });

  test('a used length beyond the block, and a first entry before the header, are reported', () => {
    const b = Buffer.from(block);
    b.writeUInt32LE(0xffffff00, 0x18 + 4);
    const w1: string[] = [];
    expect(readIndexBlock(b, 0, w1)!.length).toBeGreaterThan(0);
    const c = Buffer.from(block);
    c.writeUInt32LE(4, 0x18);
    const w2: string[] = [];
    readIndexBlock(c, 0, w2);
    expect(w2.join(' ')).toMatch(/out of bounds/);
  });

  test('warnings are bounded: 1,200 torn blocks give 1,000 warnings and a count of the rest', () => {
    const torn = Buffer.from(block);
    torn.writeUInt16LE(torn.readUInt16LE(510) ^ 0xffff, 510); // the first sector no longer ends with the update sequence number
    const warnings: string[] = [];
    const r = readIndexStream(bufferSource(Buffer.concat(Array.from({ length: 1200 }, () => torn)), 'torn'), warnings);
    expect(r.blocks).toBe(1200);
    expect(warnings).toHaveLength(1001);
    expect(warnings[1000]).toBe('torn: 200 more warnings left out');
  });

  test('a stream of no INDX blocks reads nothing, and the parser declines it', async () => {
    const zeros = Buffer.alloc(8192);
    expect(readIndexStream(bufferSource(zeros, 'x'), []).entries).toEqual([]);
    expect(await i30Parser.parse(bufferSource(zeros, '$I30'), { name: '$I30', head: zeros, size: zeros.length } as never)).toBeNull();
  });
});
