/**
 * Inspecting one file: fingerprint it, run the artifact parsers that claim it, and gather
 * the candidate findings. Shared by `scan` (per walked file), `explain` and `parse`.
 */
import { flatOrNull } from '../util/flat-string.js';
import type { SigmaRule } from '../artifacts/evtx/sigma.js';
import type { CorrelationHits } from '../artifacts/evtx/sigma-correlation.js';
import type { FsEntry, FsTime } from '../evidence/fs.js';
import { fingerprintMaybeSync, headEntropy, sensitiveKind, type Fingerprint, type FingerprintOptions } from '../fingerprint/index.js';
import { claimingParsers } from '../artifacts/index.js';
import type { ArtifactParser, ArtifactResult, ArtifactContext, DetectContext } from '../artifacts/types.js';
import type { ArchiveSummary } from '../artifacts/archive/summary.js';
import { isArchiveResult, isHiveResult } from '../artifacts/facts.js';
import { hiveFactsShown } from '../artifacts/registry/index.js';
import type { DirEntryInfo, ListedEntry, OsKind } from '../model/evidence.js';
import { siblingOpener } from '../evidence/listing.js';
import type { Hotspot } from '../hotspots/catalog.js';
import { fileRuleHits } from '../rules/file-rules.js';
import type { Candidate, Hit, NamedPath, TimelineEvent } from '../rules/types.js';
import type { ByteSource, ClosableSource } from '../util/byte-source.js';
import { LIMITS } from '../util/limits.js';
import type { FileTimes } from '../model/finding.js';
import type { SystemFacts } from '../model/system.js';
import type { EvtxLogNote, EvtxResult } from '../artifacts/evtx/record.js';
import { pushAll } from '../util/arrays.js';
import { isoFromMs } from '../util/filetime.js';
import { hasLocators } from '../model/kinds.js';

function isoTime(ms: number): string | null {
  return ms > 0 && Number.isFinite(ms) ? isoFromMs(ms) : null;
}

/**
 * A file's times as ISO strings, formatted on first read: most walked files never become a
 * finding, and four Date/ISO conversions per file were ~3 % of a scan.
 */
export function statTimes(st: { mtimeMs: number; atimeMs: number; ctimeMs: number; birthtimeMs: number }): FileTimes {
  return lazyTimes(() => ({
    modified: isoTime(st.mtimeMs),
    accessed: isoTime(st.atimeMs),
    changed: isoTime(st.ctimeMs),
    // statx reports birth time 0 when the file system does not record it.
    born: st.birthtimeMs > 0 ? isoTime(st.birthtimeMs) : null,
  }));
}

/**
 * Times formatted on first read. A class, not an object literal with getters: V8 builds such a
 * literal in about 1.1 µs (its accessors make it a dictionary, about 0.8 KB), once for every walked
 * file; an instance takes 20-60 ns. Its getters are on the prototype, so a spread or a structured
 * clone would see no times: a candidate's times are made plain (settledTimes) when it is kept and
 * before it crosses to another thread (pool-inspect.ts); JSON.stringify sees them through toJSON.
 */
class LazyFileTimes implements FileTimes {
  #format: (() => FileTimes) | null;
  #done: FileTimes | null = null;
  constructor(format: () => FileTimes) {
    this.#format = format;
  }

  #times(): FileTimes {
    if (!this.#done) {
      this.#done = this.#format!();
      this.#format = null;
    }
    return this.#done;
  }

  get modified(): string | null {
    return this.#times().modified;
  }

  get accessed(): string | null {
    return this.#times().accessed;
  }

  get changed(): string | null {
    return this.#times().changed;
  }

  get born(): string | null {
    return this.#times().born;
  }

  toJSON(): FileTimes {
    return this.#times();
  }
}

/** Times formatted on first read: most inspected files become no candidate and their times are never shown. */
export function lazyTimes(format: () => FileTimes): FileTimes {
  return new LazyFileTimes(format);
}

/**
 * The times of a kept candidate as a plain object: the lazy one above holds four getters, their
 * closures and a dictionary of properties (about 0.8 KB against 0.2 KB), tens of thousands of
 * times over in a findings-heavy scan (docs/performance.md "Memory per finding"). Each time is one
 * flat string (an ISO time as formatted is a concatenation over a slice, about 104 bytes against
 * 48), and equal times share one string.
 */
export function settledTimes(t: FileTimes): FileTimes {
  const modified = flatOrNull(t.modified);
  const accessed = t.accessed === t.modified ? modified : flatOrNull(t.accessed);
  const changed = t.changed === t.modified ? modified : t.changed === t.accessed ? accessed : flatOrNull(t.changed);
  const born = t.born === t.modified ? modified : t.born === t.accessed ? accessed : t.born === t.changed ? changed : flatOrNull(t.born);
  return { modified, accessed, changed, born };
}

