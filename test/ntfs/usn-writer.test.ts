/**
 * The hand-written $J writer (fixtures/lib/usn-writer.mjs) against real journals: every V2 record of
 * the corpus journals, re-encoded from the fields the corpus expectations list, gives the corpus
 * bytes back (up to the end of the name: Windows leaves slack in the padding) (so the journals the staging tests write are laid out as Windows lays them out).
 */
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { usnRecord } from '../../fixtures/lib/usn-writer.mjs';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf } from '../helpers/corpus.js';

const JOURNALS = ['usnjrnl/plaso/UsnJrnl.raw', 'usnjrnl/ntfs-samples/extracted/ntfs.raw.$UsnJrnl.$J', 'usnjrnl/go-ntfs/usn/sample.bin'];

interface Expected {
  offset: number;
  major: number;
  minor: number;
  usn: number;
  mft_entry: number;
  mft_seq: number;
  parent_entry: number;
  parent_seq: number;
  timestamp_filetime: number | string;
  reason: number;
  source_info: number;
  security_id: number;
  file_attributes: number;
  name: string;
}

testIf(corpusAvailable(), CORPUS_MISSING)('every V2 record of the corpus journals is re-encoded byte for byte', () => {
  let compared = 0;
  for (const j of JOURNALS) {
    const bytes = readFileSync(corpusPath(j));
    // The expectation's FILETIME is beyond 2^53: read it from the raw text, not through JSON numbers.
    const lines = readFileSync(corpusPath(`${j}.expected.own-usn.jsonl`), 'utf8').trim().split('\n');
    for (const line of lines) {
      const e = JSON.parse(line) as Expected;
      if (e.major !== 2) continue;
      const ft = BigInt(/"timestamp_filetime": (\d+)/.exec(line)![1]!);
      const rec = usnRecord({ entry: e.mft_entry, sequence: e.mft_seq, parentEntry: e.parent_entry, parentSequence: e.parent_seq, time: ft, reason: e.reason, name: e.name, attributes: e.file_attributes, securityId: e.security_id, sourceInfo: e.source_info, minor: e.minor }, e.usn);
      const length = bytes.readUInt32LE(e.offset);
      // The padding after the name is not zeroed by Windows (slack of an earlier record): compared up to the name's end.
      const used = 0x3c + Buffer.byteLength(e.name, 'utf16le');
      expect({ j, offset: e.offset, length: rec.length, hex: rec.subarray(0, used).toString('hex') }).toEqual({ j, offset: e.offset, length, hex: bytes.subarray(e.offset, e.offset + used).toString('hex') });
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(400);
});
