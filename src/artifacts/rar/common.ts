/** What the RAR 4 and RAR 5 walkers share: the entry record and the walk result. */
import type { ArchiveEntry } from '../archive/summary.js';

export interface RarEntry extends ArchiveEntry {
  type: 'archive-entry';
  /** The entry continues from the previous volume / into the next one. */
  splitBefore: boolean;
  splitAfter: boolean;
  crc: number | null;
  /** Where the entry's packed data starts, from the start of the RAR (after a self-extractor's stub: summary.fields.sfxOffset). */
  dataOffset: number;
  attributes: number | null;
  hostOs: number | null;
  /** Which unpacker the data needs: RAR 4's UNP_VER (15, 20, 26, 29, 36), RAR 5's 50 or 70 (RAR 7's larger dictionaries). */
  unpackVersion: number | null;
  /** The file continues the previous file's stream (solid), so it decodes only after that one. */
  solid: boolean;
  /** The dictionary the packer used, in bytes (RAR 4: from the header flags, RAR 5: from the compression field). */
  dictionaryBytes: number | null;
  [field: string]: unknown;
}

export interface RarWalk {
  version: 4 | 5;
  entries: RarEntry[];
  headersEncrypted: boolean;
  /** Archive flags decoded from the main header (volume, solid, locked, ...). */
  flags: Record<string, boolean>;
  /** Volume number from the header (RAR 5 only; 0 for the first volume), or null. */
  volumeNumber: number | null;
  /** Service blocks seen (CMT, QO, ACL, RR, ...): not entries. */
  services: string[];
  warnings: string[];
  corrupted: boolean;
  truncated: boolean;
  /** Where the walk ended (end-of-archive block or damage). */
  endOffset: number;
}

export function newWalk(version: 4 | 5): RarWalk {
  return {
    version,
    entries: [],
    headersEncrypted: false,
    flags: {},
    volumeNumber: null,
    services: [],
    warnings: [],
    corrupted: false,
    truncated: false,
    endOffset: 0,
  };
}

/** Decode flag bits to named booleans. */
export function namedFlags(value: number, names: Record<string, number>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, bit] of Object.entries(names)) out[k] = (value & bit) !== 0;
  return out;
}
