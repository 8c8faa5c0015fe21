/**
 * `parse`: the raw records an artifact parser extracts from one file (like reglookup or RBCmd).
 * The parser comes from the one registry (src/artifacts/index.ts): the one asked for, else those
 * whose `matches` claims the file, else one that declares the file's content format
 * (`contentFormats`: a renamed copy is still read).
 */
import { ARTIFACT_PARSERS, parserById } from '../artifacts/index.js';
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult } from '../artifacts/types.js';
import { isImageFile, openRoot } from '../evidence/root.js';
import { openImageFile, openSingleFile, SingleFileError, type SingleFile } from '../evidence/single-file.js';
import { escapeControls } from '../util/text.js';
import { siblingOpener } from '../evidence/listing.js';
import { fingerprint } from '../fingerprint/index.js';

export interface ParseOptions {
  file: string;
  /** A parser id (checked by the caller against the registry). */
  parser?: string;
  codepage?: string;
  /** Apply a dirty hive's transaction logs (default true). */
  hiveLogs?: boolean;
  root?: string;
  /** Prefer a parser's streaming reader (records yielded as read, bounded memory) where it has one. */
  streaming: boolean;
}

/** What parsing one file gave: records as they are read, a whole result, or no parser for it. */
export type ParseOutcome =
  | { kind: 'stream'; parser: string; records: Iterable<ArtifactRecord>; warnings: string[] }
  | { kind: 'result'; result: ArtifactResult }
  | { kind: 'none'; format: string | null; description: string };

function safeMatches(p: ArtifactParser, ctx: ArtifactContext): boolean {
  try {
    return p.matches(ctx);
  } catch {
    return false;
  }
}

/** The parsers to try on a file, in registry order. */
function parsersFor(ctx: ArtifactContext, forced: string | undefined): ArtifactParser[] {
  const wanted = forced ? parserById(forced) : undefined;
  if (wanted) return [wanted];
  const claimed = ARTIFACT_PARSERS.filter((p) => safeMatches(p, ctx));
  if (claimed.length > 0 || !ctx.format) return claimed;
  const format = ctx.format;
  return ARTIFACT_PARSERS.filter((p) => p.contentFormats?.includes(format));
}

/**
 * Parses `opts.file` and hands the outcome to `use` while the file is still open (a stream reads it
 * as it is consumed); the file is closed when `use` returns.
 */
export async function parseFile<T>(opts: ParseOptions, use: (outcome: ParseOutcome) => Promise<T>): Promise<T> {
  const { file, close } = openNamedFile(opts);
  try {
    const fp = await fingerprint(file.source, file.head, file.name);
    const ctx: ArtifactContext = {
      relPath: file.name,
      name: file.name,
      head: file.head,
      size: file.source.size,
      format: fp.format,
      siblings: file.siblings,
      openSibling: opts.hiveLogs === false ? undefined : siblingOpener(file.relPath ?? file.name, file.siblings, file.openFile),
      options: opts.codepage ? { codepage: opts.codepage } : undefined,
    };
    for (const parser of parsersFor(ctx, opts.parser)) {
      // Millions of records ($MFT, $J, event logs): yielded as they are read, never held.
      if (parser.stream && opts.streaming) {
        const warnings: string[] = [];
        return await use({ kind: 'stream', parser: parser.id, records: parser.stream(file.source, ctx, warnings), warnings });
      }
      const result = await parser.parse(file.source, ctx);
      if (result) return await use({ kind: 'result', result });
    }
    return await use({ kind: 'none', format: fp.format, description: fp.description });
  } finally {
    file.source.close();
    close();
  }
}

/** The file to parse: on the host, inside a directory `--root`, or a path inside a disk image given as `--root`. */
function openNamedFile(opts: ParseOptions): { file: SingleFile; close: () => void } {
  if (!opts.root || !isImageFile(opts.root)) return { file: openSingleFile(opts.file, opts.root ? openRoot(opts.root, 'auto') : undefined), close: () => undefined };
  const target = openImageFile(opts.root, opts.file);
  if (target.file) return { file: target.file, close: target.close };
  target.close();
  const where = target.volume ? `${opts.root} (${target.volume.label})` : `any volume of ${opts.root}`;
  throw new SingleFileError(`${escapeControls(opts.file)}: no live file at ${escapeControls(target.relPath)} in ${escapeControls(where)} (stagehunt explain --root IMAGE PATH says what its traces show)`);
}

/**
 * The records `parse --format jsonl` prints: the parser's, or, for an archive whose file list is encrypted
 * (RAR -hp, 7z -mhe) and so has no entry records, one record that says so (with the archive summary).
 */
export function printableRecords(result: ArtifactResult): readonly unknown[] {
  if (result.records.length > 0) return result.records;
  const facts = result.facts as { headersEncrypted?: unknown } | null | undefined;
  if (!facts || facts.headersEncrypted !== true) return [];
  return [{ type: 'encrypted-file-list', note: 'the file list (headers) is encrypted: entry names, sizes and times cannot be read without the password', ...facts }];
}