/** Whole milliseconds of a file-system time, 0 when absent (the ISO times show milliseconds). */
const wholeMs = (t?: FsTime): number => (t ? t.sec * 1000 + Math.floor(t.nsec / 1e6) : 0);

/** An entry's times as statTimes shows a mounted file's. */
export function entryTimes(e: Pick<FsEntry, 'times'>): FileTimes {
  const { mtime, atime, ctime, crtime } = e.times;
  return statTimes({ mtimeMs: wholeMs(mtime), atimeMs: wholeMs(atime), ctimeMs: wholeMs(ctime), birthtimeMs: wholeMs(crtime) });
}

/** A value now, or a promise of it when it needed asynchronous work (inspectFileMaybeSync). */
export type MaybePromise<T> = T | Promise<T>;

export interface InspectInput {
  src: ByteSource;
  head: Buffer;
  relPath: string;
  name: string;
  size: number;
  times: FileTimes;
  hotspot: Hotspot | null;
  os: OsKind;
  siblings?: readonly DirEntryInfo[];
  listDirectory?(relPath: string): ListedEntry[] | null;
  /** Opens a file of the same root by its path (src/evidence/listing.ts fsOpener): parsers get the file's siblings through it (`ArtifactContext.openSibling`). */
  openFile?(relPath: string): ClosableSource | null;
  /** explain: sample head, middle and tail whatever the head looks like. */
  deep?: boolean;
  /** explain: parse and keep every parser's records (shown) instead of streaming them through the detectors (`ArtifactParser.scan`) or asking a parser without `detect` for its `factsOnly`. */
  keepRecords?: boolean;
  codepage?: string;
  /** Sigma rules the event-log detector applies (docs/eventlogs.md). */
  sigma?: readonly SigmaRule[];
  /** Where the matches of rules Sigma correlations read are kept for the root (a scan's; else each log is correlated alone). */
  sigmaHits?: CorrelationHits;
  /** Parsers (by id) not run on this file because another stage reads it: an NTFS volume's own $MFT (scan.ts IMAGE_KIND). */
  skipParsers?: ReadonlySet<string>;
}

export interface ParserRun {
  parser: string;
  result: ArtifactResult | null;
  error?: string;
}

export interface Inspection {
  fingerprint: Fingerprint;
  runs: readonly ParserRun[];
  /** The file's own candidate (kind 'file') merged with what detectors said about the file itself. */
  fileCandidate: Candidate;
  /** Candidates for evidence inside the file (archive entries, $I records, registry values, commands). */
  innerCandidates: readonly Candidate[];
  warnings: readonly string[];
  /** The archive contract when an archive parser read the file (docs/archives.md), else null. */
  archive: ArchiveSummary | null;
  /** SID -> user name from a SAM or SOFTWARE hive (its ProfileList), for the other hives of the root. */
  sidNames: Readonly<Record<string, string>>;
  /** What a SYSTEM or SOFTWARE hive says of the machine (name, time zone, version), for the root's facts. */
  system?: SystemFacts;
  /** An event log's channel and unreadable slack, for the root's logs to lend each other templates (pipeline/evtx-lending.ts). */
  evtxLog?: EvtxLogNote;
}

/** Whether a scan keeps the file's own candidate: it has hits, or names paths or events that correlation and the timeline use. */
export function keepsFileCandidate(c: Candidate): boolean {
  return c.hits.length > 0 || !!c.names || !!c.events;
}

/**
 * Magic-only verdicts that an archive parser states more precisely (encryption, disguise, volumes,
 * high entropy): when a parser read the archive, its reasons replace these so nothing counts twice.
 */
const SUPERSEDED_BY_ARCHIVE_PARSER = new Set([
  'fingerprint-encrypted-container',
  'fingerprint-archive-disguised',
  'fingerprint-extension-mismatch',
  'fingerprint-high-entropy-unknown',
  'archive-file',
]);

function isFileLevel(c: Candidate, relPath: string): boolean {
  return c.kind === 'file' && c.path === relPath && !hasLocators(c);
}

/**
 * What detectors see: the parser's context and the file's place and times. One literal: built as
 * `{ ...ctx, os, ... }` it defined its last properties through a slow IC on every file.
 */
