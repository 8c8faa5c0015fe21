/**
 * A collected $I30 index allocation (a directory's INDX blocks, as MFTECmd reads `-f $I30`): every
 * entry, live and from slack (docs/ntfs.md "$I30 slack"). The reader is
 * src/evidence/image/ntfs/indx.ts; a scan of an image searches every directory's index itself
 * (the trace stage), so this parser is for `parse` and `explain` of a collected file.
 */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult } from '../types.js';
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { isIndxBlock, readIndexStream, type IndexEntry } from '../../evidence/image/ntfs/indx.js';
import { FILE_ATTRIBUTE } from '../../evidence/image/ntfs/layout.js';
import { fileAttributeNames } from '../../evidence/image/ntfs/summary.js';
import { magicText } from '../claims.js';
import { namespaceName } from './mft.js';

export interface I30Record extends ArtifactRecord {
  type: 'i30-entry';
  offset: number;
  fromSlack: boolean;
  /** The file the entry names (null: a slack entry whose header was written over). */
  entry: number | null;
  sequence: number | null;
  parentEntry: number;
  parentSequence: number;
  name: string;
  nameType: string;
  isDirectory: boolean;
  created0x30: string | null;
  lastModified0x30: string | null;
  lastRecordChange0x30: string | null;
  lastAccess0x30: string | null;
  size: number;
  allocatedSize: number;
  attributes: string[];
}

interface I30Facts {
  blocks: number;
  /** Blocks without an INDX signature. */
  unreadBlocks: number;
  live: number;
  slack: number;
}

/** `$I30`, and collection names that end with it (`dir%3A$I30`, `$I30.bin`). */
const I30_NAME = /(^|[./\\:]|%3a)\$i30(\.bin)?$/i;

function i30Record(e: IndexEntry): I30Record {
  const fn = e.fn;
  return {
    type: 'i30-entry',
    offset: e.offset,
    fromSlack: e.slack,
    entry: e.file ? e.file.entry : null,
    sequence: e.file ? e.file.sequence : null,
    parentEntry: fn.parent.entry,
    parentSequence: fn.parent.sequence,
    name: fn.name,
    nameType: namespaceName(fn.namespace),
    isDirectory: (fn.fileAttributes & FILE_ATTRIBUTE.fnDirectory) !== 0,
    created0x30: filetimeToIso(fn.created),
    lastModified0x30: filetimeToIso(fn.modified),
    lastRecordChange0x30: filetimeToIso(fn.mftModified),
    lastAccess0x30: filetimeToIso(fn.accessed),
    size: fn.dataSize,
    allocatedSize: fn.allocatedSize,
    attributes: fileAttributeNames(fn.fileAttributes & ~FILE_ATTRIBUTE.fnDirectory),
  };
}

export const i30Parser: ArtifactParser<I30Record, I30Facts> = {
  id: 'i30',
  dataSources: ['DS0022'],
  fuzzSeeds: ['ntfs'],
  description: 'NTFS $I30 directory index (INDX blocks, as collected): its entries and the names its slack keeps, with $FILE_NAME times',
  claims: { magics: [magicText(0, 'INDX')] },
  matches: (ctx: ArtifactContext) => isIndxBlock(ctx.head) && (I30_NAME.test(ctx.name) || ctx.head.readUInt32LE(0x18) >= 0x10),
  async parse(src: ByteSource): Promise<ArtifactResult<I30Record, I30Facts> | null> {
    const warnings: string[] = [];
    const r = readIndexStream(src, warnings);
    if (r.blocks === r.unreadBlocks) return null;
    const records = r.entries.map(i30Record);
    const slack = records.filter((x) => x.fromSlack).length;
    return {
      parser: 'i30',
      records,
      warnings,
      corrupted: warnings.length > 0,
      facts: { blocks: r.blocks, unreadBlocks: r.unreadBlocks, live: records.length - slack, slack },
    };
  },
};
