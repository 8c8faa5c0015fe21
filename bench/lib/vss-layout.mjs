// Writes volume shadow copy structures into a volume's bytes, as the VSS software provider lays
// them out (libyal's format description): the volume header at 0x1e00, one catalog block (a type 2
// and a type 3 entry per store), and per store a store header with the copy's identifiers and
// machine names, its block list (chained blocks of 32-byte descriptors) and its bitmap. The store
// data blocks the descriptors point at are the caller's to write. For the generated image
// (test/evidence/vss-image.ts), the hostile-input tests (test/evidence/vss-hostile.test.ts) and the
// shadow copy bench (bench/vss.mjs).
export const VSS_BLOCK = 0x4000;
const VSS_GUID = Buffer.from('6b87083876c1484eb7ae04046e6cc752', 'hex');
const DESCRIPTORS_PER_BLOCK = (VSS_BLOCK - 128) / 32;
const CATALOG_ENTRIES_PER_BLOCK = (VSS_BLOCK - 128) / 128;

/** A GUID in its on-disk byte order from its text. */
export function guidBytes(text) {
  const h = text.replace(/-/g, '');
  const rev = (s) => Buffer.from(s, 'hex').reverse().toString('hex');
  return Buffer.from(rev(h.slice(0, 8)) + rev(h.slice(8, 12)) + rev(h.slice(12, 16)) + h.slice(16), 'hex');
}

function blockHeader(recordType, relative, current, next) {
  const h = Buffer.alloc(128);
  VSS_GUID.copy(h, 0);
  h.writeUInt32LE(1, 16);
  h.writeUInt32LE(recordType, 20);
  h.writeBigUInt64LE(BigInt(relative), 24);
  h.writeBigUInt64LE(BigInt(current), 32);
  h.writeBigUInt64LE(BigInt(next), 40);
  return h;
}

const catalogBlocks = (stores) => Math.max(1, Math.ceil((2 * stores) / CATALOG_ENTRIES_PER_BLOCK));
const listBlocks = (s) => Math.max(1, Math.ceil(s.descriptors.length / DESCRIPTORS_PER_BLOCK));
const bitmapBlocks = (volumeBytes) => Math.max(1, Math.ceil(Math.ceil(volumeBytes / VSS_BLOCK / 8) / (VSS_BLOCK - 128)));

/** Bytes the catalog and the stores' headers, block lists and bitmaps take (the data blocks not counted). */
export function vssMetadataBytes(stores, volumeBytes) {
  let blocks = catalogBlocks(stores.length);
  for (const s of stores) blocks += 1 + listBlocks(s) + bitmapBlocks(volumeBytes) * (s.previousUnused ? 2 : 1);
  return blocks * VSS_BLOCK;
}

/** Writes the VSS header, catalog and stores' metadata into `volume` from `at` (16 KiB aligned). */
export function writeVss(volume, at, stores) {
  return writeVssWith((offset, bytes) => bytes.copy(volume, offset), volume.length, at, stores);
}

