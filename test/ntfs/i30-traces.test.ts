/**
 * The trace stage and $I30 slack in a small folder (docs/ntfs.md "$I30 slack"): C:\PerfLogs keeps
 * its index in its MFT record ($INDEX_ROOT). `del stage.7z` removes the entry: the end entry and
 * the record's end marker move down over it, the record's used size shrinks, and the archive's
 * $FILE_NAME key stays past the new end, its parent reference overwritten by the marker. The
 * archive's own MFT record was reused by another file. A collected $MFT (KAPE `C/$MFT`) of that
 * state gives one i30-entry finding in PerfLogs; the same folder before the deletion gives none.
 */
import { expect, test } from '@jest/globals';
import { bufferSource } from '../../src/util/byte-source.js';
import { applyFixups } from '../../src/evidence/image/ntfs/record.js';
import { ntfsTraceCandidates } from '../../src/artifacts/ntfs/traces.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { fileName, record, redoFixups, resident, SI } from './records.js';

/** 2020-01-01 00:00:00 UTC as FILETIME: the times fileName() writes. */
const FN_TIME = '2020-01-01T00:00:00.0000000Z';

/** An index entry keyed by the $FILE_NAME value of `fnAttr` (a resident attribute from fileName()). */
function indexEntry(entry: number, sequence: number, fnAttr: Buffer): Buffer {
  const key = fnAttr.subarray(fnAttr.readUInt16LE(0x14), fnAttr.readUInt16LE(0x14) + fnAttr.readUInt32LE(0x10));
  const length = (0x10 + key.length + 7) & ~7;
  const e = Buffer.alloc(length);
  e.writeBigUInt64LE((BigInt(sequence) << 48n) | BigInt(entry), 0);
  e.writeUInt16LE(length, 8);
  e.writeUInt16LE(key.length, 10);
  key.copy(e, 0x10);
  return e;
}

/** An $INDEX_ROOT named $I30 holding `entries` and the end entry. */
function indexRoot(entries: Buffer[]): Buffer {
  const end = Buffer.alloc(0x10);
  end.writeUInt16LE(0x10, 8);
  end.writeUInt16LE(2, 12);
  const body = Buffer.concat([...entries, end]);
  const v = Buffer.alloc(0x20 + body.length);
  v.writeUInt32LE(0x30, 0); // keyed by $FILE_NAME
  v.writeUInt32LE(1, 4); // filename collation
  v.writeUInt32LE(4096, 8);
  v[12] = 1;
  v.writeUInt32LE(0x10, 0x10); // entries right after the node header
  v.writeUInt32LE(0x10 + body.length, 0x14);
  v.writeUInt32LE(0x10 + body.length, 0x18);
  body.copy(v, 0x20);
  return resident(0x90, v, '$I30');
}

/** What NTFS does to a record when it removes the index entry naming `name` from its $INDEX_ROOT. */
function removeRootEntry(rec: Buffer, name: string): void {
  const data = applyFixups(rec, [], () => 'record').data;
  const used = data.readUInt32LE(0x18);
  let attr = data.readUInt16LE(0x14);
  while (data.readUInt32LE(attr) !== 0x90) attr += data.readUInt32LE(attr + 4);
  const value = attr + data.readUInt16LE(attr + 0x14);
  let o = value + 0x20;
  const key = Buffer.from(name, 'utf16le');
  while (!data.subarray(o + 0x10 + 0x42, o + 0x10 + 0x42 + key.length).equals(key)) o += data.readUInt16LE(o + 8);
  const length = data.readUInt16LE(o + 8);
  data.copy(data, o, o + length, used); // the end entry, the attributes after it and the end marker move down
  data.writeUInt32LE(used - length, 0x18);
  data.writeUInt32LE(data.readUInt32LE(attr + 4) - length, attr + 4);
  data.writeUInt32LE(data.readUInt32LE(attr + 0x10) - length, attr + 0x10);
  data.writeUInt32LE(data.readUInt32LE(value + 0x14) - length, value + 0x14);
  data.writeUInt32LE(data.readUInt32LE(value + 0x18) - length, value + 0x18);
  redoFixups(data);
  data.copy(rec);
}

/**
 * A collected $MFT: records 0-5 (the root at 5), PerfLogs (30) with a.txt (31) and stage.7z (32).
 * `deleted`: stage.7z's entry removed from the index and its record reused; `stale`: the entry
 * removed but the file still there (the key in slack is a stale copy of a live file's).
 */
function collectedMft(deleted: boolean, stale = false): Buffer {
  const records = new Map<number, Buffer>();
  for (let e = 0; e < 5; e++) records.set(e, record({ attrs: [SI, fileName(`$meta${e}`, 5, 5, 3)] }));
  records.set(5, record({ sequence: 5, flags: 3, attrs: [SI, fileName('.', 5, 5, 3)] }));
  const aTxt = fileName('a.txt', 30, 1);
  const stage = fileName('stage.7z', 30, 1);
  const perflogs = record({ flags: 3, attrs: [SI, fileName('PerfLogs', 5, 5), indexRoot([indexEntry(31, 1, aTxt), indexEntry(32, 1, stage)])] });
  records.set(30, perflogs);
  records.set(31, record({ attrs: [SI, aTxt] }));
  if (stale) {
    removeRootEntry(perflogs, 'stage.7z');
    records.set(32, record({ attrs: [SI, stage] }));
  } else if (deleted) {
    removeRootEntry(perflogs, 'stage.7z');
    records.set(32, record({ sequence: 2, attrs: [SI, fileName('other.txt', 5, 5)] })); // the record, reused
  } else records.set(32, record({ attrs: [SI, stage] }));
  const mft = Buffer.alloc(40 * 1024);
  for (const [e, r] of records) r.copy(mft, e * 1024);
  return mft;
}

async function traces(mft: Buffer) {
  return ntfsTraceCandidates({ mft: bufferSource(mft, 'C/$MFT'), mftRel: 'C/$MFT', usn: null, usnRel: null, volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
}

test('an archive deleted from PerfLogs, its MFT record reused: one i30-entry finding from the record slack', async () => {
  const r = await traces(collectedMft(true));
  expect(r.candidates).toHaveLength(1);
  const c = r.candidates[0]!;
  expect(c).toMatchObject({ kind: 'i30-entry', path: 'C/PerfLogs/stage.7z', originalPath: 'C:\\PerfLogs\\stage.7z', times: { born: FN_TIME } });
  expect(c.hits.map((h) => h.rule)).toEqual(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place']);
  expect(c.details?.i30).toMatchObject({ where: 'MFT record slack', directoryEntry: 30 });
  // its header and parent reference were written over: no MFT reference to give
  expect(c.mftEntry).toBeUndefined();
});

test('the same folder before the deletion: no finding', async () => {
  expect((await traces(collectedMft(false))).candidates).toEqual([]);
});

test('a name in slack that a live file of the folder still has: no finding', async () => {
  expect((await traces(collectedMft(false, true))).candidates).toEqual([]);
});
