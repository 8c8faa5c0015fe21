/**
 * The artifact-parser contract (after dissect's plugins and plaso's parsers):
 *   - `matches` answers "is this file mine?" cheaply from its name, path and head bytes;
 *   - `parse` turns bytes into typed records plus warnings, never touching fs or console.
 * Three outcomes: not mine (matches() false, or parse returns null), damaged (records that
 * could be read + warnings + corrupted: true), fine. A parser never throws for bad input;
 * the pipeline still catches and reports if one does.
 */
import type { ByteSource, ClosableSource } from '../util/byte-source.js';
import type { FileTimes } from '../model/finding.js';
import type { Candidate } from '../rules/types.js';
import type { SigmaRule } from './evtx/sigma.js';
import type { CorrelationHits } from './evtx/sigma-correlation.js';
import type { TemplateLibrary } from './evtx/binxml.js';
import type { DirEntryInfo, ListedEntry, OsKind } from '../model/evidence.js';
import type { DataSourceId } from '../model/data-sources.js';

// Parsers keep importing these from here; the stages below artifacts/ import src/model/evidence.ts.
export type { DirEntryInfo, ListedEntry, OsKind };

/** Everything known about a file before its parser runs. */
export interface ArtifactContext {
  /** Path relative to the evidence root, '/'-separated (display form). */
  relPath: string;
  /** Base name of the file. */
  name: string;
  /** First bytes of the file (up to LIMITS.headBytes). */
  head: Buffer;
  size: number;
  /** Detected format id from the fingerprint stage (e.g. 'zip', 'regf', '7z'), or null. */
  format: string | null;
  /**
   * Names of sibling entries in the same directory, when the caller has them (for $I/$R
   * pairing, volume sets). Lower-cased comparisons are the parser's job.
   */
  siblings?: readonly DirEntryInfo[];
  /**
   * Opens a regular file of `siblings`, by its name, read-only through src/evidence (a hive's
   * transaction logs), where the caller can (a scan, explain, parse); null when it is not there, not
   * a regular file or cannot be opened. The parser closes what it opens.
   */
  openSibling?(name: string): ClosableSource | null;
  /** Options from the command line that parsers honour (e.g. INFO2 ANSI code page). */
  options?: { codepage?: string; sigma?: readonly SigmaRule[]; sigmaHits?: CorrelationHits; evtxTemplates?: TemplateLibrary };
}

/**
 * A parsed record: `type` says which schema (docs/output.md, "parse records"). This is the untyped
 * default; a parser declares its own record types (`interface KeyRecord extends ArtifactRecord`, or a
 * `type` alias) and says so in `ArtifactParser<R, F>`, so its detector reads them without guessing.
 */
export interface ArtifactRecord {
  type: string;
  [field: string]: unknown;
}

/**
 * What one parse of one file produced: records of type R, and F, the parser's facts about the file
 * as a whole (the archive contract for archives, the hive header and SID names for hives, ...).
 */
export interface ArtifactResult<R extends ArtifactRecord = ArtifactRecord, F = unknown> {
  /** The parser id that produced this result. */
  parser: string;
  records: R[];
  warnings: string[];
  /** True when the input was damaged and only part of it could be read (set by the parser, never read from warnings). */
  corrupted: boolean;
  /** Facts about the file as a whole, shown by `explain` and `parse --format json` (as `summary`) and read by the detector. */
  facts?: F;
}

/**
 * A parser of records R with facts F. The defaults (untyped records, facts of unknown type) keep an
 * untyped parser compiling and make `ArtifactParser` / `ArtifactResult` mean "any parser / result"
 * (the registry's element type); a typed parser names its records and facts, and its `detect`
 * receives exactly what its `parse` returned.
 */
