/**
 * A staged-then-deleted NTFS volume built without mounting (issue 13's done-when image):
 * mkntfs + ntfscp under faketime for the files, the USN journal written by fixtures/lib/usn-writer.mjs
 * into `$Extend/$UsnJrnl:$J` with ntfscp -N, then hand edits of MFT records where ntfs-3g's tools
 * cannot go (ntfscp makes no folders and deletes nothing; HOWTO-generate.md 1a):
 *   - folders: empty files made at the root, given the directory flag and re-parented through their
 *     $FILE_NAME parent reference (our reader lists by parent references);
 *   - `del`: the in-use flag cleared and the sequence number bumped, as Windows leaves a freed record,
 *     and the file's clusters cleared in $Bitmap (its content stays where it was, unallocated);
 *   - timestomping: the $STANDARD_INFORMATION creation and modification times set 5 years back.
 * Every edit is in the record's first 510 bytes, away from the update-sequence positions.
 *
 * The story: alice packs documents into C:\PerfLogs\stage.7z (PowerShell history), it grows over
 * 17 minutes, is renamed to stage.log and deleted with `del`; readme.txt in PerfLogs hides a 7z in
 * an ADS and carries a Zone.Identifier; notes.txt is timestomped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileLife, REASON, ATTR, usnJournal, type UsnSpec } from '../../fixtures/lib/usn-writer.mjs';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { parseMftRecord } from '../../src/evidence/image/ntfs/record.js';
import { fileSource } from './helpers.js';

export const STAGED_TOOLS = ['mkntfs', 'ntfscp', 'faketime'];
const T = '2024-05-01 01:50:00';
const env = { ...process.env, TZ: 'UTC' };

export const HISTORY_REL = 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt';
export const HISTORY = [
  'cd C:\\Users\\alice\\Documents',
  '& "C:\\Program Files\\7-Zip\\7z.exe" a -mhe=on -pS3cret! C:\\PerfLogs\\stage.7z C:\\Users\\alice\\Documents\\*.docx',
  'ren C:\\PerfLogs\\stage.7z stage.log',
  'del C:\\PerfLogs\\stage.log',
  '',
].join('\r\n');

/** 7z signature + version, then incompressible bytes (an encrypted-header archive's body looks random). */
function sevenZip(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  Buffer.from('377abcaf271c0004', 'hex').copy(b, 0);
  return b;
}

export interface StagedImage {
  image: string;
  /** MFT entry and sequence (before deletion) of stage.7z. */
  stage: { entry: number; sequence: number };
  /** MFT entry and sequence of the PerfLogs folder. */
  perflogs: { entry: number; sequence: number };
  /** The clusters stage.7z's content lies in (freed in $Bitmap by its deletion). */
  stageClusters: number[];
  mftBytes: Buffer;
  usnBytes: Buffer;
}

interface Ref {
  entry: number;
  sequence: number;
}

/** Attribute value offset of the first attribute of `type` in a record (resident). */
function attrValue(rec: Buffer, type: number): number {
  let at = rec.readUInt16LE(0x14);
  while (at + 8 <= rec.length) {
    const t = rec.readUInt32LE(at);
    if (t === 0xffffffff) break;
    const len = rec.readUInt32LE(at + 4);
    if (t === type) return at + rec.readUInt16LE(at + 0x14);
    at += len;
  }
  throw new Error(`attribute 0x${type.toString(16)} not found`);
}