/** writeVss through `writeAt(offset, bytes)`, for a volume of `size` bytes not held in memory. */
export function writeVssWith(writeAt, size, at, stores) {
  const vh = blockHeader(1, 0, 0x1e00, 0x1e00);
  vh.writeBigUInt64LE(BigInt(at), 48);
  guidBytes('5d9a0e11-2a39-4c4b-9e41-3f0b6a7c1d20').copy(vh, 64);
  guidBytes('5d9a0e11-2a39-4c4b-9e41-3f0b6a7c1d20').copy(vh, 80);
  writeAt(0x1e00, vh);
  const catalogAt = at;
  const nCatalog = catalogBlocks(stores.length);
  let next = at + nCatalog * VSS_BLOCK;
  // The catalog's entries, 127 to a block, the blocks chained: a type 2 and a type 3 entry per store.
  const catalog = Buffer.alloc(nCatalog * VSS_BLOCK);
  for (let k = 0; k < nCatalog; k++) blockHeader(2, k * VSS_BLOCK, at + k * VSS_BLOCK, k + 1 < nCatalog ? at + (k + 1) * VSS_BLOCK : 0).copy(catalog, k * VSS_BLOCK);
  const entry = (n) => {
    const o = Math.floor(n / CATALOG_ENTRIES_PER_BLOCK) * VSS_BLOCK + 128 + (n % CATALOG_ENTRIES_PER_BLOCK) * 128;
    return catalog.subarray(o, o + 128);
  };
  const written = [];
  stores.forEach((s, i) => {
    const headerAt = next;
    next += VSS_BLOCK;
    const storeStart = headerAt;
    const id = guidBytes(s.storeId);
    const e2 = entry(2 * i);
    e2.writeBigUInt64LE(2n, 0);
    e2.writeBigUInt64LE(BigInt(size), 8);
    id.copy(e2, 16);
    e2.writeBigUInt64LE(BigInt(i + 1), 32);
    e2.writeBigUInt64LE(0x40n, 40);
    e2.writeBigUInt64LE(BigInt(Date.parse(s.created)) * 10000n + 116444736000000000n, 48);

    const header = Buffer.alloc(VSS_BLOCK);
    const machine = Buffer.from(s.machine ?? 'STAGEHOST', 'utf16le');
    blockHeader(4, 0, headerAt, 0).copy(header, 0);
    header.writeBigUInt64LE(BigInt(64 + 2 * (2 + machine.length)), 48);
    guidBytes('b5946137-7b9f-4925-af80-51abd60b20d5').copy(header, 128);
    guidBytes(`c0ffee00-1111-4222-8333-${String(i).padStart(12, '0')}`).copy(header, 128 + 16);
    guidBytes(`c0ffee00-7777-4888-9999-${String(i).padStart(12, '0')}`).copy(header, 128 + 32);
    header.writeUInt32LE(s.attributeFlags ?? 0x00420009, 128 + 56);
    let o = 128 + 64;
    for (let k = 0; k < 2; k++) {
      header.writeUInt16LE(machine.length, o);
      machine.copy(header, o + 2);
      o += 2 + machine.length;
    }
    writeAt(headerAt, header);

    const listAt = next;
    const nList = listBlocks(s);
    next += nList * VSS_BLOCK;
    for (let b = 0; b < nList; b++) {
      const blockAt = listAt + b * VSS_BLOCK;
      const block = Buffer.alloc(VSS_BLOCK);
      blockHeader(3, blockAt - storeStart, blockAt, b + 1 < nList ? blockAt + VSS_BLOCK : 0).copy(block, 0);
      s.descriptors.slice(b * DESCRIPTORS_PER_BLOCK, (b + 1) * DESCRIPTORS_PER_BLOCK).forEach((d, k) => {
        const e = block.subarray(128 + 32 * k);
        e.writeBigUInt64LE(BigInt(d.original), 0);
        e.writeBigUInt64LE(BigInt(d.relative), 8);
        e.writeBigUInt64LE(BigInt(d.store), 16);
        e.writeUInt32LE(d.flags ?? 0, 24);
        e.writeUInt32LE(d.bitmap ?? 0, 28);
      });
      writeAt(blockAt, block);
    }
    const writeBitmap = (unused) => {
      const n = bitmapBlocks(size);
      const first = next;
      next += n * VSS_BLOCK;
      const bits = Buffer.alloc(n * (VSS_BLOCK - 128));
      for (const b of unused) bits[b >> 3] |= 1 << (b & 7);
      for (let k = 0; k < n; k++) {
        const blockAt = first + k * VSS_BLOCK;
        const block = Buffer.alloc(VSS_BLOCK);
        blockHeader(6, blockAt - storeStart, blockAt, k + 1 < n ? blockAt + VSS_BLOCK : 0).copy(block, 0);
        bits.copy(block, 128, k * (VSS_BLOCK - 128), (k + 1) * (VSS_BLOCK - 128));
        writeAt(blockAt, block);
      }
      return first;
    };
    const bitmapAt = writeBitmap(s.unusedBlocks ?? []);
    const previousAt = s.previousUnused ? writeBitmap(s.previousUnused) : 0;

    const e3 = entry(2 * i + 1);
    e3.writeBigUInt64LE(3n, 0);
    e3.writeBigUInt64LE(BigInt(listAt), 8);
    id.copy(e3, 16);
    e3.writeBigUInt64LE(BigInt(headerAt), 32);
    e3.writeBigUInt64LE(BigInt(bitmapAt), 48);
    e3.writeBigUInt64LE(BigInt(previousAt), 72);
    written.push({ headerAt, listAt, bitmapAt });
  });
  writeAt(catalogAt, catalog);
  return { catalogAt, stores: written };
}
