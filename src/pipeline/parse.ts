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
import { fsOpener, siblingOpener } from '../evidence/listing.js';
import type { OpenedSource } from '../evidence/fs.js';
import { PARENT_PATH_PARSERS, parentPathsFromMft, withParentPaths, type ParentPaths } from '../artifacts/ntfs/parent-paths.js';
import { fingerprint } from '../fingerprint/index.js';
import { templatesOf } from '../artifacts/evtx/index.js';
import type { TemplateLibrary } from '../artifacts/evtx/binxml.js';

export interface ParseOptions {
  file: string;
  /** A parser id (checked by the caller against the registry). */
  parser?: string;
  codepage?: string;
  /** Apply a dirty hive's transaction logs (default true). */
  hiveLogs?: boolean;
  root?: string;
  /** An $MFT (a host file) that resolves the parent folders of journal and log records (MFTECmd's -m); with `--root IMAGE` the volume's own is used. */
  mft?: string;
  /** Other EVTX logs (host files) whose templates rebuild this log's slack records whose own are overwritten. */
  templates?: readonly string[];
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
  const { file, close, volumeMft, notes } = openNamedFile(opts);
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
      const warnings: string[] = [...notes];
      if (opts.templates?.length) {
        if (parser.id === 'evtx') ctx.options = { ...ctx.options, evtxTemplates: templatesFor(opts.templates, warnings) };
        else warnings.push(`--templates rebuilds EVTX slack records; ${parser.id} records are printed as read`);
      }
      const parents = PARENT_PATH_PARSERS.has(parser.id) ? parentPathsFor(opts, volumeMft, warnings) : null;
      if (opts.mft && !PARENT_PATH_PARSERS.has(parser.id)) warnings.push(`--mft resolves the parent folders of $J and $LogFile records; ${parser.id} records are printed as read`);
      // Millions of records ($MFT, $J, event logs): yielded as they are read, never held.
      if (parser.stream && opts.streaming) {
        const records = parser.stream(file.source, ctx, warnings);
        return await use({ kind: 'stream', parser: parser.id, records: parents ? withParentPaths(records, parents) : records, warnings });
      }
      const result = await parser.parse(file.source, ctx);
      if (result) return await use({ kind: 'result', result: { ...result, records: parents ? Array.from(withParentPaths(result.records, parents)) : result.records, warnings: warnings.concat(result.warnings) } });
    }
    return await use({ kind: 'none', format: fp.format, description: fp.description });
  } finally {
    file.source.close();
    close();
  }
}

/** The parent paths of `--mft`, else of the image volume's own $MFT, else null (the records as the parser gives them). */
function parentPathsFor(opts: ParseOptions, volumeMft: (() => OpenedSource | null) | null, warnings: string[]): ParentPaths | null {
  const mft = opts.mft ? openSingleFile(opts.mft).source : (volumeMft?.() ?? null);
  if (!mft) return null;
  try {
    return parentPathsFromMft(mft, warnings);
  } finally {
    mft.close();
  }
}

/** The templates of the `--templates` logs (host files, as `--mft`), each opened read-only and closed when read. */
function templatesFor(paths: readonly string[], warnings: string[]): TemplateLibrary {
  const opened = paths.map((p) => ({ name: p, source: openSingleFile(p).source }));
  try {
    return templatesOf(opened, warnings);
  } finally {
    for (const o of opened) o.source.close();
  }
}

/** The file to parse: on the host, inside a directory `--root`, or a path inside a disk image given as `--root` (with its volume's $MFT). */
function openNamedFile(opts: ParseOptions): { file: SingleFile; close: () => void; volumeMft: (() => OpenedSource | null) | null; notes: string[] } {
  if (!opts.root || !isImageFile(opts.root)) return { file: openSingleFile(opts.file, opts.root ? openRoot(opts.root, 'auto') : undefined), close: () => undefined, volumeMft: null, notes: [] };
  const target = openImageFile(opts.root, opts.file);
  const fs = target.volume?.fs;
  // an NTFS volume's $MFT, as the trace stage reads it (never through a link: it is a file of the volume's root)
  const volumeMft = fs && fs.kind === 'ntfs' ? () => fsOpener(fs)('$MFT') : null;
  const notes = target.shadowCopies.length > 0 ? [`no live volume of the image has this file: read from its newest shadow copy that does, ${target.volume!.label}`] : [];
  if (target.file) return { file: target.file, close: target.close, volumeMft, notes };
  target.close();
  if (target.directory) throw new SingleFileError(`${escapeControls(opts.file)} is not a regular file`);
  const where = target.volume ? `${opts.root}, volume ${target.volume.label}` : `any volume of ${opts.root}`;
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
