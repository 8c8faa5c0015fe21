/**
 * The ArtifactParser wrapper over walk.ts: walks the hive over its ByteSource (a page at a time,
 * pages.ts) and collects records and warnings for the detectors, or yields them as they are read
 * (`streamRegf`, for `stagehunt parse`). Pure: no fs, no console.
 */
import type { ByteSource, ClosableSource } from '../../util/byte-source.js';
import type { ArtifactContext, DetectContext, ScannedArtifact } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { MAX_HIVE_BYTES } from './pages.js';
import { pushAll } from '../../util/arrays.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../../util/event-loop.js';
import { walkHive, type ChangedBytes, type HiveRecord, type RegistryRecord } from './walk.js';
import { isDirtyHive, replayHiveLogs, type HiveLog, type LogReading, type ReplayOutcome } from './logs.js';
import { detectHive, detectOverPass, hiveSidMaps, hiveSystemFacts, type HiveFacts, type HiveResult } from '../registry/index.js';
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
  const hive = hiveToRead(src, ctx);
  const records: RegistryRecord[] = [];
  let header: HiveRecord | null = null;
  // A hive over the cap is read in part: damage as far as the records go.
  let damaged = src.size > MAX_HIVE_BYTES;
  for (const item of walkHive(hive.src, undefined, changedOf(hive))) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      damaged ||= item.damage;
    } else if (item.type === 'registry-hive') records.push((header = withReplay(item, hive.replay)));
    else records.push(item);
  }
  pushReplayNotes(warnings, header, hive);
  return {
    parser: 'regf',
    records,
    warnings,
    corrupted: isCorrupted(header, damaged),
    facts: summarize(passOver(records, false), hive),
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
  const hive = hiveToRead(src, ctx);
  const builder = new HivePassBuilder();
  let damaged = src.size > MAX_HIVE_BYTES;
  // The clock looked at every 1,024 records.
  const turns = new EventLoopTurns(TURN_EVERY_MS, 1024);
  for (const item of walkHive(hive.src, undefined, changedOf(hive))) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      damaged ||= item.damage;
    } else builder.add(item.type === 'registry-hive' ? withReplay(item, hive.replay) : item);
    if (turns.due()) await yieldToEventLoop();
  }
  const pass = builder.finish();
  pushReplayNotes(warnings, pass.header, hive);
  return { pass, result: { parser: 'regf', records: [], warnings, corrupted: isCorrupted(pass.header, damaged), facts: summarize(pass, hive) } };
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
  const hive = hiveToRead(src, ctx);
  let header: HiveRecord | null = null;
  for (const item of walkHive(hive.src, undefined, changedOf(hive))) {
    if (item.type === 'warning') {
      warnings.push(item.message);
      continue;
    }
    yield item.type === 'registry-hive' ? (header = withReplay(item, hive.replay)) : item;
  }
  pushReplayNotes(warnings, header, hive);
}

function oversize(src: ByteSource): string[] {
  return src.size > MAX_HIVE_BYTES ? [`hive is ${src.size} bytes; only the first ${MAX_HIVE_BYTES} were read`] : [];
}

/** The hive a parser walks: the file itself, or, dirty with its transaction logs beside it, the file with the logs applied. */
interface HiveToRead {
  src: ByteSource;
  /** The logs beside the hive (their names), and what applying them gave (null: not tried: clean, no logs, or no way to open them). */
  logs: string[];
  replay: ReplayOutcome | null;
}

