/**
 * An NTFS volume with one shadow copy that still holds a staged archive the live volume no longer
 * has, built without mounting or Windows:
 *   - "before": mkntfs + ntfscp under faketime put twelve documents, a PowerShell history and
 *     `loot.7z` (7-Zip, encrypted headers, made by 7zz from the documents) in the root;
 *   - "after" (the live volume): the same bytes with the archive deleted as `del` leaves it (its
 *     entry removed from the root's INDX block, its MFT record reused: wiped);
 *   - a shadow copy store laid out as the VSS software provider writes it (libyal's format
 *     description): the volume header at 0x1e00, a catalog block (entries of type 2 and 3), a store
 *     header with the copy's identifiers and machine names, a block list with one descriptor per
 *     16 KiB block that differs between before and after (its old bytes in a store data block), and
 *     a bitmap marking the blocks the store itself occupies as not in use when the copy was made.
 * The copy's volume is therefore "before", byte for byte: test/evidence/vss-e2e.test.ts checks
 * that with pyvshadow as well as with stagehunt's reader, then scans the image.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { fileSource } from '../ntfs/helpers.js';
import { removeIndexEntry } from '../ntfs/i30-image.js';

export const VSS_IMAGE_TOOLS = ['mkntfs', 'ntfscp', 'faketime', '7zz'];
/** When the files were made, and when the copy was (the catalog's FILETIME). */
export const FILES_TIME = '2024-05-01 01:50:00';
export const COPY_CREATED = '2024-05-01T02:00:00.0000000Z';
export const COPY_MACHINE = 'STAGEHOST';
const IMAGE_BYTES = 40 * 1024 * 1024;
/**
 * Where the store starts: free clusters at the end of the volume (mkntfs puts its metadata at the
 * start, the middle and the backup boot sector at the end). On Windows the store is a file in System Volume Information; its blocks
 * are marked not in use in the copy, which reads them as zeros, as it read them before.
 */
const STORE_AT = 24 * 1024 * 1024;
const STORE_ROOM = 8 * 1024 * 1024;
const BLOCK = 0x4000;
const VSS_GUID = Buffer.from('6b87083876c1484eb7ae04046e6cc752', 'hex');

export interface VssImage {
  image: string;
  /** The volume before the deletion: what the copy must read as. */
  before: Buffer;
  /** Blocks the store keeps. */
  savedBlocks: number;
}

/** A GUID in its on-disk byte order from its text. */
function guidBytes(text: string): Buffer {
  const h = text.replace(/-/g, '');
  const rev = (s: string): string => Buffer.from(s, 'hex').reverse().toString('hex');
  return Buffer.from(rev(h.slice(0, 8)) + rev(h.slice(8, 12)) + rev(h.slice(12, 16)) + h.slice(16), 'hex');
}

function blockHeader(recordType: number, relative: number, current: number, next: number): Buffer {
  const h = Buffer.alloc(128);
  VSS_GUID.copy(h, 0);
  h.writeUInt32LE(1, 16);
  h.writeUInt32LE(recordType, 20);
  h.writeBigUInt64LE(BigInt(relative), 24);
  h.writeBigUInt64LE(BigInt(current), 32);
  h.writeBigUInt64LE(BigInt(next), 40);
  return h;
}

