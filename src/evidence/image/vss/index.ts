/**
 * Volume shadow copies of an NTFS volume, each as a ByteSource: the volume as it was when the copy
 * was made (docs/images.md "Shadow copies"). A store keeps the old bytes of the 16 KiB blocks that
 * changed after it was made and before the next store was; the volume of store N is therefore the
 * current volume with the saved blocks of every store from the newest down to N laid over it. What
 * each descriptor flag means, and the order they are applied in, follow libyal's format description
 * and agree byte for byte with libvshadow (test/evidence/image/vss.test.ts).
 *
 * Pure and bounded: the catalog, block lists and bitmaps are attacker-controlled; chains are
 * followed once (a loop ends them), counts are capped by LIMITS, and an offset outside the volume
 * reads as zeros with a warning.
 */
import { shadowCopyLabel } from '../../../model/shadow-copy.js';
import { LIMITS } from '../../../util/limits.js';
import { filetimeToIso } from '../../../util/filetime.js';
import type { ByteSource, FetchAhead } from '../../../util/byte-source.js';
import { readExact } from '../container/block-source.js';
import { guidText } from '../volume/index.js';
import {
  BLOCK_HEADER_BYTES,
  CATALOG_ENTRY,
  CATALOG_ENTRY_BYTES,
  DESCRIPTOR,
  DESCRIPTOR_BYTES,
  DESCRIPTOR_FLAG,
  HEADER,
  OVERLAY_SECTOR,
  RECORD,
  STORE_INFO,
  VOLUME_HEADER_OFFSET,
  VSS_BLOCK,
  VSS_IDENTIFIER,
} from './layout.js';

/** One shadow copy: what the catalog and the store's header say of it, and its volume. */
export interface ShadowCopy {
  /** 1 for the oldest, in order of creation (vshadowinfo's store numbers). */
  number: number;
  /** The store's identifier: its file in System Volume Information is `{identifier}{3808876b-...}`. */
  storeId: string;
  /** When the copy was made (ISO-8601 UTC), null when the catalog's time is not a time. */
  created: string | null;
  shadowCopyId: string | null;
  shadowCopySetId: string | null;
  /** VSS_VOLUME_SNAPSHOT_ATTRIBUTES of the copy, null when its header is unreadable. */
  attributeFlags: number | null;
  /** Machine names the store's header gives (attacker-controlled text, bounded; escape when shown). */
  operatingMachine: string | null;
  serviceMachine: string | null;
  /** The volume as it was: reads resolve through this store and every newer one. */
  source: ByteSource;
}

interface Descriptor {
  original: number;
  relative: number;
  store: number;
  flags: number;
  bitmap: number;
  /** The overlay laid over this block's data (the same store), if any. */
  overlay: Descriptor | null;
}

interface StoreLocation {
  blockList: number;
  header: number;
  bitmap: number;
  previousBitmap: number;
}

const guidAt = (b: Buffer, at: number): string => guidText(b.subarray(at, at + 16)).toLowerCase();
const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
};
const DESCRIPTORS_PER_BLOCK = Math.floor((VSS_BLOCK - BLOCK_HEADER_BYTES) / DESCRIPTOR_BYTES);
const hasIdentifier = (b: Buffer): boolean => b.compare(VSS_IDENTIFIER, 0, 16, HEADER.identifier, HEADER.identifier + 16) === 0;
/** Bounded text of a store header's machine names. */
const MAX_MACHINE_NAME_BYTES = 512;

/** The VSS volume header (shadow copies enabled, maybe none kept), or null when the volume has none. */
function volumeHeader(volume: ByteSource): Buffer | null {
  const h = readExact(volume, VOLUME_HEADER_OFFSET, BLOCK_HEADER_BYTES);
  return h !== null && hasIdentifier(h) && h.readUInt32LE(HEADER.recordType) === RECORD.volumeHeader ? h : null;
}

/**
 * The volume's shadow copies, oldest first; none when the volume has no VSS header or no catalog.
 * What could not be read is said in `warnings` (prefixed with `label`), and what could is returned.
 */
