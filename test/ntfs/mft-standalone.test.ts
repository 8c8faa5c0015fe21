/**
 * Standalone $MFT files and single MFT entries vs libfsntfs (pyfsntfs mft_metadata_file dumps in the
 * corpus): allocation, file reference (entry + sequence), base record, every $SI and $FN time, names,
 * parents and namespaces, and the number of alternate data streams, entry by entry.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { bufferSource } from '../../src/util/byte-source.js';
import { parseMftRecord } from '../../src/evidence/image/ntfs/record.js';
import { summarizeRecord } from '../../src/evidence/image/ntfs/summary.js';
import { mftParser } from '../../src/artifacts/ntfs/index.js';
import { extensionRecordAttributes, indexMftFile, walkMftFile, mftRecordSize } from '../../src/artifacts/ntfs/mft.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';
import { parsePreciseJson } from './helpers.js';

const haveCorpus = corpusAvailable();

/** Entries where libfsntfs gives up (its errors are in the dump) and we read what the record still holds. */
const FILES = [
  'ntfs/ez-mft/xw/$MFT',
  'ntfs/ez-mft/NIST/DFR-16/$MFT',
  'ntfs/ntfs-samples/extracted/ntfs.raw.$MFT',
  'ntfs/mft-rs/samples/entry_single_file',
  'ntfs/mft-rs/testdata/entry_long_name_and_res_ads_002',
  'ntfs/mft-rs/testdata/entry_super_long_name_001',
  'ntfs/mft-rs/samples/entry_102130_fixup_issue',
  'ntfs/mft-rs/samples/entry_data_run_at_offset',
  'ntfs/mft-rs/samples/entry_multiple_index_root_entries',
];

const TIMES = ['creation_time', 'modification_time', 'access_time', 'entry_modification_time'] as const;
type PyAttr = Record<string, unknown>;

/** Our view of one entry in pyfsntfs' vocabulary. */
function ourEntry(data: Buffer, size: number, index: number, extensions: Map<number, number[]>): Record<string, unknown> | null {
  const read = (i: number) => (i >= 0 && (i + 1) * size <= data.length ? parseMftRecord(data.subarray(i * size, (i + 1) * size), i) : null);
  const rec = read(index);
  if (!rec) return null;
  const s = summarizeRecord(rec, rec.base ? [] : extensionRecordAttributes(rec, extensions.get(index) ?? [], read));
  const t = (x: { created: bigint; modified: bigint; accessed: bigint; mftModified: bigint }) => [x.created, x.modified, x.accessed, x.mftModified].map(String);
  return {
    is_allocated: s.inUse,
    file_reference: String((BigInt(s.sequence) << 48n) | BigInt(index)),
    base_record_file_reference: s.base ? String((BigInt(s.base.sequence) << 48n) | BigInt(s.base.entry)) : '0',
    si: s.si ? [...t(s.si), s.si.fileAttributes] : null,
    fn: s.fileNames.map((f) => [...t(f), f.name, String((BigInt(f.parent.sequence) << 48n) | BigInt(f.parent.entry)), f.namespace].join('|')).sort(),
    ads: new Set(s.streams.filter((x) => x.name !== '').map((x) => x.name)).size,
  };
}

function theirEntry(e: Record<string, unknown>): Record<string, unknown> {
  const attrs = (e.attributes as PyAttr[]).filter((a) => !('error' in a));
  const si = attrs.find((a) => a.type === 16);
  return {
    is_allocated: e.is_allocated,
    file_reference: String(e.file_reference),
    base_record_file_reference: String(e.base_record_file_reference),
    si: si ? [...TIMES.map((k) => String(si[k])), si.file_attribute_flags] : null,
    fn: attrs.filter((a) => a.type === 48).map((a) => [...TIMES.map((k) => String(a[k])), a.fn_name, String(a.fn_parent_file_reference), a.fn_name_space].join('|')).sort(),
    ads: e.number_of_alternate_data_streams,
  };
}

export interface MftAgreement {
  file: string;
  entries: number;
  agree: number;
  theyFailed: number;
  differ: string[];
}