function detectContextOf(ctx: ArtifactContext, input: InspectInput): DetectContext {
  return {
    relPath: ctx.relPath,
    name: ctx.name,
    head: ctx.head,
    size: ctx.size,
    format: ctx.format,
    siblings: ctx.siblings,
    openSibling: ctx.openSibling,
    options: ctx.options,
    os: input.os,
    hotspot: input.hotspot?.id ?? null,
    hotspotWeight: input.hotspot?.weight ?? 0,
    times: input.times,
    listDirectory: input.listDirectory,
  };
}

/** What the claiming parsers of one file gathered, for the file's own candidate and the inner ones. */
interface Gathered {
  runs: ParserRun[];
  warnings: string[];
  fileHits: Hit[];
  details: Record<string, unknown>;
  innerCandidates: Candidate[];
  names: NamedPath[];
  events: TimelineEvent[];
  archive: ArchiveSummary | null;
  sidNames: Record<string, string>;
  system?: SystemFacts;
  evtxLog?: EvtxLogNote;
  /** Built for the first parser that claims the file: most files meet none. */
  detectCtx: DetectContext | null;
}

export async function inspectFile(input: InspectInput): Promise<Inspection> {
  return inspectFileMaybeSync(input);
}

/**
 * inspectFile without a promise for the common file: settled from its head by the synchronous
 * fingerprint and claimed by no parser, its Inspection is returned directly (no promise, no
 * microtask round trip per file: docs/performance.md "Start-up and per-file CPU"). A file that
 * needs file-type or a parser gets a promise. A throw from the synchronous part is thrown here,
 * where inspectFile would reject: callers handle both.
 */
export function inspectFileMaybeSync(input: InspectInput): MaybePromise<Inspection> {
  // The head's statistics only where the verdict reads them; a kept file's entropy is made in finishInspection.
  const options: FingerprintOptions = { deep: input.deep ?? false, statistics: 'when-needed' };
  const fp = fingerprintMaybeSync(input.src, input.head, input.name, options);
  if (fp instanceof Promise) return fp.then((slow) => inspectFingerprinted(input, slow));
  return inspectFingerprinted(input, fp);
}

function claims(parser: ArtifactParser, ctx: ArtifactContext): boolean {
  try {
    return parser.matches(ctx);
  } catch {
    return false;
  }
}

function inspectFingerprinted(input: InspectInput, fp: Fingerprint): MaybePromise<Inspection> {
  const ctx: ArtifactContext = {
    relPath: input.relPath,
    name: input.name,
    head: input.head,
    size: input.size,
    format: fp.format,
    siblings: input.siblings,
    openSibling: input.openFile ? siblingOpener(input.relPath, input.siblings, input.openFile) : undefined,
    options: input.codepage || input.sigma ? { ...(input.codepage ? { codepage: input.codepage } : {}), ...(input.sigma ? { sigma: input.sigma } : {}), ...(input.sigmaHits ? { sigmaHits: input.sigmaHits } : {}) } : undefined,
  };
  // The pre-filter offers the file only to parsers that can want it; matches() decides.
  const offered = claimingParsers(ctx);
  const skip = input.skipParsers;
  const parsers = skip ? offered.filter((p) => !skip.has(p.id)) : offered;
  let first = 0;
  while (first < parsers.length && !claims(parsers[first]!, ctx)) first++;
  // Most files: no parser claims them, and nothing is gathered (no containers made for them).
  if (first === parsers.length) return finishInspection(input, fp, null);
  const got: Gathered = { runs: [], warnings: [], fileHits: [...fp.hits], details: {}, innerCandidates: [], names: [], events: [], archive: null, sidNames: {}, detectCtx: null };
  return runParsers(input, ctx, parsers, first, got).then(() => finishInspection(input, fp, got));
}