export function readShadowCopies(volume: ByteSource, label: string, warnings: string[], maxDescriptors: number = LIMITS.maxVssDescriptorsPerVolume): ShadowCopy[] {
  const header = volumeHeader(volume);
  if (!header) return [];
  const catalogOffset = u64(header, HEADER.catalogOffset);
  if (catalogOffset <= 0) return [];
  const found = readCatalog(volume, catalogOffset, label, warnings);
  const stores: Store[] = [];
  for (const f of found) {
    if (!f.location) {
      warnings.push(`${label}: shadow copy store ${f.storeId} has no store in this volume (catalog entry type 3 missing): not read`);
      continue;
    }
    // libvshadow's "catalog volume size out of bounds": the volume as it is is read.
    if (f.volumeSize > volume.size) warnings.push(`${label}: shadow copy store ${f.storeId} claims a volume of ${f.volumeSize} bytes; the ${volume.size} bytes of this one are read`);
    stores.push(new Store(volume, f, label, warnings));
  }
  // Oldest first: a store's reads fall through to the next newer one.
  stores.sort((a, b) => (a.createdTicks < b.createdTicks ? -1 : a.createdTicks > b.createdTicks ? 1 : a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0));
  // Numbered as vshadowinfo numbers them, also when the oldest are left out.
  let skipped = Math.max(0, stores.length - LIMITS.maxShadowCopies);
  if (skipped > 0) {
    warnings.push(`${label}: ${stores.length} shadow copies; the newest ${LIMITS.maxShadowCopies} read`);
    stores.splice(0, skipped);
  }
  // The descriptors every copy needs (its own and all newer stores') within the volume's budget,
  // counted from the block lists' lengths before any is read: the oldest copies go first.
  let budget = maxDescriptors;
  for (let i = stores.length - 1; i >= 0; i--) {
    budget -= stores[i]!.descriptorsAtMost();
    if (budget >= 0) continue;
    warnings.push(`${label}: shadow copies ${skipped + 1} to ${skipped + i + 1} left out: with the newer copies their block lists exceed ${maxDescriptors} descriptors`);
    stores.splice(0, i + 1);
    skipped += i + 1;
    break;
  }
  for (let i = 0; i < stores.length; i++) stores[i]!.next = stores[i + 1] ?? null;
  return stores.map((s, i) => {
    const info = s.info();
    const number = skipped + i + 1;
    return {
      number,
      storeId: s.storeId,
      created: filetimeToIso(s.createdTicks),
      ...info,
      source: storeSource(s, volume, shadowCopyLabel(label, number)),
    };
  });
}

interface CatalogStore {
  storeId: string;
  volumeSize: number;
  createdTicks: bigint;
  location: StoreLocation | null;
}

function readCatalog(volume: ByteSource, first: number, label: string, warnings: string[]): CatalogStore[] {
  const byId = new Map<string, CatalogStore>();
  const seen = new Set<number>();
  let at = first;
  while (at > 0) {
    if (seen.has(at) || seen.size >= LIMITS.maxVssCatalogBlocks) {
      warnings.push(`${label}: VSS catalog chain loops or exceeds ${LIMITS.maxVssCatalogBlocks} blocks: stopped`);
      break;
    }
    seen.add(at);
    const block = readExact(volume, at, VSS_BLOCK);
    if (!block || !hasIdentifier(block) || block.readUInt32LE(HEADER.recordType) !== RECORD.catalog) {
      warnings.push(`${label}: VSS catalog block at ${at} unreadable or not a catalog block`);
      break;
    }
    for (let o = BLOCK_HEADER_BYTES; o + CATALOG_ENTRY_BYTES <= VSS_BLOCK; o += CATALOG_ENTRY_BYTES) {
      const type = u64(block, o + CATALOG_ENTRY.type);
      if (type === 2) {
        const storeId = guidAt(block, o + CATALOG_ENTRY.storeIdentifier);
        const ticks = block.readBigUInt64LE(o + CATALOG_ENTRY.creationTime);
        if (!byId.has(storeId)) byId.set(storeId, { storeId, volumeSize: u64(block, o + CATALOG_ENTRY.volumeSize), createdTicks: ticks, location: null });
      } else if (type === 3) {
        const storeId = guidAt(block, o + CATALOG_ENTRY.storeIdentifier);
        const entry = byId.get(storeId);
        // libvshadow's assumption too: the type 2 entry of a store comes before its type 3 entry.
        if (entry)
          entry.location = {
            blockList: u64(block, o + CATALOG_ENTRY.blockListOffset),
            header: u64(block, o + CATALOG_ENTRY.storeHeaderOffset),
            bitmap: u64(block, o + CATALOG_ENTRY.bitmapOffset),
            previousBitmap: u64(block, o + CATALOG_ENTRY.previousBitmapOffset),
          };
      }
    }
    at = u64(block, HEADER.nextOffset);
  }
  return [...byId.values()];
}

