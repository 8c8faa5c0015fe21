/**
 * An NTFS volume whose root index keeps deleted archives' names in INDX slack, built without
 * mounting: mkntfs + ntfscp under faketime put documents, a PowerShell history naming one archive, and
 * two archives in the root (whose index
 * then lives in an INDX block), and hand edits do what Windows' `del` does to the index: the
 * archive's entry is removed from the block (the entries after it move down over it, the used
 * length shrinks, the bytes past it stay). The MFT records are edited too:
 *   - yy-out.rar: freed (in-use flag cleared, sequence bumped): its deleted MFT record remains;
 *   - zz-loot.7z: freed and then overwritten (signature wiped): only the index slack names it.
 * The block's update-sequence fixups are undone before the edit and redone after it, as on disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { applyFixups } from '../../src/evidence/image/ntfs/record.js';
import { fileSource } from './helpers.js';
import { redoFixups } from './records.js';

export const I30_TOOLS = ['mkntfs', 'ntfscp', 'faketime'];
/** When ntfscp made the files: the $FILE_NAME times the slack keeps. */
export const I30_TIME = '2024-05-01 01:50:00';
export const DOCUMENTS = 12;
/** A PowerShell history beside them that names the archive (correlation and the episode). */
export const I30_HISTORY = ['& "C:\\Program Files\\7-Zip\\7z.exe" a -pS3cret! C:\\zz-loot.7z C:\\doc-*.docx', 'del C:\\zz-loot.7z', ''].join('\r\n');

export interface I30Image {
  image: string;
  /** MFT references of the two archives before their deletion. */
  loot: { entry: number; sequence: number };
  out: { entry: number; sequence: number };
}

/** Removes the entry naming `name` from the INDX block as NTFS does: later entries move down, the used length shrinks. */
export function removeIndexEntry(block: Buffer, name: string): void {
  const { data } = applyFixups(block, [], () => 'INDX');
  const header = 0x18;
  let o = header + data.readUInt32LE(header);
  const used = header + data.readUInt32LE(header + 4);
  const key = Buffer.from(name, 'utf16le');
  while (o < used) {
    const length = data.readUInt16LE(o + 8);
    const flags = data.readUInt16LE(o + 12);
    if ((flags & 2) !== 0) throw new Error(`${name} not in the block`);
    if (data[o + 0x10 + 0x40] === name.length && data.subarray(o + 0x10 + 0x42, o + 0x10 + 0x42 + key.length).equals(key)) {
      data.copy(data, o, o + length, used);
      data.writeUInt32LE(used - length - header, header + 4);
      data.copy(block);
      redoFixups(block);
      return;
    }
    o += length;
  }
  throw new Error(`${name} not in the block`);
}

export function buildI30Image(dir: string): I30Image {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const env = { ...process.env, TZ: 'UTC' };
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const image = path.join(dir, 'i30.img');
  writeFileSync(image, Buffer.alloc(0));
  run('truncate', ['-s', '16M', image]);
  run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'I30', '-q', image]);
  const put = (name: string, data: Buffer | string) => {
    const p = path.join(dir, 'src', name);
    writeFileSync(p, data);
    run('faketime', ['-f', I30_TIME, 'ntfscp', '-f', image, p, `/${name}`]);
  };
  for (let i = 1; i <= DOCUMENTS; i++) put(`doc-${String(i).padStart(2, '0')}.docx`, `document ${i}\r\n`);
  put('ConsoleHost_history.txt', I30_HISTORY);
  put('yy-out.rar', Buffer.concat([Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), Buffer.alloc(5000, 7)]));
  put('zz-loot.7z', Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(9000, 9)]));

  const v = openNtfs(fileSource(image));
  const loot = v.lookup('/zz-loot.7z');
  const out = v.lookup('/yy-out.rar');
  if (!loot || !out) throw new Error('archives not on the image');
  const bytes = readFileSync(image);
  // The root's index block: the 4 KiB cluster that starts with INDX and names the archives.
  let block: Buffer | null = null;
  for (let at = 0; at + 4096 <= bytes.length; at += 4096) {
    if (bytes.toString('latin1', at, at + 4) !== 'INDX') continue;
    const b = bytes.subarray(at, at + 4096);
    if (b.includes(Buffer.from('zz-loot.7z', 'utf16le'))) block = b;
  }
  if (!block) throw new Error('no INDX block names the archives');
  // del, last entry first: each removal moves the end entry over the removed entry's header.
  removeIndexEntry(block, 'zz-loot.7z');
  removeIndexEntry(block, 'yy-out.rar');
  const mftAt = Number(bytes.readBigUInt64LE(0x30)) * 4096;
  const record = (entry: number) => bytes.subarray(mftAt + entry * v.recordSize, mftAt + (entry + 1) * v.recordSize);
  for (const r of [out, loot]) {
    const rec = record(r.entry);
    rec.writeUInt16LE(rec.readUInt16LE(0x16) & ~1, 0x16);
    rec.writeUInt16LE((r.sequence + 1) & 0xffff, 0x10);
  }
  record(loot.entry).fill(0);
  writeFileSync(image, bytes);
  return { image, loot, out };
}
