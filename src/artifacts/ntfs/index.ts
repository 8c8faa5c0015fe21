/**
 * Standalone NTFS artifacts as collected by KAPE / Velociraptor / CyLR: the $MFT file and the USN
 * journal's $J stream ($J, `$UsnJrnl%3A$J`, `$UsnJrnl:$J`). Both are streamed (`stream`); `parse`
 * keeps the first LIMITS.maxKeptStreamRecords records. Layouts: src/evidence/image/ntfs/layout.ts
 * and ./usn-layout.ts; docs/ntfs.md.
 */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult } from '../types.js';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { looksLikeMft, mftSummaries, walkMftFile } from './mft.js';
import { plausibleUsnHeader, walkUsnJournal } from './usn.js';
import { USN_COMMON } from './usn-layout.js';
import { magicText } from '../claims.js';
import { i30Parser } from './i30.js';
import { isBlankLogPage, looksLikeLogFile, walkLogFile } from './logfile.js';

/** `$MFT`, and collection names that end with it (`ntfs.raw.$MFT`, `C%3A/$MFT`). */
const MFT_NAME = /(^|[./\\]|%3a|%5c)\$mft$/i;
/** `$J`, `$UsnJrnl:$J`, `$UsnJrnl%3A$J` (KAPE / Velociraptor), `ntfs.raw.$UsnJrnl.$J`. */
const USN_NAME = /(^|[./\\:]|%3a)\$j$/i;

/** A streamed artifact's facts: records seen (all of them, not only those kept); for $MFT, how many are in use. */
interface StreamFacts {
  records: number;
  inUse?: number;
  notInUse?: number;
}

function collect(id: string, iterable: Iterable<ArtifactRecord>, warnings: string[]): ArtifactResult<ArtifactRecord, StreamFacts> {
  const records: ArtifactRecord[] = [];
  let total = 0;
  for (const r of iterable) {
    total++;
    if (records.length < LIMITS.maxKeptStreamRecords) records.push(r);
  }
  keptWarning(total, warnings);
  return { parser: id, records, warnings, corrupted: warnings.length > 0, facts: { records: total } };
}

function keptWarning(total: number, warnings: string[]): void {
  const kept = Math.min(total, LIMITS.maxKeptStreamRecords);
  if (total > kept) warnings.push(`${total} records; the first ${kept} kept (stagehunt parse --format jsonl prints them all)`);
}

/** `parse`'s result without the records (factsOnly): in-use counts over the records `parse` would keep. */
async function mftFactsOnly(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
  const warnings: string[] = [];
  let total = 0;
  let inUse = 0;
  // the summaries, not the MFTECmd-style records: same records and warnings, no times formatted
  for (const s of mftSummaries(src, warnings)) {
    if (total++ < LIMITS.maxKeptStreamRecords && s.inUse) inUse++;
  }
  keptWarning(total, warnings);
  const kept = Math.min(total, LIMITS.maxKeptStreamRecords);
  if (kept === 0 && warnings.length > 0) return null;
  return { parser: 'mft', records: [], warnings, corrupted: warnings.length > 0, facts: { records: total, inUse, notInUse: kept - inUse } };
}

export const mftParser: ArtifactParser<ArtifactRecord, StreamFacts> = {
  id: 'mft',
  dataSources: ['DS0022'],
  fuzzSeeds: ['ntfs'],
  description: 'NTFS $MFT file (standalone, as collected): every record in use or not, full paths, $SI and $FN times, streams',
  claims: { magics: [magicText(0, 'FILE')] },
  matches: (ctx: ArtifactContext) => looksLikeMft(ctx.head) && (MFT_NAME.test(ctx.name) || ctx.size <= 65536 || ctx.head.includes(Buffer.from('$\0M\0F\0T\0', 'latin1'))),
  stream(src: ByteSource, _ctx: ArtifactContext, warnings: string[]) {
    return walkMftFile(src, warnings);
  },
  factsOnly: mftFactsOnly,
  async parse(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
    const warnings: string[] = [];
    const result = collect('mft', walkMftFile(src, warnings), warnings);
    if (result.records.length === 0 && warnings.length > 0) return null;
    let inUse = 0;
    for (const r of result.records) if (r.inUse) inUse++;
    result.facts = { records: result.facts?.records ?? 0, inUse, notInUse: result.records.length - inUse };
    return result;
  },
};