/** Logs in the order a replay reads them: .LOG1, .LOG2, then an old .LOG. */
function byLogOrder(names: readonly string[]): string[] {
  const rank = (n: string): number => ({ '1': 0, '2': 1 })[n.slice(-1)] ?? 2;
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A dirty hive with logs beside it is replayed (logs.ts) when the caller can open them
 * (`ctx.openSibling`); the logs are read into the replay and closed before the walk.
 */
function hiveToRead(src: ByteSource, ctx: ArtifactContext): HiveToRead {
  const logs = byLogOrder(logSiblings(ctx));
  if (logs.length === 0 || !ctx.openSibling || !isDirtyHive(src)) return { src, logs, replay: null };
  const opened: ClosableSource[] = [];
  const readable: HiveLog[] = [];
  const notOpened: LogReading[] = [];
  try {
    for (const name of logs) {
      const log = ctx.openSibling(name);
      if (log) {
        opened.push(log);
        readable.push({ name, src: log });
      } else notOpened.push({ name, format: null, entries: 0, firstSequence: null, lastSequence: null, applied: 0, note: 'could not be opened' });
    }
    const replay = replayHiveLogs(src, readable);
    if (replay.kind === 'replayed') pushAll(replay.facts.logs, notOpened);
    else if (replay.kind === 'none') pushAll(replay.logs, notOpened);
    return { src: replay.kind === 'replayed' ? replay.source : src, logs, replay };
  } catch (err) {
    // A log that fails to read (an I/O error on a damaged disk) leaves the hive as found.
    return { src, logs, replay: { kind: 'none', logs: notOpened, warnings: [`transaction logs could not be read: ${(err as Error).message}`] } };
  } finally {
    for (const log of opened) log.close();
  }
}

/** For a replayed hive, whether its bytes differ from the file as found (the walk marks what only the logs held). */
function changedOf(hive: HiveToRead): ChangedBytes | undefined {
  return hive.replay?.kind === 'replayed' ? hive.replay.changed : undefined;
}

/** The header record of a replayed hive says so: which logs, which entries. */
function withReplay(header: HiveRecord, replay: ReplayOutcome | null): HiveRecord {
  if (replay?.kind !== 'replayed') return header;
  const f = replay.facts;
  return { ...header, replayed: { logs: f.logs.filter((l) => l.applied > 0).map((l) => l.name), entries: f.entries, firstSequence: f.firstSequence, lastSequence: f.lastSequence, found: f.found } };
}

/** What became of a dirty hive's logs, said once after the walk's own warnings. */
function pushReplayNotes(warnings: string[], header: HiveRecord | null, hive: HiveToRead): void {
  const replay = hive.replay;
  if (replay === null) {
    if (header?.dirty && hive.logs.length > 0) warnings.push(`transaction logs present but not replayed: ${hive.logs.join(', ')}`);
    return;
  }
  if (replay.kind === 'clean') return;
  pushAll(warnings, replay.warnings);
  if (replay.kind === 'replayed') {
    const f = replay.facts;
    const used = f.logs.filter((l) => l.applied > 0).map((l) => l.name).join(', ');
    const what = f.format === 'new' ? `${f.entries} log ${f.entries === 1 ? 'entry' : 'entries'} (sequence ${f.firstSequence} to ${f.lastSequence})` : `the dirty pages of the log (sequence ${f.firstSequence})`;
    const pages = `${f.pages} dirty ${f.pages === 1 ? 'page' : 'pages'}`;
    warnings.push(`dirty hive (sequence ${f.found.sequence1} != ${f.found.sequence2}): ${what} of ${used} applied, ${pages}: keys and values are read as Windows would load the hive`);
  } else {
    const why = replay.logs.map((l) => `${l.name}: ${l.note ?? (l.entries > 0 ? `entries ${l.firstSequence} to ${l.lastSequence}, none from the hive's sequence on` : 'no entries')}`);
    warnings.push(`dirty hive: transaction logs present but none applies${why.length > 0 ? ` (${why.join('; ')})` : ''}; recent changes may be missing`);
  }
}

/** Damage, not mere dirtiness or a log file, marks the result corrupted. */
function isCorrupted(header: HiveRecord | null, damaged: boolean): boolean {
  if (!header) return true;
  if (header.fileType !== 0) return false;
  return damaged;
}

function summarize(pass: HivePass, hive: HiveToRead): HiveFacts {
  const header = pass.header;
  const replay = hive.replay;
  const facts: HiveFacts = {
    format: 'regf',
    isLog: header !== null && header.fileType !== 0,
    // As found on disk: a replayed hive was dirty.
    dirty: replay?.kind === 'replayed' || (header?.dirty ?? false),
    version: header?.version ?? null,
    rootKeyName: header?.rootKeyName ?? null,
    embeddedName: header?.embeddedName ?? null,
    keyCount: pass.keyCount,
    valueCount: pass.valueCount,
    transactionLogs: hive.logs,
    ...(replay?.kind === 'replayed' ? { replayed: replay.facts } : {}),
    ...(replay?.kind === 'none' ? { logsNotApplied: replay.logs } : {}),
    ...hiveSidMaps(pass),
  };
  const system = hiveSystemFacts(pass);
  if (system) facts.system = system;
  return facts;
}