export interface ArtifactParser<R extends ArtifactRecord = ArtifactRecord, F = unknown> {
  /** Stable id, e.g. 'zip', '7z', 'rar', 'recyclebin-i', 'info2', 'trashinfo', 'history', 'regf'. */
  id: string;
  description: string;
  /** The ATT&CK data sources this parser's records are (src/model/data-sources.ts): the report's coverage table derives from them. */
  dataSources: readonly DataSourceId[];
  /**
   * Folders of the shared corpus (../shared/corpus/<area>) holding real samples of this format: the
   * fuzzer's seeds (bench/lib/fuzz-runner.mjs) derive from them, and test/fuzz checks that a seed
   * reaches every parser that names one. Empty only for a parser with no corpus sample (say why).
   */
  fuzzSeeds: readonly string[];
  /**
   * What this parser may claim, as keys the registry indexes (src/artifacts/claims.ts): a file meets
   * `matches` only when one of the keys fits it. Each key must be a necessary condition of `matches`
   * (over-offering is fine, missing a file is a bug): test/artifacts/claims.test.ts checks it on the
   * corpus, the demo and a bench tree. `{}` claims nothing (a parser reached only with --parser).
   */
  claims: ParserClaims;
  /** The final say on a file the claims offered. */
  matches(ctx: ArtifactContext): boolean;
  /**
   * Optional: fingerprint formats (src/fingerprint) whose content is this parser's whatever the file
   * is named, so `stagehunt parse` still reads a renamed copy (a collection tool's output, a corpus sample).
   */
  contentFormats?: readonly string[];
  /** Returns null when, on closer look, the file is not this parser's format. */
  parse(src: ByteSource, ctx: ArtifactContext): Promise<ArtifactResult<R, F> | null>;
  /**
   * Optional, for artifacts of millions of records ($MFT, $J, event logs, histories): the same records as `parse`,
   * yielded one at a time so `stagehunt parse --format jsonl` runs in bounded memory, and where `parse` keeps
   * only the first of them (LIMITS.maxKeptStreamRecords, LIMITS.maxHistoryLines), all of them. Warnings are
   * appended to `warnings` as they arise; yields nothing when the file is not this format.
   */
  stream?(src: ByteSource, ctx: ArtifactContext, warnings: string[]): Iterable<R>;
  /**
   * Optional, for artifacts too large to hold (hives, event logs): `parse` and `detect` in one pass
   * over the records as they are read, none held. A scan calls it instead of both (src/pipeline/
   * inspect.ts; explain keeps `parse`, it shows records): the result is `parse`'s with no records,
   * the candidates are those `detect` finds in `parse`'s result. Null when the file is not this format.
   */
  scan?(src: ByteSource, ctx: DetectContext): Promise<ScannedArtifact<R, F> | null>;
  /**
   * Optional, for a parser without `detect` whose records can be many ($MFT, $J): what `parse` gives
   * (facts, warnings, corrupted, null when not mine) with `records` left empty. A scan keeps nothing
   * else of such a parser, so it asks this instead of holding the records (explain asks `parse`).
   */
  factsOnly?(src: ByteSource, ctx: ArtifactContext): Promise<ArtifactResult<R, F> | null>;
  /**
   * Optional: the findings this artifact yields in a scan. Declared as a method on purpose (methods
   * compare bivariantly): the registry holds parsers of every R and F as plain `ArtifactParser`, and
   * only ever passes a parser's own parse result to its own detect (src/pipeline/inspect.ts).
   */
  detect?(result: ArtifactResult<R, F>, ctx: DetectContext): Candidate[];
}

/** What `ArtifactParser.scan` gives: the result without its records, and the candidates. */
export interface ScannedArtifact<R extends ArtifactRecord = ArtifactRecord, F = unknown> {
  result: ArtifactResult<R, F>;
  candidates: Candidate[];
}

/** Leading bytes at an offset of the head (`bytes` compared exactly). */
export interface HeadMagic {
  at: number;
  bytes: Uint8Array;
}

/**
 * A parser's pre-filter keys (any one that fits offers the file to `matches`). Names are compared
 * lower-cased; `pathHints` are compared as written, so a case-insensitive matcher lists its spellings.
 */
export interface ParserClaims {
  /** Fingerprint formats (src/fingerprint), `null` for a file with no format. */
  formats?: readonly (string | null)[];
  magics?: readonly HeadMagic[];
  /** Whole names, lower-case. */
  names?: readonly string[];
  /** Lower-case name beginnings of two characters or more ('$i'). */
  namePrefixes?: readonly string[];
  /** Lower-case extensions without the dot ('pf', 'trashinfo'). */
  extensions?: readonly string[];
  /** Lower-case name endings of two characters or more that are not a whole extension ('amcache.hve', '$mft'). */
  nameSuffixes?: readonly string[];
  /** Tested on the lower-case name; for what the keys above cannot say (volume part numbers). */
  namePatterns?: readonly RegExp[];
  /** Substrings of the root-relative path, exact case ('.Trash'). */
  pathHints?: readonly string[];
  /** Every file: only where no key above is a necessary condition. */
  anyFile?: true;
}

/** What a detector knows beyond the parse result: where the file sits and its times. */
export interface DetectContext extends ArtifactContext {
  os: OsKind;
  /** Id and weight of the hotspot the file lies in, or null / 0. */
  hotspot: string | null;
  hotspotWeight: number;
  times: FileTimes;
  /** Lists a directory inside the same root (relPath, '/'-separated); null when absent/unreadable. Bounded. */
  listDirectory?(relPath: string): ListedEntry[] | null;
}

/** Turns a parse result into candidate findings (scored later by the rules engine). */
export type ArtifactDetector<R extends ArtifactRecord = ArtifactRecord, F = unknown> = (result: ArtifactResult<R, F>, ctx: DetectContext) => Candidate[];