export const usnParser: ArtifactParser<ArtifactRecord, StreamFacts> = {
  id: 'usnjrnl',
  dataSources: ['DS0022'],
  fuzzSeeds: ['usnjrnl'],
  description: 'NTFS change journal $UsnJrnl:$J (USN_RECORD_V2/V3/V4): creates, renames, writes and deletes with times',
  // plausibleUsnHeader: major version 2..4 (u16) then minor 0 or 1 (u16).
  claims: { nameSuffixes: ['$j'], magics: [2, 3, 4].flatMap((major) => [0, 1].map((minor) => ({ at: USN_COMMON.major, bytes: Uint8Array.of(major, 0, minor, 0) }))) },
  matches: (ctx: ArtifactContext) => USN_NAME.test(ctx.name) || (ctx.head.length >= 64 && plausibleUsnHeader(ctx.head, 0) && ctx.head.readUInt32LE(0) <= ctx.head.length && ctx.format === null),
  stream(src: ByteSource, _ctx: ArtifactContext, warnings: string[]) {
    return walkUsnJournal(src, warnings);
  },
  async parse(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
    const warnings: string[] = [];
    return collect('usnjrnl', walkUsnJournal(src, warnings), warnings);
  },
  async factsOnly(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
    const warnings: string[] = [];
    let total = 0;
    for (const _record of walkUsnJournal(src, warnings)) total++;
    keptWarning(total, warnings);
    return { parser: 'usnjrnl', records: [], warnings, corrupted: warnings.length > 0, facts: { records: total } };
  },
};

/** `$LogFile`, and collection names that end with it (`ntfs.raw.$LogFile`, `C%3A/$LogFile`). */
const LOGFILE_NAME = /(^|[./\\]|%3a|%5c)\$logfile$/i;

export const logFileParser: ArtifactParser<ArtifactRecord, StreamFacts> = {
  id: 'logfile',
  dataSources: ['DS0022'],
  // No standalone $LogFile in the corpus: test/ntfs/logfile.test.ts takes the real ones out of its NTFS images and mutates them.
  fuzzSeeds: [],
  description: 'NTFS $LogFile (standalone, as collected): redo/undo records in LSN order; index entries added and removed (names, parents, $FN times), MFT records initialised and freed',
  claims: { magics: [magicText(0, 'RSTR'), magicText(0, 'CHKD')], nameSuffixes: ['$logfile'] },
  // A log no one wrote (its first sector blank) is by its name still a $LogFile, of no records.
  matches: (ctx: ArtifactContext) => (looksLikeLogFile(ctx.head) && (LOGFILE_NAME.test(ctx.name) || ctx.format === null)) || (LOGFILE_NAME.test(ctx.name) && ctx.head.length >= 512 && isBlankLogPage(ctx.head.subarray(0, 512))),
  stream(src: ByteSource, _ctx: ArtifactContext, warnings: string[]) {
    return walkLogFile(src, warnings);
  },
  async parse(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
    const warnings: string[] = [];
    const result = collect('logfile', walkLogFile(src, warnings), warnings);
    return result.records.length === 0 && warnings.length > 0 ? null : result;
  },
  async factsOnly(src: ByteSource): Promise<ArtifactResult<ArtifactRecord, StreamFacts> | null> {
    const warnings: string[] = [];
    let total = 0;
    for (const _record of walkLogFile(src, warnings)) total++;
    keptWarning(total, warnings);
    return total === 0 && warnings.length > 0 ? null : { parser: 'logfile', records: [], warnings, corrupted: warnings.length > 0, facts: { records: total } };
  },
};

export const parsers: ArtifactParser[] = [mftParser, usnParser, i30Parser, logFileParser];