/** Runs parsers[first] (which claimed the file), then each later parser that claims it, in order. */
async function runParsers(input: InspectInput, ctx: ArtifactContext, parsers: readonly ArtifactParser[], first: number, got: Gathered): Promise<void> {
  for (let i = first; i < parsers.length; i++) {
    const parser = parsers[i]!;
    if (i !== first && !claims(parser, ctx)) continue;
    try {
      // A scan streams a parser that can (records flow through its detectors, none held); explain keeps them.
      const streamed = parser.scan !== undefined && input.keepRecords !== true;
      const scanned = streamed ? await parser.scan!(input.src, (got.detectCtx ??= detectContextOf(ctx, input))) : null;
      // A parser without `detect` whose records can be many ($MFT, $J) gives only its facts in a scan.
      const factsOnly = !streamed && !parser.detect && parser.factsOnly !== undefined && input.keepRecords !== true;
      const result = streamed ? (scanned?.result ?? null) : factsOnly ? await parser.factsOnly!(input.src, ctx) : await parser.parse(input.src, ctx);
      got.runs.push({ parser: parser.id, result });
      if (!result) continue;
      for (const w of result.warnings.slice(0, 50)) got.warnings.push(`${parser.id}: ${w}`);
      if (result.warnings.length > 50) got.warnings.push(`${parser.id}: ${result.warnings.length - 50} more warnings`);
      // Archive facts all go under `archive` (docs/output.md); others under the parser's id.
      if (isArchiveResult(parser, result) && result.facts) got.details.archive = got.archive = result.facts;
      else if (isHiveResult(parser, result) && result.facts) got.details[parser.id] = hiveFactsShown(result.facts);
      else if (result.facts !== undefined) got.details[parser.id] = result.facts;
      if (isHiveResult(parser, result) && result.facts) {
        got.sidNames = { ...got.sidNames, ...result.facts.sidNames };
        if (result.facts.system) got.system = { ...got.system, ...result.facts.system };
      }
      if (parser.id === 'evtx' && (result as EvtxResult).logNote) got.evtxLog = (result as EvtxResult).logNote;
      const detected = scanned ? scanned.candidates : parser.detect?.(result, (got.detectCtx ??= detectContextOf(ctx, input)));
      if (!detected) continue;
      const found = detected.slice(0, LIMITS.maxFindingsPerArtifact);
      for (const c of found) {
        if (isFileLevel(c, input.relPath)) {
          pushAll(got.fileHits, c.hits);
          if (c.details) Object.assign(got.details, c.details);
          if (c.names) pushAll(got.names, c.names);
          if (c.events) pushAll(got.events, c.events);
        } else got.innerCandidates.push(c);
      }
    } catch (err) {
      // A parser must not throw on bad input; if one does, the file is still reported.
      const message = (err as Error).message ?? String(err);
      got.runs.push({ parser: parser.id, result: null, error: message });
      got.warnings.push(`${parser.id}: parser failed: ${message}`);
    }
  }
}

const roundedEntropy = (entropy: number | null): number | null => (entropy === null ? null : Math.round(entropy * 1000) / 1000);

const NO_RUNS: readonly ParserRun[] = Object.freeze([]);
const NO_CANDIDATES: readonly Candidate[] = Object.freeze([]);
const NO_WARNINGS: readonly string[] = Object.freeze([]);
const NO_SID_NAMES: Readonly<Record<string, string>> = Object.freeze({});

/** The file rules over what the parsers gathered (null: no parser claimed the file), and the Inspection. */
function finishInspection(input: InspectInput, fp: Fingerprint, got: Gathered | null): Inspection {
  const archive = got?.archive ?? null;
  const ruleHits = fileRuleHits({
    relPath: input.relPath,
    name: input.name,
    size: input.size,
    hotspot: input.hotspot,
    format: fp.format,
    classification: fp.classification,
    archiveParsed: archive !== null,
    sensitive: sensitiveKind(fp),
    head: input.head,
    packageType: archive?.packageType ?? null,
  });
  // fp.hits stay the fingerprint's own: the file's hits are a new list (the rules' own when it has none).
  const fileHits = got ? pushAll(got.fileHits, ruleHits) : fp.hits.length > 0 ? [...fp.hits, ...ruleHits] : ruleHits;
  const fileCandidate: Candidate = {
    kind: 'file',
    path: input.relPath,
    hits: archive ? fileHits.filter((h) => !SUPERSEDED_BY_ARCHIVE_PARSER.has(h.rule)) : fileHits,
    size: input.size,
    format: fp.format,
    entropy: roundedEntropy(fp.entropy),
    times: input.times,
    details: got && Object.keys(got.details).length ? got.details : undefined,
    names: got?.names.length ? got.names : undefined,
    events: got?.events.length ? got.events : undefined,
  };
  // Deferred statistics (a confident magic): the entropy is made from the head only for a candidate the scan keeps.
  if (fp.statisticsDeferred && keepsFileCandidate(fileCandidate)) fileCandidate.entropy = roundedEntropy(headEntropy(input.head));
  if (!got) return { fingerprint: fp, runs: NO_RUNS, fileCandidate, innerCandidates: NO_CANDIDATES, warnings: NO_WARNINGS, archive, sidNames: NO_SID_NAMES };
  return { fingerprint: fp, runs: got.runs, fileCandidate, innerCandidates: got.innerCandidates, warnings: got.warnings, archive, sidNames: got.sidNames, ...(got.system ? { system: got.system } : {}), ...(got.evtxLog ? { evtxLog: got.evtxLog } : {}) };
}
