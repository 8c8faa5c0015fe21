/**
 * Which registered parsers' facts the pipeline reads beyond showing them: the archive contract
 * (archive rules, `explain`'s archive line) and a hive's SID names (shared across a root's hives).
 * The registry holds parsers of every record and fact type as ArtifactParser; these guards give a
 * result its type back by the parser that produced it, never by looking at its fields.
 */
import { parsers as archiveParsers } from './archive/parsers.js';
import type { ArchiveResult } from './archive/summary.js';
import { regfParser } from './regf/index.js';
import type { HiveResult } from './registry/index.js';
import type { ArtifactParser, ArtifactResult } from './types.js';

const ARCHIVE_PARSERS: ReadonlySet<ArtifactParser> = new Set(archiveParsers);

/** True when `result` is what `parser` returned and `parser` is an archive parser (src/artifacts/archives/). */
export function isArchiveResult(parser: ArtifactParser, result: ArtifactResult): result is ArchiveResult {
  return ARCHIVE_PARSERS.has(parser) && result.parser === parser.id;
}

/** True when `result` is what the hive parser returned. */
export function isHiveResult(parser: ArtifactParser, result: ArtifactResult): result is HiveResult {
  return parser === regfParser && result.parser === parser.id;
}
