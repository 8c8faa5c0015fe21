/**
 * Synthetic NTFS structures for the tests: MFT records (1024 bytes, fixups applied on write) with
 * resident and non-resident attributes, $FILE_NAME values, and a 1 MiB volume holding them.
 */
/** A minimal MFT record (1024 bytes, fixups applied on write) with the given attributes. */
export function record(opts: { sequence?: number; flags?: number; base?: bigint; attrs: Buffer[] }): Buffer {
  const b = Buffer.alloc(1024);
  b.write('FILE', 0, 'latin1');
  b.writeUInt16LE(0x30, 4);
  b.writeUInt16LE(3, 6);
  b.writeUInt16LE(opts.sequence ?? 1, 0x10);
  b.writeUInt16LE(1, 0x12);
  b.writeUInt16LE(0x38, 0x14);
  b.writeUInt16LE(opts.flags ?? 1, 0x16);
  b.writeUInt32LE(1024, 0x1c);
  b.writeBigUInt64LE(opts.base ?? 0n, 0x20);
  let pos = 0x38;
  for (const a of opts.attrs) {
    a.copy(b, pos);
    pos += a.length;
  }
  b.writeUInt32LE(0xffffffff, pos);
  b.writeUInt32LE(pos + 8, 0x18);
  // Update sequence: number 0x0001, original sector-end bytes saved in the array.
  b.writeUInt16LE(1, 0x30);
  redoFixups(b);
  return b;
}

/**
 * Writes a fixed-up record or INDX block back as stored: each 512-byte sector's last two bytes go to
 * the update sequence array, and the update sequence number takes their place.
 */
export function redoFixups(b: Buffer): void {
  const usaOffset = b.readUInt16LE(4);
  const usaCount = b.readUInt16LE(6);
  const usn = b.readUInt16LE(usaOffset);
  for (let i = 1; i < usaCount; i++) {
    b.copy(b, usaOffset + i * 2, i * 512 - 2, i * 512);
    b.writeUInt16LE(usn, i * 512 - 2);
  }
}

export function resident(type: number, value: Buffer, name = ''): Buffer {
  const nameBytes = Buffer.from(name, 'utf16le');
  const valueOffset = (0x18 + nameBytes.length + 7) & ~7;
  const len = (valueOffset + value.length + 7) & ~7;
  const a = Buffer.alloc(len);
  a.writeUInt32LE(type, 0);
  a.writeUInt32LE(len, 4);
  a[9] = name.length;
  a.writeUInt16LE(0x18, 0x0a);
  nameBytes.copy(a, 0x18);
  a.writeUInt32LE(value.length, 0x10);
  a.writeUInt16LE(valueOffset, 0x14);
  value.copy(a, valueOffset);
  return a;
}

export function nonResident(type: number, runlist: Buffer, o: { lastVcn: bigint; size: bigint; flags?: number; cu?: number; name?: string }): Buffer {
  const nameBytes = Buffer.from(o.name ?? '', 'utf16le');
  const runsAt = (0x40 + nameBytes.length + 7) & ~7;
  const len = (runsAt + runlist.length + 7) & ~7;
  const a = Buffer.alloc(len);
  a.writeUInt32LE(type, 0);
  a.writeUInt32LE(len, 4);
  a[8] = 1;
  a[9] = (o.name ?? '').length;
  a.writeUInt16LE(0x40, 0x0a);
  nameBytes.copy(a, 0x40);
  a.writeUInt16LE(o.flags ?? 0, 0x0c);
  a.writeBigUInt64LE(0n, 0x10);
  a.writeBigInt64LE(o.lastVcn, 0x18);
  a.writeUInt16LE(runsAt, 0x20);
  a.writeUInt16LE(o.cu ?? 0, 0x22);
  a.writeBigUInt64LE(o.size, 0x28);
  a.writeBigUInt64LE(o.size, 0x30);
  a.writeBigUInt64LE(o.size, 0x38);
  runlist.copy(a, runsAt);
  return a;
}

export function fileName(name: string, parent: number, parentSeq: number, namespace = 1): Buffer {
  const n = Buffer.from(name, 'utf16le');
  const v = Buffer.alloc(0x42 + n.length);
  v.writeBigUInt64LE((BigInt(parentSeq) << 48n) | BigInt(parent), 0);
  for (let i = 0; i < 4; i++) v.writeBigUInt64LE(132223104000000000n, 8 + i * 8);
  v[0x40] = name.length;
  v[0x41] = namespace;
  n.copy(v, 0x42);
  return resident(0x30, v);
}

export const SI = resident(0x10, Buffer.alloc(72));

/**
 * A 1 MiB volume with 4096-byte clusters: boot sector, a 64-record $MFT at cluster 4 and the given
 * records (entry -> bytes). Entry 0 describes the MFT; entry 5 is the root.
 */
export function volume(records: Map<number, Buffer>, mftRunlist?: Buffer): Buffer {
  const img = Buffer.alloc(1024 * 1024);
  img.write('NTFS    ', 3, 'latin1');
  img.writeUInt16LE(512, 0x0b);
  img[0x0d] = 8;
  img.writeBigUInt64LE(2048n, 0x28);
  img.writeBigUInt64LE(4n, 0x30);
  img.writeBigUInt64LE(2n, 0x38);
  img[0x40] = 0xf6; // 2^10 = 1024-byte records
  img[0x44] = 1;
  img.writeUInt16LE(0xaa55, 0x1fe);
  const runs = mftRunlist ?? Buffer.from([0x11, 16, 4, 0]); // 16 clusters at LCN 4
  const all = new Map(records);
  all.set(0, record({ attrs: [SI, fileName('$MFT', 5, 5, 3), nonResident(0x80, runs, { lastVcn: 15n, size: 65536n })] }));
  if (!all.has(5)) all.set(5, record({ sequence: 5, flags: 3, attrs: [SI, fileName('.', 5, 5, 3)] }));
  for (const [e, r] of all) r.copy(img, 4 * 4096 + e * 1024);
  return img;
}
