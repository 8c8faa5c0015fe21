/**
 * The ArtifactParser wrapper over walk.ts: walks the hive over its ByteSource (a page at a time,
 * pages.ts) and collects records and warnings for the detectors, or yields them as they are read
 * (`streamRegf`, for `stagehunt parse`). Pure: no fs, no console.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { MAX_HIVE_BYTES } from './pages.js';
import { pushAll } from '../../util/arrays.js';
import { walkHive, type HiveRecord, type RegistryRecord } from './walk.js';
import { hiveSidMaps, type HiveFacts, type HiveResult } from '../registry/index.js';

/** Names of transaction logs next to the hive (NTUSER.DAT.LOG1, ...), case-insensitive. */
export function logSiblings(ctx: Pick<ArtifactContext, 'name' | 'siblings'>): string[] {
  const base = ctx.name.toLowerCase();
  return (ctx.siblings ?? [])
    .filter((s) => !s.isDirectory && /^\.log[12]?$/.test(s.name.toLowerCase().slice(base.length)) && s.name.toLowerCase().startsWith(base))
    .map((s) => s.name);
}

export async function parseRegf(src: ByteSource, ctx: ArtifactContext): Promise<HiveResult | null> {
  if (!hasRegfMagic(src.read(0, 4))) return null;
  const warnings = oversize(src);
  const records: RegistryRecord[] = [];
  let header: HiveRecord | null = null;
  // A hive over the cap is read in part: damage as far as the records go.
  let damaged = src.size > MAX_HIVE_BYTES;
  for (const item of walkHive(src)) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      damaged ||= item.damage;
    } else {
      if (item.type === 'registry-hive') header = item;
      records.push(item);
    }
  }
  const logs = logSiblings(ctx);
  if (header?.dirty) pushLogNote(warnings, logs);
  return {
    parser: 'regf',
    records,
    warnings,
    corrupted: isCorrupted(header, damaged),
    facts: summarize(header, records, logs),
  };
}

/**
 * The records of `parseRegf`, yielded as the walk reads them (the hive's bytes through the page
 * cache, nothing held): warnings are appended to `warnings` as they arise, the transaction-log note
 * after the walk's (as `parseRegf` orders them). Yields nothing when the file is not a hive.
 */
export function* streamRegf(src: ByteSource, ctx: ArtifactContext, warnings: string[]): Generator<RegistryRecord> {
  if (!hasRegfMagic(src.read(0, 4))) return;
  pushAll(warnings, oversize(src));
  let dirty = false;
  for (const item of walkHive(src)) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      continue;
    }
    if (item.type === 'registry-hive') dirty = item.dirty;
    yield item;
  }
  if (dirty) pushLogNote(warnings, logSiblings(ctx));
}

function oversize(src: ByteSource): string[] {
  return src.size > MAX_HIVE_BYTES ? [`hive is ${src.size} bytes; only the first ${MAX_HIVE_BYTES} were read`] : [];
}

/** A dirty hive's logs are not replayed: said once, after the walk's own warnings. */
function pushLogNote(warnings: string[], logs: readonly string[]): void {
  if (logs.length > 0) warnings.push(`transaction logs present but not replayed: ${logs.join(', ')}`);
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