class Store {
  readonly storeId: string;
  /** The catalog's FILETIME of the copy's making. */
  readonly createdTicks: bigint;
  next: Store | null = null;
  private readonly location: StoreLocation;
  /** Descriptors by original block number, and forwarders by the block number they forward to. */
  private forward: Map<number, Descriptor> | null = null;
  private reverse = new Map<number, Descriptor>();
  /** Set bits: blocks not in use when the copy was made (read as zeros). Null previous: no previous bitmap. */
  private current: Uint8Array | null = null;
  private previous: Uint8Array | null = null;
  private readonly blocks: number;

  constructor(
    private readonly volume: ByteSource,
    found: CatalogStore,
    private readonly label: string,
    private readonly warnings: string[],
  ) {
    this.storeId = found.storeId;
    this.createdTicks = found.createdTicks;
    this.location = found.location!;
    this.blocks = Math.ceil(volume.size / VSS_BLOCK);
  }

  /** Damage met while reading the store or its copy (bounded with the volume's other warnings). */
  warn(message: string): void {
    if (this.warnings.length < 1000) this.warnings.push(`${this.label}: shadow copy store ${this.storeId}: ${message}`);
  }

  info(): Pick<ShadowCopy, 'shadowCopyId' | 'shadowCopySetId' | 'attributeFlags' | 'operatingMachine' | 'serviceMachine'> {
    const none = { shadowCopyId: null, shadowCopySetId: null, attributeFlags: null, operatingMachine: null, serviceMachine: null };
    const block = this.location.header > 0 ? readExact(this.volume, this.location.header, VSS_BLOCK) : null;
    if (!block || !hasIdentifier(block) || block.readUInt32LE(HEADER.recordType) !== RECORD.storeHeader) {
      this.warn('store header unreadable');
      return none;
    }
    const at = BLOCK_HEADER_BYTES;
    let o = at + STORE_INFO.operatingMachineSize;
    const text = (): string | null => {
      if (o + 2 > block.length) return null;
      const size = block.readUInt16LE(o);
      o += 2;
      const n = Math.min(size, MAX_MACHINE_NAME_BYTES, block.length - o) & ~1;
      const s = block.toString('utf16le', o, o + n);
      o += size;
      return s;
    };
    const operatingMachine = text();
    const serviceMachine = text();
    return {
      shadowCopyId: guidAt(block, at + STORE_INFO.shadowCopyId),
      shadowCopySetId: guidAt(block, at + STORE_INFO.shadowCopySetId),
      attributeFlags: block.readUInt32LE(at + STORE_INFO.attributeFlags),
      operatingMachine,
      serviceMachine,
    };
  }

  /** An upper bound of the descriptors the store's block list holds: its blocks (headers only), times the descriptors a block holds. */
  descriptorsAtMost(): number {
    let blocks = 0;
    // Quiet: what is wrong with the chain is said when the list is read.
    for (const _ of this.chain(this.location.blockList, RECORD.blockList, 'block list', BLOCK_HEADER_BYTES, true)) blocks++;
    return Math.min(blocks * DESCRIPTORS_PER_BLOCK, LIMITS.maxVssDescriptorsPerStore);
  }

  /** The store's block list and bitmaps, read on its first use. */
  private load(): Map<number, Descriptor> {
    if (this.forward) return this.forward;
    this.forward = new Map();
    this.readBlockList();
    this.current = this.readBitmap(this.location.bitmap, 'bitmap');
    this.previous = this.location.previousBitmap > 0 ? this.readBitmap(this.location.previousBitmap, 'previous bitmap') : null;
    return this.forward;
  }

