/**
 * The ArtifactParser wrapper over walk.ts: walks the hive over its ByteSource (a page at a time,
 * pages.ts) and collects records and warnings for the detectors, or yields them as they are read
 * (`streamRegf`, for `stagehunt parse`). Pure: no fs, no console.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext, DetectContext, ScannedArtifact } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { MAX_HIVE_BYTES } from './pages.js';
import { pushAll } from '../../util/arrays.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../../util/event-loop.js';
import { walkHive, type HiveRecord, type RegistryRecord } from './walk.js';
import { detectHive, detectOverPass, hiveSidMaps, type HiveFacts, type HiveResult } from '../registry/index.js';
import { HivePassBuilder, passOver, type HivePass } from '../registry/hive-pass.js';

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
    facts: summarize(passOver(records, false), logs),
  };
}

/** One streamed read of a hive for a scan: the detectors' pass (hive-pass.ts) and `parseRegf`'s result without its records. */
export interface StreamedHive {
  pass: HivePass;
  result: HiveResult;
}

/**
 * The walk of `parseRegf`, fed to the detectors' pass as it reads instead of held. A large hive
 * takes seconds (on the scan's own thread for an image's files): the event loop turns meanwhile,
 * so Ctrl-C stops the scan at once.
 */
async function readHivePass(src: ByteSource, ctx: ArtifactContext): Promise<StreamedHive | null> {
  if (!hasRegfMagic(src.read(0, 4))) return null;
  const warnings = oversize(src);
  const builder = new HivePassBuilder();
  let damaged = src.size > MAX_HIVE_BYTES;
  // The clock looked at every 1,024 records.
  const turns = new EventLoopTurns(TURN_EVERY_MS, 1024);
  for (const item of walkHive(src)) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      damaged ||= item.damage;
    } else builder.add(item);
    if (turns.due()) await yieldToEventLoop();
  }
  const pass = builder.finish();
  const logs = logSiblings(ctx);
  if (pass.header?.dirty) pushLogNote(warnings, logs);
  return { pass, result: { parser: 'regf', records: [], warnings, corrupted: isCorrupted(pass.header, damaged), facts: summarize(pass, logs) } };
}

const streamed = new WeakMap<ByteSource, { ctx: ArtifactContext; hive: Promise<StreamedHive | null> }>();

/**
 * `readHivePass`, once per file in an inspection (as hive-once.ts for `parse`): the regf and Amcache
 * parsers' `scan` both read Amcache.hve with the same source and context; the second gets the first's.
 */
export function scanHiveOnce(src: ByteSource, ctx: ArtifactContext): Promise<StreamedHive | null> {
  const hit = streamed.get(src);
  if (hit && hit.ctx === ctx) return hit.hive;
  const hive = readHivePass(src, ctx);
  streamed.set(src, { ctx, hive });
  return hive;
}

/** The regf parser's `scan`: the hive streamed through the registry detectors, no record held. */
export async function scanRegf(src: ByteSource, ctx: DetectContext): Promise<ScannedArtifact<RegistryRecord, HiveFacts> | null> {
  const hive = await scanHiveOnce(src, ctx);
  if (!hive) return null;
  const candidates = detectHive(hive.result.facts, ctx, (opts) => detectOverPass(hive.pass, opts));
  return { result: hive.result, candidates };
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

function summarize(pass: HivePass, logs: string[]): HiveFacts {
  const header = pass.header;
  return {
    format: 'regf',
    isLog: header !== null && header.fileType !== 0,
    dirty: header?.dirty ?? false,
    version: header?.version ?? null,
    rootKeyName: header?.rootKeyName ?? null,
    embeddedName: header?.embeddedName ?? null,
    keyCount: pass.keyCount,
    valueCount: pass.valueCount,
    transactionLogs: logs,
    ...hiveSidMaps(pass),
  };
}
