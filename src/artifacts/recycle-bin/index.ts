/** Recycle Bin parsers: `$I` index files, `$R` data files (pairing check), and XP/9x INFO2. */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult } from '../types.js';
import { parseDollarI } from './dollar-i.js';
import { parseInfo2 } from './info2.js';
import { INFO2_HEADER, INFO2_RECORD } from './layout.js';
import { dataFileStatus, inRecycleFolder, insideDeletedFolder } from './common.js';
import { detectDollarI, detectDollarR, detectInfo2 } from './detect.js';

export const DOLLAR_I_NAME = /^\$I/i;
export const DOLLAR_R_NAME = /^\$R/i;
export const INFO2_NAME = /^INFO2?$/i;

function headLooksLikeDollarI(head: Buffer): boolean {
  if (head.length < 24) return false;
  const v = head.readBigUInt64LE(0);
  return v === 1n || v === 2n;
}

function headLooksLikeInfo2(head: Buffer): boolean {
  if (head.length < INFO2_HEADER.LENGTH) return false;
  const size = head.readUInt32LE(INFO2_HEADER.RECORD_SIZE);
  return size === INFO2_RECORD.ANSI_RECORD_SIZE || size === INFO2_RECORD.UNICODE_RECORD_SIZE;
}

export const dollarIParser: ArtifactParser = {
  id: 'recyclebin-i',
  dataSources: ['DS0022'],
  fuzzSeeds: ['recyclebin'],
  contentFormats: ['recyclebin-i'],
  claims: { namePrefixes: ['$i'] },
  description: 'Windows Vista+ Recycle Bin $I index file (v1 and v2): original path, size, deletion time',
  // A `$I…` inside a deleted folder ($R directory) is that folder's content, not an index.
  matches: (ctx: ArtifactContext) => DOLLAR_I_NAME.test(ctx.name) && !insideDeletedFolder(ctx.relPath) && headLooksLikeDollarI(ctx.head),
  async parse(src, ctx): Promise<ArtifactResult | null> {
    const parsed = parseDollarI(src, ctx.name, ctx.siblings);
    if (!parsed) return null;
    return { parser: 'recyclebin-i', records: [parsed.record], warnings: parsed.warnings, corrupted: parsed.corrupted };
  },
  detect: detectDollarI,
};

export const dollarRParser: ArtifactParser = {
  id: 'recyclebin-r',
  dataSources: ['DS0022'],
  fuzzSeeds: ['recyclebin'],
  description: 'Windows Vista+ Recycle Bin $R data file: checks that its $I index exists',
  claims: { namePrefixes: ['$r'] },
  // Only inside a recycle folder (or a loose file given to `parse`): "$Readme" elsewhere is not ours,
  // nor is a file inside a deleted folder ($R directory), which never has a $I of its own.
  matches: (ctx: ArtifactContext) =>
    DOLLAR_R_NAME.test(ctx.name) && !insideDeletedFolder(ctx.relPath) && (inRecycleFolder(ctx.relPath) || !ctx.relPath.includes('/')),
  async parse(_src, ctx): Promise<ArtifactResult> {
    const indexFile = `${ctx.name[0]}${ctx.name[1] === 'r' ? 'i' : 'I'}${ctx.name.slice(2)}`;
    const record = {
      type: 'recycle-bin-data',
      dataFile: ctx.name,
      size: ctx.size,
      indexFile,
      indexFileStatus: dataFileStatus(ctx.siblings, indexFile),
    };
    return { parser: 'recyclebin-r', records: [record], warnings: [], corrupted: false };
  },
  detect: detectDollarR,
};

/** INFO2's header facts: its format version and record size, records counted and kept. */
interface Info2Facts {
  version: number;
  recordSize: number;
  records: number;
  recordsKept: number;
}

export const info2Parser: ArtifactParser<ArtifactRecord, Info2Facts> = {
  id: 'info2',
  dataSources: ['DS0022'],
  fuzzSeeds: ['recyclebin'],
  contentFormats: ['info2'],
  claims: { names: ['info', 'info2'] },
  description: 'Windows 95..XP/2003 Recycle Bin INFO2 index (280- and 800-byte records, ANSI code page option)',
  matches: (ctx: ArtifactContext) => INFO2_NAME.test(ctx.name) && headLooksLikeInfo2(ctx.head),
  async parse(src, ctx): Promise<ArtifactResult<ArtifactRecord, Info2Facts> | null> {
    const parsed = parseInfo2(src, { codepage: ctx.options?.codepage, siblings: ctx.siblings });
    if (!parsed) return null;
    return {
      parser: 'info2',
      records: parsed.records,
      warnings: parsed.warnings,
      corrupted: parsed.corrupted,
      facts: { version: parsed.version, recordSize: parsed.recordSize, records: parsed.total, recordsKept: parsed.records.length },
    };
  },
  detect: detectInfo2,
};

export const parsers: ArtifactParser[] = [dollarIParser, dollarRParser, info2Parser];