  /** The blocks of a chain (their first `bytes`), from `first` to a next offset of 0, a block met twice, or one of another kind. */
  private *chain(first: number, record: number, what: string, bytes: number = VSS_BLOCK, quiet = false): Generator<Buffer> {
    const seen = new Set<number>();
    // A chain cannot be longer than the volume has blocks.
    for (let at = first; at > 0; ) {
      if (seen.has(at) || seen.size > this.blocks) {
        if (!quiet) this.warn(`${what} chain loops: stopped`);
        return;
      }
      seen.add(at);
      const block = readExact(this.volume, at, bytes);
      if (!block || !hasIdentifier(block) || block.readUInt32LE(HEADER.recordType) !== record) {
        if (!quiet) this.warn(`${what} block at ${at} unreadable or of another kind: stopped`);
        return;
      }
      yield block;
      at = u64(block, HEADER.nextOffset);
    }
  }

  private readBlockList(): void {
    let n = 0;
    for (const block of this.chain(this.location.blockList, RECORD.blockList, 'block list')) {
      for (let o = BLOCK_HEADER_BYTES; o + DESCRIPTOR_BYTES <= block.length; o += DESCRIPTOR_BYTES) {
        const original = u64(block, o + DESCRIPTOR.originalOffset);
        const relative = u64(block, o + DESCRIPTOR.relativeOffset);
        const store = u64(block, o + DESCRIPTOR.storeOffset);
        const flags = block.readUInt32LE(o + DESCRIPTOR.flags);
        const bitmap = block.readUInt32LE(o + DESCRIPTOR.allocationBitmap);
        if (original === 0 && relative === 0 && store === 0 && flags === 0 && bitmap === 0) continue; // an empty slot
        if (original < 0 || relative < 0 || store < 0) continue;
        if (++n > LIMITS.maxVssDescriptorsPerStore) {
          this.warn(`more than ${LIMITS.maxVssDescriptorsPerStore} block descriptors: the rest not read (the copy reads the current volume there)`);
          return;
        }
        this.insert({ original, relative, store, flags, bitmap, overlay: null });
      }
    }
  }

  /**
   * One descriptor into the store's map, in list order: a later descriptor of a block replaces an
   * earlier one, an overlay is laid over the block's descriptor (or widens the one there), and a
   * forwarder's target met again continues the forwarder's original block.
   */
  private insert(d: Descriptor): void {
    const forward = this.forward!;
    if (d.flags & DESCRIPTOR_FLAG.notUsed) return;
    let original = d.original;
    if (!(d.flags & DESCRIPTOR_FLAG.overlay)) {
      const key = Math.floor(original / VSS_BLOCK);
      const forwarder = this.reverse.get(key);
      if (forwarder) {
        original = forwarder.original;
        this.reverse.delete(key);
      }
    }
    if (d.flags & DESCRIPTOR_FLAG.forwarder && original === d.relative) return;
    const added: Descriptor = { ...d, original };
    const key = Math.floor(original / VSS_BLOCK);
    const existing = forward.get(key);
    if (existing) {
      if (added.flags & DESCRIPTOR_FLAG.overlay) {
        const overlay = existing.flags & DESCRIPTOR_FLAG.overlay ? existing : existing.overlay;
        if (overlay) overlay.bitmap = (overlay.bitmap | added.bitmap) >>> 0;
        else existing.overlay = added;
        return;
      }
      added.overlay = existing.flags & DESCRIPTOR_FLAG.overlay ? existing : existing.overlay;
    }
    forward.set(key, added);
    if (added.flags & DESCRIPTOR_FLAG.forwarder) this.reverse.set(Math.floor(added.relative / VSS_BLOCK), added);
  }

  /** The bits the chain holds (one per 16 KiB block): as long as the blocks it has, never sized by the volume's claim. */
  private readBitmap(first: number, what: string): Uint8Array {
    const wanted = Math.ceil(this.blocks / 8);
    const parts: Buffer[] = [];
    let filled = 0;
    for (const block of this.chain(first, RECORD.bitmap, what)) {
      const n = Math.min(block.length - BLOCK_HEADER_BYTES, wanted - filled);
      if (n <= 0) break;
      parts.push(block.subarray(BLOCK_HEADER_BYTES, BLOCK_HEADER_BYTES + n));
      filled += n;
    }
    return Buffer.concat(parts, filled);
  }

  private unusedAtCopy(block: number): boolean {
    const bit = (b: Uint8Array | null): boolean => b !== null && block >> 3 < b.length && (b[block >> 3]! & (1 << (block & 7))) !== 0;
    return !this.reverse.has(block) && bit(this.current) && (this.previous === null || bit(this.previous));
  }

