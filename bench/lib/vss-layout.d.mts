/** Types of bench/lib/vss-layout.mjs (the VSS structures writer shared by tests and bench/vss.mjs). */
export const VSS_BLOCK: number;

export interface DescriptorSpec {
  original: number;
  relative: number;
  /** Absolute offset of the store data block (0 for a forwarder). */
  store: number;
  flags?: number;
  bitmap?: number;
}

export interface StoreSpec {
  storeId: string;
  /** ISO-8601 UTC: the catalog's creation FILETIME. */
  created: string;
  machine?: string;
  attributeFlags?: number;
  descriptors: DescriptorSpec[];
  /** Blocks (16 KiB numbers) marked not in use when the copy was made. */
  unusedBlocks?: number[];
  /** A previous bitmap's not-in-use blocks; absent: no previous bitmap. */
  previousUnused?: number[];
}

export interface WrittenVss {
  catalogAt: number;
  /** Per store: where its header, first block-list block and bitmap are. */
  stores: Array<{ headerAt: number; listAt: number; bitmapAt: number }>;
}

/** A GUID in its on-disk byte order from its text. */
export function guidBytes(text: string): Buffer;
/** Bytes the catalog and the stores' headers, block lists and bitmaps take (the data blocks not counted). */
export function vssMetadataBytes(stores: StoreSpec[], volumeBytes: number): number;
/** Writes the VSS header, catalog and stores' metadata into `volume` from `at` (16 KiB aligned). */
export function writeVss(volume: Buffer, at: number, stores: StoreSpec[]): WrittenVss;
/** writeVss through `writeAt(offset, bytes)`, for a volume of `size` bytes not held in memory. */
export function writeVssWith(writeAt: (offset: number, bytes: Buffer) => void, size: number, at: number, stores: StoreSpec[]): WrittenVss;