export function buildVssImage(dir: string): VssImage {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const env = { ...process.env, TZ: 'UTC' };
  const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const image = path.join(dir, 'vss.img');
  writeFileSync(image, Buffer.alloc(0));
  run('truncate', ['-s', String(IMAGE_BYTES), image]);
  run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'VSS', '-q', image]);
  const src = path.join(dir, 'src');
  const put = (name: string) => run('faketime', ['-f', FILES_TIME, 'ntfscp', '-f', image, path.join(src, name), `/${name}`]);
  const docs: string[] = [];
  for (let i = 1; i <= 12; i++) {
    const name = `doc-${String(i).padStart(2, '0')}.docx`;
    writeFileSync(path.join(src, name), `quarterly figures ${i}\r\n`.repeat(40));
    docs.push(name);
  }
  writeFileSync(path.join(src, 'ConsoleHost_history.txt'), ['& "C:\\Program Files\\7-Zip\\7z.exe" a -mhe=on -pS3cret! C:\\loot.7z C:\\doc-*.docx', 'del C:\\loot.7z', ''].join('\r\n'));
  run('7zz', ['a', '-bd', '-mhe=on', '-pS3cret!', 'loot.7z', ...docs], src);
  for (const name of [...docs, 'ConsoleHost_history.txt', 'loot.7z']) put(name);

  const before = readFileSync(image);
  if (!before.subarray(STORE_AT, STORE_AT + STORE_ROOM).every((b) => b === 0)) throw new Error('the room for the store is not free on the volume');
  const after = Buffer.from(before);
  // del C:\loot.7z: the root index loses its entry, and its MFT record is reused (wiped).
  const v = openNtfs(fileSource(image));
  const loot = v.lookup('/loot.7z');
  if (!loot) throw new Error('loot.7z not on the image');
  let indexBlock: Buffer | null = null;
  for (let at = 0; at + 4096 <= IMAGE_BYTES; at += 4096) {
    const b = after.subarray(at, at + 4096);
    if (b.toString('latin1', 0, 4) === 'INDX' && b.includes(Buffer.from('loot.7z', 'utf16le'))) indexBlock = b;
  }
  if (!indexBlock) throw new Error('no INDX block names loot.7z');
  removeIndexEntry(indexBlock, 'loot.7z');
  const mftAt = Number(after.readBigUInt64LE(0x30)) * 4096;
  after.fill(0, mftAt + loot.entry * v.recordSize, mftAt + (loot.entry + 1) * v.recordSize);

  // The store: catalog, store header, block list, bitmap, then data blocks.
  const catalogAt = STORE_AT;
  const headerAt = catalogAt + BLOCK;
  const listAt = headerAt + BLOCK;
  const bitmapAt = listAt + BLOCK;
  let dataAt = bitmapAt + BLOCK;
  const storeStart = headerAt;
  // The volume header, which Windows writes into the boot area when shadow copies are enabled: block 0 differs too.
  const vh = blockHeader(1, 0, 0x1e00, 0x1e00);
  vh.writeBigUInt64LE(BigInt(catalogAt), 48);
  guidBytes('5d9a0e11-2a39-4c4b-9e41-3f0b6a7c1d20').copy(vh, 64);
  guidBytes('5d9a0e11-2a39-4c4b-9e41-3f0b6a7c1d20').copy(vh, 80);
  vh.copy(after, 0x1e00);

  const descriptors: Buffer[] = [];
  for (let b = 0; b * BLOCK < IMAGE_BYTES; b++) {
    if (b * BLOCK >= STORE_AT && b * BLOCK < STORE_AT + STORE_ROOM) continue; // the store's own blocks
    const old = before.subarray(b * BLOCK, (b + 1) * BLOCK);
    if (old.equals(after.subarray(b * BLOCK, (b + 1) * BLOCK))) continue;
    const d = Buffer.alloc(32);
    d.writeBigUInt64LE(BigInt(b * BLOCK), 0);
    d.writeBigUInt64LE(BigInt(dataAt - storeStart), 8);
    d.writeBigUInt64LE(BigInt(dataAt), 16);
    descriptors.push(d);
    old.copy(after, dataAt);
    dataAt += BLOCK;
  }
  if (dataAt > STORE_AT + STORE_ROOM || descriptors.length > (BLOCK - 128) / 32) throw new Error('store does not fit');

  const storeId = guidBytes('9b2f6c41-0d7e-11ef-8a10-525400abcdef');
  const catalog = Buffer.alloc(BLOCK);
  blockHeader(2, 0, catalogAt, 0).copy(catalog, 0);
  const e2 = catalog.subarray(128, 256);
  e2.writeBigUInt64LE(2n, 0);
  e2.writeBigUInt64LE(BigInt(IMAGE_BYTES), 8);
  storeId.copy(e2, 16);
  e2.writeBigUInt64LE(1n, 32);
  e2.writeBigUInt64LE(0x40n, 40);
  e2.writeBigUInt64LE(BigInt(Date.parse(COPY_CREATED)) * 10000n + 116444736000000000n, 48);
  const e3 = catalog.subarray(256, 384);
  e3.writeBigUInt64LE(3n, 0);
  e3.writeBigUInt64LE(BigInt(listAt), 8);
  storeId.copy(e3, 16);
  e3.writeBigUInt64LE(BigInt(headerAt), 32);
  e3.writeBigUInt64LE(BigInt(bitmapAt), 48);
  e3.writeBigUInt64LE(BigInt(dataAt - storeStart), 64);
  catalog.copy(after, catalogAt);

  const header = Buffer.alloc(BLOCK);
  blockHeader(4, 0, headerAt, 0).copy(header, 0);
  const machine = Buffer.from(COPY_MACHINE, 'utf16le');
  header.writeBigUInt64LE(BigInt(64 + 2 * (2 + machine.length)), 48);
  guidBytes('b5946137-7b9f-4925-af80-51abd60b20d5').copy(header, 128);
  guidBytes('c0ffee00-1111-4222-8333-444455556666').copy(header, 128 + 16);
  guidBytes('c0ffee00-7777-4888-9999-aaaabbbbcccc').copy(header, 128 + 32);
  header.writeUInt32LE(0x00420009, 128 + 56);
  let o = 128 + 64;
  for (let i = 0; i < 2; i++) {
    header.writeUInt16LE(machine.length, o);
    machine.copy(header, o + 2);
    o += 2 + machine.length;
  }
  header.copy(after, headerAt);

  const list = Buffer.alloc(BLOCK);
  blockHeader(3, listAt - storeStart, listAt, 0).copy(list, 0);
  descriptors.forEach((d, i) => d.copy(list, 128 + 32 * i));
  list.copy(after, listAt);

  // Blocks not in use at the copy's making read as zeros in it: the store's own.
  const bitmap = Buffer.alloc(BLOCK);
  blockHeader(6, bitmapAt - storeStart, bitmapAt, 0).copy(bitmap, 0);
  for (let b = STORE_AT / BLOCK; b < (STORE_AT + STORE_ROOM) / BLOCK; b++) bitmap[128 + (b >> 3)]! |= 1 << (b & 7);
  bitmap.copy(after, bitmapAt);

  writeFileSync(image, after);
  return { image, before, savedBlocks: descriptors.length };
}