export function compareWithPyfsntfs(file: string): MftAgreement {
  const data = readFileSync(corpusPath(file));
  const lines = gunzipSync(readFileSync(corpusPath(`${file}.expected.pyfsntfs-mft.jsonl.gz`))).toString('utf8').split('\n').filter(Boolean).map(parsePreciseJson);
  const size = mftRecordSize(bufferSource(data)) ?? 1024;
  const out: MftAgreement = { file, entries: 0, agree: 0, theyFailed: 0, differ: [] };
  const { extensions } = indexMftFile(bufferSource(data), size, []);
  for (const e of lines) {
    if (e.t === 'entry_error') {
      out.theyFailed++;
      continue;
    }
    if (e.t !== 'entry') continue;
    out.entries++;
    const index = Number(e.index);
    const ours = ourEntry(data, size, index, extensions);
    if (e.is_empty === true) {
      // libfsntfs: no FILE signature, or a BAAD record it does not read. We yield nothing or an attribute-less record.
      if (ours === null || (ours.si === null && (ours.fn as string[]).length === 0)) out.agree++;
      else out.differ.push(`${index}: empty for libfsntfs`);
      continue;
    }
    const theirs = theirEntry(e);
    if (ours && JSON.stringify(ours) === JSON.stringify(theirs)) out.agree++;
    else out.differ.push(`${index}: ours ${JSON.stringify(ours)} theirs ${JSON.stringify(theirs)}`);
  }
  return out;
}

describeIf(haveCorpus, CORPUS_MISSING)('standalone $MFT vs pyfsntfs', () => {
  test.each(FILES)('%s: every entry libfsntfs reads agrees', (file) => {
    const r = compareWithPyfsntfs(file);
    expect(r.differ).toEqual([]);
    expect(r.agree).toBe(r.entries);
  });

  test('the three entries libfsntfs fails on are read (the mft crate edge cases)', () => {
    for (const f of ['entry_102130_fixup_issue', 'entry_data_run_at_offset', 'entry_multiple_index_root_entries']) {
      const warnings: string[] = [];
      const recs = [...walkMftFile(bufferSource(readFileSync(corpusPath(`ntfs/mft-rs/samples/${f}`))), warnings)];
      expect(recs).toHaveLength(1);
      // entry_data_run_at_offset is an extension record ($UsnJrnl's $J runs): no name, a base reference and the stream.
      if (recs[0].baseRecord) expect(recs[0].streams.map((x) => x.name)).toEqual(['$J']);
      else {
        expect(recs[0].name).toEqual(expect.any(String));
        expect(recs[0].created0x10).toMatch(/^\d{4}-/);
      }
    }
  });

  test('xw: in-use flag counts equal the corpus header inspection (467 set, 159 clear)', () => {
    const warnings: string[] = [];
    const recs = [...walkMftFile(bufferSource(readFileSync(corpusPath('ntfs/ez-mft/xw/$MFT'))), warnings)];
    const tools = JSON.parse(readFileSync(corpusPath('ntfs/ez-mft/xw/$MFT.expected.tools.json'), 'utf8')).info.header_inspection;
    // BAAD records count as FILE records for the inspection? It counted "FILE" only; ours counts both.
    const file = recs.filter((r) => r.fixupsOk || r.name !== null || r.created0x10 !== null);
    expect(recs.filter((r) => r.inUse).length).toBe(tools.in_use_flag_set);
    expect(recs.filter((r) => !r.inUse).length - (recs.length - tools.FILE_records)).toBe(tools.in_use_flag_clear);
    expect(file.length).toBeGreaterThan(600);
  });

  test('paths are resolved through parents; deleted records keep theirs or are orphans', () => {
    const warnings: string[] = [];
    const recs = [...walkMftFile(bufferSource(readFileSync(corpusPath('ntfs/ntfs-samples/extracted/ntfs.raw.$MFT'))), warnings)];
    const byPath = new Map(recs.filter((r) => r.path).map((r) => [r.path, r]));
    expect(byPath.get('/test_dir/file_1.txt')?.entry).toBe(52);
    expect(byPath.get('/$Extend/$UsnJrnl')?.streams.map((s) => s.name).sort()).toEqual(['$J', '$Max']);
    expect(byPath.get('/$MFT')?.size).toBe(262144);
    for (const r of recs.filter((x) => !x.inUse && x.name)) expect(r.path).toMatch(/^\//);
  });

  test('the registered parser claims $MFT names and FILE heads, and returns the same records', async () => {
    const data = readFileSync(corpusPath('ntfs/ez-mft/NIST/DFR-16/$MFT'));
    const ctx = { relPath: 'C%3A/$MFT', name: '$MFT', head: data.subarray(0, 4100), size: data.length, format: null };
    expect(mftParser.matches(ctx)).toBe(true);
    expect(mftParser.matches({ ...ctx, name: 'notes.txt', head: Buffer.from('FILE is a word') })).toBe(false);
    const result = await mftParser.parse(bufferSource(data), ctx);
    expect(result?.records.length).toBe(Math.floor(data.length / 1024) - countNonFile(data));
  });
});

function countNonFile(data: Buffer): number {
  let n = 0;
  for (let i = 0; i + 1024 <= data.length; i += 1024) {
    const sig = data.toString('latin1', i, i + 4);
    if (sig !== 'FILE' && sig !== 'BAAD') n++;
  }
  return n;
}