export function buildStagedImage(dir: string): StagedImage {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const image = path.join(dir, 'staged.img');
  writeFileSync(image, Buffer.alloc(0));
  run('truncate', ['-s', '24M', image]);
  run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'STAGED', '-q', image]);
  const src = (n: string, data: string | Buffer) => {
    const p = path.join(dir, 'src', n);
    writeFileSync(p, data);
    return p;
  };
  const cp = (file: string, to: string, stream?: string) => run('faketime', ['-f', T, 'ntfscp', '-f', ...(stream ? ['-N', stream] : []), image, file, to]);
  const folders = ['PerfLogs', 'Users', 'alice', 'AppData', 'Roaming', 'Microsoft', 'Windows', 'PowerShell', 'PSReadLine', 'Documents'];
  for (const f of folders) cp(src('empty', ''), `/${f}`);
  cp(src('stage.log', sevenZip(300_000, 7)), '/stage.log');
  cp(src('ConsoleHost_history.txt', HISTORY), '/ConsoleHost_history.txt');
  cp(src('readme.txt', 'read me\r\n'), '/readme.txt');
  cp(src('payload.7z', sevenZip(40_000, 9)), '/readme.txt', 'payload.7z');
  cp(src('zone', '[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://example.invalid/\r\nHostUrl=https://example.invalid/readme.txt\r\n'), '/readme.txt', 'Zone.Identifier');
  cp(src('notes.txt', 'meeting notes\r\n'), '/notes.txt');
  cp(src('report.docx', sevenZip(9000, 3)), '/report.docx');

  // Entries as ntfs-3g allocated them.
  let v = openNtfs(fileSource(image));
  const ref = (name: string): Ref => {
    const r = v.lookup(`/${name}`);
    if (!r) throw new Error(`${name} not on the image`);
    return r;
  };
  const perflogs = ref('PerfLogs');
  const stage = ref('stage.log');
  const docs = ref('Documents');

  // The journal: the folder, the documents, the archive's life, the deletion; 64 KiB of purged zeros first.
  const at = (hhmmss: string) => `2024-05-01T${hhmmss}Z`;
  const specs: UsnSpec[] = [
    { entry: perflogs.entry, sequence: perflogs.sequence, parentEntry: 5, parentSequence: 5, time: at('01:55:00'), reason: REASON.FILE_CREATE | REASON.CLOSE, name: 'PerfLogs', attributes: ATTR.DIRECTORY },
    ...fileLife({ entry: ref('report.docx').entry, sequence: ref('report.docx').sequence, parentEntry: docs.entry, parentSequence: docs.sequence, name: 'report.docx' }, [{ t: at('02:00:00'), op: 'create' }, { t: at('02:00:01'), op: 'write' }]),
    ...fileLife({ entry: stage.entry, sequence: stage.sequence, parentEntry: perflogs.entry, parentSequence: perflogs.sequence, name: 'stage.7z' }, [
      { t: at('02:14:05'), op: 'create' },
      { t: at('02:14:06'), op: 'write' },
      { t: at('02:22:40'), op: 'write' },
      { t: at('02:31:10'), op: 'write' },
      { t: at('02:38:00'), op: 'rename', name: 'stage.log' },
      { t: at('02:40:00'), op: 'delete' },
    ]),
  ];
  const { bytes: usnBytes } = usnJournal(specs, { leadingZeros: 65536 });
  cp(src('empty', ''), '/$Extend/$UsnJrnl');
  cp(src('J', usnBytes), '/$Extend/$UsnJrnl', '$J');

  // Hand edits.
  v = openNtfs(fileSource(image));
  const bytes = readFileSync(image);
  const mftAt = Number(bytes.readBigUInt64LE(0x30)) * 4096;
  const recAt = (r: Ref) => mftAt + r.entry * v.recordSize;
  const record = (r: Ref) => bytes.subarray(recAt(r), recAt(r) + v.recordSize);
  const reparent = (child: Ref, parent: Ref) => {
    const rec = record(child);
    rec.writeBigUInt64LE((BigInt(parent.sequence) << 48n) | BigInt(parent.entry), attrValue(rec, 0x30));
  };
  const makeFolder = (r: Ref) => {
    const rec = record(r);
    rec.writeUInt16LE(rec.readUInt16LE(0x16) | 0x2, 0x16);
    const fn = attrValue(rec, 0x30);
    rec.writeUInt32LE((rec.readUInt32LE(fn + 0x38) | 0x10000000) >>> 0, fn + 0x38);
  };
  const chain = ['Users', 'alice', 'AppData', 'Roaming', 'Microsoft', 'Windows', 'PowerShell', 'PSReadLine'];
  for (const f of folders) makeFolder(ref(f));
  for (let i = 1; i < chain.length; i++) reparent(ref(chain[i]!), ref(chain[i - 1]!));
  reparent(ref('Documents'), ref('alice'));
  reparent(ref('report.docx'), ref('Documents'));
  reparent(ref('ConsoleHost_history.txt'), ref('PSReadLine'));
  for (const f of ['stage.log', 'readme.txt', 'notes.txt']) reparent(ref(f), perflogs);
  // notes.txt: $SI created/modified five years before its $FN creation (SetFileTime-style timestomping).
  const notes = record(ref('notes.txt'));
  const si = attrValue(notes, 0x10);
  const stomped = notes.readBigUInt64LE(si) - 5n * 365n * 864_000_000_000n;
  notes.writeBigUInt64LE(stomped, si);
  notes.writeBigUInt64LE(stomped, si + 8);
  // del stage.log: in-use flag cleared, sequence number bumped, its clusters freed in $Bitmap.
  const rec = record(stage);
  rec.writeUInt16LE(rec.readUInt16LE(0x16) & ~1, 0x16);
  rec.writeUInt16LE((stage.sequence + 1) & 0xffff, 0x10);
  const stageClusters = dataClusters(rec, stage.entry);
  setClusterBits(bytes, stageClusters, false);
  writeFileSync(image, bytes);

  const after = openNtfs(fileSource(image));
  const mftRef = { entry: 0, sequence: after.stat({ entry: 0, sequence: 0 })?.ref.sequence ?? 1 };
  const mftSrc = after.open(after.lookup('/$MFT') ?? mftRef)!;
  const mftBytes = mftSrc.read(0, mftSrc.size);
  return { image, stage, perflogs, stageClusters, mftBytes, usnBytes };
}

/** The clusters (LCNs) of a record's unnamed non-resident $DATA, in stream order. */
export function dataClusters(rec: Buffer, entry: number): number[] {
  const parsed = parseMftRecord(Buffer.from(rec), entry);
  const data = parsed?.attributes.find((a) => a.type === 0x80 && a.name === '' && !a.resident);
  const out: number[] = [];
  for (const r of data?.runs ?? []) if (r.lcn !== null) for (let i = 0; i < r.length; i++) out.push(r.lcn + i);
  return out;
}

/**
 * Sets or clears the $Bitmap bits of `clusters` in a volume image's bytes (a deletion frees them;
 * a later file given them sets them again), through $Bitmap's own runs (MFT entry 6).
 */
export function setClusterBits(volume: Buffer, clusters: readonly number[], allocated: boolean): void {
  const clusterSize = volume.readUInt8(0x0d) * volume.readUInt16LE(0x0b);
  const mftAt = Number(volume.readBigUInt64LE(0x30)) * clusterSize;
  const raw = volume.readInt8(0x40);
  const recordSize = raw < 0 ? 2 ** -raw : raw * clusterSize;
  const bitmapLcns = dataClusters(volume.subarray(mftAt + 6 * recordSize, mftAt + 7 * recordSize), 6);
  for (const c of clusters) {
    const byte = Math.floor(c / 8);
    const at = bitmapLcns[Math.floor(byte / clusterSize)]! * clusterSize + (byte % clusterSize);
    volume[at] = allocated ? volume[at]! | (1 << (c % 8)) : volume[at]! & ~(1 << (c % 8));
  }
}
