/**
 * An NTFS volume with one shadow copy that still holds a staged archive the live volume no longer
 * has, built without mounting or Windows:
 *   - "before": mkntfs + ntfscp under faketime put twelve documents, a PowerShell history that
 *     made the archive and `loot.7z` (7-Zip, encrypted headers, made by 7zz from the documents) in
 *     the root;
 *   - "after" (the live volume): the history grown by the line that deleted the archive, the
 *     Security log cleared and the Sysmon log grown (ntfscp again), and the archive deleted as `del` leaves it (its entry removed from the root's INDX
 *     block, its MFT record reused: wiped);
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
import { evtxFile, security4688, sysmon1 } from '../../fixtures/lib/evtx-writer.mjs';
import { VSS_BLOCK as BLOCK, vssMetadataBytes, writeVss, type StoreSpec } from '../../bench/lib/vss-layout.mjs';

export const VSS_IMAGE_TOOLS = ['mkntfs', 'ntfscp', 'faketime', '7zz'];
/** When the files were made, and when the copy was (the catalog's FILETIME). */
export const FILES_TIME = '2024-05-01 01:50:00';
export const COPY_CREATED = '2024-05-01T02:00:00.0000000Z';
export const COPY_MACHINE = 'STAGEHOST';
/** When the history grew (the archive deleted), after the copy. */
const AFTER_TIME = '2024-05-01 02:10:00';
/** The event logs, in the root (ntfscp makes no folders): Security cleared after the copy, Sysmon grown. */
export const SECURITY_LOG = 'Security.evtx';
export const SYSMON_LOG = 'Microsoft-Windows-Sysmon%4Operational.evtx';
export const SECURITY_COMMAND = '"C:\\Program Files\\WinRAR\\rar.exe" a -hpS3cret -v100m C:\\vol.rar C:\\doc-*.docx';
const SYSMON_7Z = sysmon1({ recordId: 7, time: new Date('2024-05-01T01:50:00Z'), commandLine: '"C:\\Program Files\\7-Zip\\7z.exe" a -mhe=on -pS3cret! C:\\loot.7z C:\\doc-*.docx', image: 'C:\\Program Files\\7-Zip\\7z.exe' });
/** The PowerShell history: the copy keeps the first line, the live volume both. */
export const HISTORY = ['& "C:\\Program Files\\7-Zip\\7z.exe" a -mhe=on -pS3cret! C:\\loot.7z C:\\doc-*.docx', 'del C:\\loot.7z'];
const IMAGE_BYTES = 40 * 1024 * 1024;
/**
 * Where the store starts: free clusters at the end of the volume (mkntfs puts its metadata at the
 * start, the middle and the backup boot sector at the end). On Windows the store is a file in System Volume Information; its blocks
 * are marked not in use in the copy, which reads them as zeros, as it read them before.
 */
const STORE_AT = 24 * 1024 * 1024;
const STORE_ROOM = 8 * 1024 * 1024;

export interface VssImage {
  image: string;
  /** The volume before the deletion: what the copy must read as. */
  before: Buffer;
  /** Blocks the store keeps. */
  savedBlocks: number;
  /** The store's identifier (the copy's finding ids are made from it). */
  storeId: string;
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
  // The history as the copy keeps it (the archive made); the live one goes on (the archive deleted).
  const history = (lines: string[]) => writeFileSync(path.join(src, 'ConsoleHost_history.txt'), [...lines, ''].join('\r\n'));
  history([HISTORY[0]!]);
  run('7zz', ['a', '-bd', '-mhe=on', '-pS3cret!', 'loot.7z', ...docs], src);
  // Two event logs: Security records rar making encrypted volumes and is cleared after the copy;
  // Sysmon records 7-Zip making the archive and goes on logging.
  writeFileSync(path.join(src, SECURITY_LOG), evtxFile([security4688({ recordId: 102, time: new Date('2024-05-01T01:49:00Z'), commandLine: SECURITY_COMMAND, newProcessName: 'C:\\Program Files\\WinRAR\\rar.exe' })]));
  writeFileSync(path.join(src, SYSMON_LOG), evtxFile([SYSMON_7Z]));
  for (const name of [...docs, 'ConsoleHost_history.txt', 'loot.7z', SECURITY_LOG, SYSMON_LOG]) put(name);

  const before = readFileSync(image);
  if (!before.subarray(STORE_AT, STORE_AT + STORE_ROOM).every((b) => b === 0)) throw new Error('the room for the store is not free on the volume');
  history(HISTORY);
  writeFileSync(path.join(src, SECURITY_LOG), evtxFile([security4688({ recordId: 1, time: new Date('2024-05-01T02:05:00Z'), commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', newProcessName: 'C:\\Windows\\System32\\svchost.exe', user: 'SYSTEM' })]));
  writeFileSync(path.join(src, SYSMON_LOG), evtxFile([SYSMON_7Z, sysmon1({ recordId: 8, time: new Date('2024-05-01T02:06:00Z'), commandLine: 'C:\\Windows\\System32\\notepad.exe C:\\notes.txt', image: 'C:\\Windows\\System32\\notepad.exe' })]));
  for (const name of ['ConsoleHost_history.txt', SECURITY_LOG, SYSMON_LOG]) run('faketime', ['-f', AFTER_TIME, 'ntfscp', '-f', image, path.join(src, name), `/${name}`]);
  const after = readFileSync(image);
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

  // The store: its metadata (vss-layout.ts), then a data block per 16 KiB that the deletion changed.
  const changed: number[] = [];
  const spec: StoreSpec = { storeId: '9b2f6c41-0d7e-11ef-8a10-525400abcdef', created: COPY_CREATED, machine: COPY_MACHINE, descriptors: [] };
  // The volume header Windows writes into the boot area when shadow copies are enabled: block 0 differs too.
  writeVss(after, STORE_AT, []);
  for (let b = 0; b * BLOCK < IMAGE_BYTES; b++) {
    if (b * BLOCK >= STORE_AT && b * BLOCK < STORE_AT + STORE_ROOM) continue; // the store's own blocks
    if (!before.subarray(b * BLOCK, (b + 1) * BLOCK).equals(after.subarray(b * BLOCK, (b + 1) * BLOCK))) changed.push(b);
  }
  const storeStart = STORE_AT + BLOCK; // after the catalog: the store header
  let dataAt = STORE_AT + vssMetadataBytes([{ ...spec, descriptors: changed.map(() => ({ original: 0, relative: 0, store: 0 })) }], IMAGE_BYTES);
  for (const b of changed) {
    spec.descriptors.push({ original: b * BLOCK, relative: dataAt - storeStart, store: dataAt });
    before.copy(after, dataAt, b * BLOCK, (b + 1) * BLOCK);
    dataAt += BLOCK;
  }
  if (dataAt > STORE_AT + STORE_ROOM) throw new Error('store does not fit');
  // Blocks not in use at the copy's making read as zeros in it: the store's own.
  spec.unusedBlocks = [];
  for (let b = STORE_AT / BLOCK; b < (STORE_AT + STORE_ROOM) / BLOCK; b++) spec.unusedBlocks.push(b);
  writeVss(after, STORE_AT, [spec]);

  writeFileSync(image, after);
  return { image, before, savedBlocks: changed.length, storeId: spec.storeId };
}