  /**
   * Where the bytes at `position` of the volume as this copy saw it are: an offset in the current
   * volume (-1: zeros) and how many bytes from there (to the end of the 16 KiB block, or of an
   * overlay's run of sectors). The chain goes from this store (the active one) to the newest.
   */
  resolve(position: number): { at: number; length: number } {
    return Store.resolveFrom(this, position);
  }

  private static resolveFrom(active: Store, position: number): { at: number; length: number } {
    let store: Store | null = active;
    let pos = position;
    let length = Infinity;
    while (store) {
      const forward = store.load();
      const block = Math.floor(pos / VSS_BLOCK);
      const within = pos - block * VSS_BLOCK;
      length = Math.min(length, VSS_BLOCK - within);
      let d = forward.get(block) ?? null;
      let target = 0;
      if (d) {
        target = d.flags & DESCRIPTOR_FLAG.forwarder ? d.relative : d.store;
        const overlay = d.flags & DESCRIPTOR_FLAG.overlay ? d : d.overlay;
        // An overlay counts only in the copy being read; in a newer store it is as if absent.
        if (overlay && store !== active) {
          if (d === overlay) d = null;
        } else if (overlay) {
          const sector = Math.floor((pos - overlay.original) / OVERLAY_SECTOR);
          const inside = sector >= 0 && sector < 32;
          const set = inside && ((overlay.bitmap >>> sector) & 1) === 1;
          // The run of sectors alike from here bounds what this piece may read.
          let end = sector + 1;
          while (inside && end < 32 && (((overlay.bitmap >>> end) & 1) === 1) === set) end++;
          if (inside) length = Math.min(length, overlay.original + end * OVERLAY_SECTOR - pos);
          if (set) {
            d = overlay;
            target = overlay.store;
          } else if (d === overlay) d = null;
        }
      }
      if (d) {
        if (d.flags & DESCRIPTOR_FLAG.forwarder && store.next) {
          pos = target + within;
          store = store.next;
          continue;
        }
        return { at: target + within, length };
      }
      if (store.next) {
        store = store.next;
        continue;
      }
      // Only the newest store, read as itself, knows which blocks were not in use.
      if (store === active && store.unusedAtCopy(block)) return { at: -1, length };
      return { at: pos, length };
    }
    return { at: pos, length };
  }
}

function storeSource(store: Store, volume: ByteSource, name: string): ByteSource {
  const size = volume.size;
  const ahead = volume.fetchAhead;
  let outside = false;
  const fetchAhead: FetchAhead | undefined = ahead && {
    start: () => ahead.start(),
    willRead(position: number, length: number): void {
      // The same pieces a read would take, told to the volume where they lie (a hint only).
      const end = Math.min(size, position + Math.min(length, LIMITS.maxReadBytes));
      for (let pos = Math.max(0, position); pos < end; ) {
        const { at, length: n } = store.resolve(pos);
        const take = Math.min(n, end - pos);
        if (at >= 0) ahead.willRead(at, take);
        pos += take;
      }
    },
    stop: () => ahead.stop(),
  };
  return {
    size,
    name,
    fetchAhead,
    read(position: number, length: number): Buffer {
      if (!Number.isFinite(length) || length <= 0 || position < 0 || position >= size) return Buffer.alloc(0);
      if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
      const end = Math.min(size, position + Math.floor(length));
      const out = Buffer.alloc(end - position);
      let pos = position;
      let piece = store.resolve(pos);
      while (pos < end) {
        const { at } = piece;
        let take = Math.min(piece.length, end - pos);
        let next: { at: number; length: number } | null = null;
        // Pieces that lie one after the other in the volume are read at once; the first that does not is the next piece.
        if (at >= 0) {
          while (pos + take < end) {
            const more = store.resolve(pos + take);
            if (more.at !== at + take) {
              next = more;
              break;
            }
            take += Math.min(more.length, end - pos - take);
          }
          if (at + take > volume.size && !outside) {
            outside = true;
            store.warn(`a saved block lies outside the volume (offset ${at}): read as zeros`);
          }
          const got = volume.read(at, take);
          got.copy(out, pos - position, 0, Math.min(got.length, take));
        }
        pos += take;
        if (pos < end) piece = next ?? store.resolve(pos);
      }
      return out;
    },
  };
}
