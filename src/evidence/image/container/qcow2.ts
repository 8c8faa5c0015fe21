/**
 * QCOW2 (qemu docs/interop/qcow2.txt): big-endian header ("QFI\xfb"), a two-level table
 * L1 -> L2 -> cluster. L2 entries: bit 62 = compressed (raw deflate, offset/sector count packed by
 * cluster_bits), bit 0 = reads as zeros (v3), bits 9-55 = host offset. Backing files, encryption,
 * external data files and extended L2 entries are reported and not followed.
 */
import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../../../util/byte-source.js';
import { blockSource, readExact } from './block-source.js';

export interface Qcow2Info {
  format: 'qcow2';
  version: number;
  clusterSize: number;
  mediaSize: number;
  backingFile?: string;
  encrypted: boolean;
  compressedClusters?: boolean;
  snapshots: number;
}

export function isQcow2(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === 0x514649fb;
}

const OFFSET_MASK = 0x00fffffffffffe00n;

export function openQcow2(file: ByteSource, name: string, warnings: string[]): { source: ByteSource; info: Qcow2Info } {
  const h = readExact(file, 0, 104);
  if (!h || !isQcow2(h)) throw new Error('QCOW2: bad header');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Error(`QCOW version ${version} not supported`);
  const backingAt = Number(h.readBigUInt64BE(8));
  const backingLen = h.readUInt32BE(16);
  const clusterBits = h.readUInt32BE(20);
  const mediaSize = Number(h.readBigUInt64BE(24));
  const crypt = h.readUInt32BE(32);
  const l1Size = h.readUInt32BE(36);
  const l1At = Number(h.readBigUInt64BE(40));
  const snapshots = h.readUInt32BE(60);
  if (clusterBits < 9 || clusterBits > 21) throw new Error(`QCOW2: cluster_bits ${clusterBits} out of range`);
  const clusterSize = 2 ** clusterBits;
  let backingFile: string | undefined;
  if (backingAt && backingLen) backingFile = file.read(backingAt, Math.min(backingLen, 1023)).toString('utf8');
  if (backingFile) warnings.push(`QCOW2 ${name}: backing file '${backingFile}' not followed; clusters not in this file read as zeros`);
  if (crypt) warnings.push(`QCOW2 ${name}: encrypted (method ${crypt}); not decrypted`);
  if (version === 3) {
    const incompat = h.readBigUInt64BE(72);
    if (incompat & 4n) throw new Error('QCOW2: external data file not supported');
    if (incompat & 16n) throw new Error('QCOW2: extended L2 entries not supported');
    if (incompat & 8n) {
      const hl = h.readUInt32BE(100);
      const ct = hl > 104 ? file.read(104, 1)[0] : 0;
      if (ct !== 0) throw new Error('QCOW2: zstd-compressed clusters not supported');
    }
  }
  const l2Entries = clusterSize / 8;
  const needL1 = Math.ceil(mediaSize / (clusterSize * l2Entries));
  if (l1Size < needL1) warnings.push(`QCOW2 ${name}: L1 table has ${l1Size} entries, ${needL1} needed`);
  const info: Qcow2Info = { format: 'qcow2', version, clusterSize, mediaSize, backingFile, encrypted: crypt !== 0, snapshots };
  let warned = 0;
  const bad = (m: string): null => {
    if (warned++ < 20) warnings.push(`QCOW2 ${name}: ${m}`);
    return null;
  };
  const source = blockSource({
    name,
    size: mediaSize,
    blockSize: clusterSize,
    readBlock(i: number): Buffer | null {
      if (crypt) return null;
      const l1i = Math.floor(i / l2Entries);
      if (l1i >= l1Size) return null;
      const l1e = readExact(file, l1At + 8 * l1i, 8);
      if (!l1e) return bad(`L1 entry ${l1i} truncated`);
      const l2At = Number(l1e.readBigUInt64BE(0) & OFFSET_MASK);
      if (!l2At) return null;
      const l2e = readExact(file, l2At + 8 * (i % l2Entries), 8);
      if (!l2e) return bad(`L2 entry of cluster ${i} truncated`);
      const e = l2e.readBigUInt64BE(0);
      if (e & (1n << 62n)) {
        info.compressedClusters = true;
        const x = BigInt(62 - (clusterBits - 8));
        const off = Number(e & ((1n << x) - 1n));
        const sectors = Number((e >> x) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
        const len = Math.min(sectors * 512 - (off & 511), clusterSize * 2);
        try {
          return inflateRawSync(file.read(off, len), { maxOutputLength: clusterSize, finishFlush: 2 /* Z_SYNC_FLUSH: tolerate the padding */ });
        } catch (err) {
          return bad(`compressed cluster ${i} does not inflate (${(err as Error).message})`);
        }
      }
      if (version === 3 && e & 1n) return null;
      const at = Number(e & OFFSET_MASK);
      if (!at) return null;
      return file.read(at, clusterSize);
    },
  });
  return { source, info };
}
