/**
 * VMDK (VMware "Virtual Disk Format 5.0"): a sparse extent starts with "KDMV" and a little-endian
 * header (capacity and grain size in sectors, grain directory -> grain tables of u32 sector numbers;
 * 0 = unallocated, 1 = zeroed). streamOptimized extents keep the header at the end and compress
 * grains (zlib behind a 12-byte marker). A text descriptor ("# Disk DescriptorFile") lists extents
 * (`RW 2048 FLAT "x-flat.vmdk" 0`, `SPARSE`, `ZERO`); the opener resolves their files next to it.
 */
import { inflateSync } from 'node:zlib';
import type { ByteSource } from '../../../util/byte-source.js';
import { blockSource, readExact } from './block-source.js';
import { trimEndOf } from '../../../util/trim.js';

export interface VmdkExtentLine {
  access: string;
  sectors: number;
  type: string;
  file?: string;
  offset: number;
}

export interface VmdkInfo {
  format: 'vmdk';
  kind: string;
  mediaSize: number;
  extents: number;
  parentHint?: string;
}

const MAX_DESCRIPTOR = 64 * 1024;
const MAX_EXTENTS = 4096;

export function isSparseVmdk(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === 'KDMV';
}

export function isVmdkDescriptor(head: Buffer): boolean {
  return head.toString('latin1', 0, Math.min(head.length, 200)).includes('# Disk DescriptorFile');
}

/** The embedded (sparse) or stand-alone descriptor text. */
export function vmdkDescriptorText(file: ByteSource): string | null {
  const head = file.read(0, 512);
  if (isSparseVmdk(head)) {
    const at = Number(head.readBigUInt64LE(28)) * 512;
    const len = Math.min(Number(head.readBigUInt64LE(36)) * 512, MAX_DESCRIPTOR);
    if (!at || !len) return null;
    return trimEndOf(file.read(at, len).toString('latin1'), '\0');
  }
  if (isVmdkDescriptor(head)) return file.read(0, MAX_DESCRIPTOR).toString('latin1');
  return null;
}

export function parseVmdkDescriptor(text: string): { extents: VmdkExtentLine[]; createType?: string; parentHint?: string } {
  const extents: VmdkExtentLine[] = [];
  let createType: string | undefined;
  let parentHint: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    const ct = /^createType\s*=\s*"([^"]*)"/.exec(t);
    if (ct) createType = ct[1];
    const ph = /^parentFileNameHint\s*=\s*"([^"]*)"/.exec(t);
    if (ph) parentHint = ph[1];
    const m = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(FLAT|SPARSE|ZERO|VMFS|VMFSSPARSE)(?:\s+"([^"]*)"(?:\s+(\d+))?)?/.exec(t);
    if (m && extents.length < MAX_EXTENTS) extents.push({ access: m[1]!, sectors: Number(m[2]), type: m[3]!, file: m[4], offset: Number(m[5] ?? 0) });
  }
  return { extents, createType, parentHint };
}

/** One sparse extent ("KDMV") as a source of `capacity` sectors. */
export function openSparseExtent(file: ByteSource, name: string, warnings: string[]): ByteSource {
  let h = readExact(file, 0, 512);
  if (!h || !isSparseVmdk(h)) throw new Error(`VMDK ${name}: not a sparse extent`);
  if (h.readBigUInt64LE(56) === 0xffffffffffffffffn) {
    // streamOptimized: the real header is the footer, 1024 bytes before the end
    const foot = readExact(file, file.size - 1024, 512);
    if (foot && isSparseVmdk(foot)) h = foot;
    else throw new Error(`VMDK ${name}: grain directory at end but no footer`);
  }
  const flags = h.readUInt32LE(8);
  const capacity = Number(h.readBigUInt64LE(12)) * 512;
  const grainSize = Number(h.readBigUInt64LE(20)) * 512;
  const gtes = h.readUInt32LE(44);
  const gdAt = Number(h.readBigUInt64LE(56)) * 512;
  const compressed = (flags & (1 << 16)) !== 0 && h.readUInt16LE(77) === 1;
  if (!grainSize || grainSize > 64 * 1024 * 1024 || grainSize % 512 !== 0) throw new Error(`VMDK ${name}: grain size ${grainSize} not usable`);
  if (!gtes || gtes > 1 << 20) throw new Error(`VMDK ${name}: ${gtes} entries per grain table not usable`);
  let warned = 0;
  const bad = (m: string): null => {
    if (warned++ < 20) warnings.push(`VMDK ${name}: ${m}`);
    return null;
  };
  return blockSource({
    name,
    size: capacity,
    blockSize: grainSize,
    readBlock(i: number): Buffer | null {
      const gdi = Math.floor(i / gtes);
      const gde = readExact(file, gdAt + 4 * gdi, 4);
      if (!gde) return bad(`grain directory entry ${gdi} truncated`);
      const gtAt = gde.readUInt32LE(0) * 512;
      if (!gtAt) return null;
      const gte = readExact(file, gtAt + 4 * (i % gtes), 4);
      if (!gte) return bad(`grain table entry of grain ${i} truncated`);
      const sector = gte.readUInt32LE(0);
      if (sector <= 1) return null;
      if (!compressed) return file.read(sector * 512, grainSize);
      const marker = readExact(file, sector * 512, 12);
      if (!marker) return bad(`grain ${i} marker truncated`);
      const len = marker.readUInt32LE(8);
      if (len > grainSize * 2 + 1024) return bad(`grain ${i} claims ${len} compressed bytes`);
      try {
        return inflateSync(file.read(sector * 512 + 12, len), { maxOutputLength: grainSize });
      } catch (err) {
        return bad(`grain ${i} does not inflate (${(err as Error).message})`);
      }
    },
  });
}
