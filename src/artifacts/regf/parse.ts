/**
 * The ArtifactParser wrapper over walk.ts: reads the hive through a ByteSource in chunks, runs the
 * walk and collects records and warnings. Pure: no fs, no console.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { walkHive, type HiveRecord, type RegistryRecord } from './walk.js';
import { hiveSidMaps, type HiveFacts, type HiveResult } from '../registry/index.js';

/** Largest hive held in memory; bigger files are read up to this size, with a warning. */
export const MAX_HIVE_BYTES = 1024 * 1024 * 1024;
const READ_CHUNK = 16 * 1024 * 1024;

/** Reads up to `cap` bytes of the source into one buffer. */
export function readAll(src: ByteSource, cap = MAX_HIVE_BYTES): Buffer {
  const total = Math.min(src.size, cap);
  const out = Buffer.allocUnsafe(total);
  let got = 0;
  while (got < total) {
    const chunk = src.read(got, Math.min(READ_CHUNK, total - got));
    if (chunk.length === 0) break;
    chunk.copy(out, got);
    got += chunk.length;
  }
  return got === total ? out : out.subarray(0, got);
}

/** Names of transaction logs next to the hive (NTUSER.DAT.LOG1, ...), case-insensitive. */
export function logSiblings(ctx: Pick<ArtifactContext, 'name' | 'siblings'>): string[] {
  const base = ctx.name.toLowerCase();
  return (ctx.siblings ?? [])
    .filter((s) => !s.isDirectory && /^\.log[12]?$/.test(s.name.toLowerCase().slice(base.length)) && s.name.toLowerCase().startsWith(base))
    .map((s) => s.name);
}

export async function parseRegf(src: ByteSource, ctx: ArtifactContext): Promise<HiveResult | null> {
  if (!hasRegfMagic(src.read(0, 4))) return null;
  const warnings: string[] = [];
  if (src.size > MAX_HIVE_BYTES) warnings.push(`hive is ${src.size} bytes; only the first ${MAX_HIVE_BYTES} were read`);
  const buf = readAll(src);
  const records: RegistryRecord[] = [];
  let header: HiveRecord | null = null;
  // A hive over the cap is read in part: damage as far as the records go.
  let damaged = src.size > MAX_HIVE_BYTES;
  for (const item of walkHive(buf)) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      damaged ||= item.damage;
    } else {
      if (item.type === 'registry-hive') header = item;
      records.push(item);
    }
  }
  const logs = logSiblings(ctx);
  if (header?.dirty && logs.length > 0) warnings.push(`transaction logs present but not replayed: ${logs.join(', ')}`);
  return {
    parser: 'regf',
    records,
    warnings,
    corrupted: isCorrupted(header, damaged),
    facts: summarize(header, records, logs),
  };
}

/** Damage, not mere dirtiness or a log file, marks the result corrupted. */
function isCorrupted(header: HiveRecord | null, damaged: boolean): boolean {
  if (!header) return true;
  if (header.fileType !== 0) return false;
  return damaged;
}

function summarize(header: HiveRecord | null, records: RegistryRecord[], logs: string[]): HiveFacts {
  let keys = 0;
  let values = 0;
  for (const r of records) {
    if (r.type === 'registry-key') keys++;
    else if (r.type === 'registry-value') values++;
  }
  return {
    format: 'regf',
    isLog: header !== null && header.fileType !== 0,
    dirty: header?.dirty ?? false,
    version: header?.version ?? null,
    rootKeyName: header?.rootKeyName ?? null,
    embeddedName: header?.embeddedName ?? null,
    keyCount: keys,
    valueCount: values,
    transactionLogs: logs,
    ...hiveSidMaps(records),
  };
}
