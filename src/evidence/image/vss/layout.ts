/**
 * Volume Shadow Snapshot (VSS) on-disk layout of the "Microsoft Software Shadow Copy provider":
 * offsets and values from libyal's "Volume Shadow Snapshot (VSS) format" (docs/images.md "Shadow
 * copies"). Every structure is little-endian; every offset is relative to the start of the volume.
 */

/** {3808876b-c176-4e48-b7ae-04046e6cc752} as stored: the identifier of every VSS header and block. */
export const VSS_IDENTIFIER = Buffer.from('6b87083876c1484eb7ae04046e6cc752', 'hex');

/** The volume header sits in the NTFS boot area, at this offset of the volume. */
export const VOLUME_HEADER_OFFSET = 0x1e00;

/** Catalog, block-list, bitmap and data blocks are all 16 KiB. */
export const VSS_BLOCK = 0x4000;
/** Every catalog and store block starts with a 128-byte header. */
export const BLOCK_HEADER_BYTES = 128;

export const RECORD = {
  volumeHeader: 1,
  catalog: 2,
  blockList: 3,
  storeHeader: 4,
  blockRangeList: 5,
  bitmap: 6,
} as const;

/** Fields of the volume header and of a block header (offset in the 128 bytes). */
export const HEADER = {
  identifier: 0,
  version: 16,
  recordType: 20,
  /** Block header: the next block of the chain, 0 for the last. */
  nextOffset: 40,
  /** Volume header: where the catalog starts, 0 when there is none. */
  catalogOffset: 48,
} as const;

/** Catalog entries are 128 bytes; type 2 says what a store is, type 3 where its structures are. */
export const CATALOG_ENTRY_BYTES = 128;
export const CATALOG_ENTRY = {
  type: 0,
  // type 2
  volumeSize: 8,
  storeIdentifier: 16,
  creationTime: 48,
  // type 3
  blockListOffset: 8,
  storeHeaderOffset: 32,
  bitmapOffset: 48,
  previousBitmapOffset: 72,
} as const;

/** The store information after the store header's block header. */
export const STORE_INFO = {
  shadowCopyId: 16,
  shadowCopySetId: 32,
  attributeFlags: 56,
  /** UTF-16LE byte count, then the operating machine's name; the service machine's follows likewise. */
  operatingMachineSize: 64,
} as const;

/** A block descriptor of a store's block list: where the store keeps the old bytes of a volume block. */
export const DESCRIPTOR_BYTES = 32;
export const DESCRIPTOR = {
  originalOffset: 0,
  relativeOffset: 8,
  storeOffset: 16,
  flags: 24,
  allocationBitmap: 28,
} as const;

export const DESCRIPTOR_FLAG = {
  /** The old bytes are those of another original block (the relative offset), read through the next store. */
  forwarder: 0x01,
  /** Only the 512-byte sectors set in the allocation bitmap are in this store's data block. */
  overlay: 0x02,
  notUsed: 0x04,
} as const;

/** An overlay's allocation bitmap: one bit per 512 bytes of the 16 KiB block. */
export const OVERLAY_SECTOR = 512;
