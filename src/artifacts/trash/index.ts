/** Trash parsers: freedesktop `.trashinfo` metadata and macOS `~/.Trash` (no metadata: by path only). */
import type { ArtifactContext, ArtifactParser, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate, Hit } from '../../rules/types.js';
import { parseTrashInfo } from './trashinfo.js';
import { deletedPathHits } from '../recycle-bin/detect.js';
import { isArchiveFormat } from '../../fingerprint/formats.js';
import { userFromPath } from '../history/parse.js';
import { isArchiveName, isEncryptedName, isVolumeName } from '../history/paths.js';
import { UNKNOWN_LOCAL_ZONE } from '../../model/system.js';

/** `<trash>/info/<name>.trashinfo` -> the trash directory and the item name. */
export function trashLayout(relPath: string): { trashDir: string; item: string } | null {
  const m = /^(.*?)\/?info\/([^/]+)\.trashinfo$/.exec(relPath);
  return m ? { trashDir: m[1]!, item: m[2]! } : null;
}

/** Top directory for relative Paths: the folder holding `.Trash-<uid>` or `.Trash/<uid>`; null for the home trash. */
export function trashTopDir(trashDir: string): string | null {
  const m = /^(.*?)\/?(\.Trash-\d+|\.Trash\/\d+)$/.exec(trashDir);
  return m ? `/${m[1]!}` : null;
}

export const trashInfoParser: ArtifactParser = {
  id: 'trashinfo',
  dataSources: ['DS0022'],
  // The corpus has no Trash sample: its seeds are written by bench/lib/extra-seeds.mjs.
  fuzzSeeds: [],
  description: 'freedesktop.org Trash .trashinfo: original path (percent-decoded) and local deletion time',
  claims: { extensions: ['trashinfo'] },
  matches: (ctx: ArtifactContext) => ctx.name.endsWith('.trashinfo'),
  async parse(src, ctx): Promise<ArtifactResult | null> {
    const layout = trashLayout(ctx.relPath || ctx.name);
    const parsed = parseTrashInfo(src, layout ? trashTopDir(layout.trashDir) : null);
    if (!parsed.record) return { parser: 'trashinfo', records: [], warnings: parsed.warnings, corrupted: true };
    const item = layout?.item ?? ctx.name.replace(/\.trashinfo$/, '');
    const record = { ...parsed.record, dataFile: `files/${item}`, dataFileStatus: 'unknown', user: userFromPath(ctx.relPath) };
    return { parser: 'trashinfo', records: [record], warnings: parsed.warnings, corrupted: parsed.corrupted };
  },
  detect: detectTrashInfo,
};

function itemStatus(ctx: DetectContext, trashDir: string, item: string): 'file' | 'directory' | 'expunged' | 'missing' | 'unknown' {
  if (!ctx.listDirectory) return 'unknown';
  const files = ctx.listDirectory(`${trashDir}/files`);
  const hit = files?.find((e) => e.name === item);
  if (hit) return hit.isDirectory ? 'directory' : 'file';
  if (ctx.listDirectory(`${trashDir}/expunged`)?.some((e) => e.name === item)) return 'expunged';
  return files ? 'missing' : 'unknown';
}

export function detectTrashInfo(result: ArtifactResult, ctx: DetectContext): Candidate[] {
  const record = result.records[0];
  if (!record) return [];
  const originalPath = String(record.originalPath);
  const hits: Hit[] = deletedPathHits(originalPath, 'trash');
  const layout = trashLayout(ctx.relPath);
  const status = layout ? itemStatus(ctx, layout.trashDir, layout.item) : 'unknown';
  if (status === 'missing' || status === 'expunged') {
    hits.push({ rule: 'trash-data-missing', message: `files/${layout!.item} is ${status}: purged after being trashed` });
  }
  if (hits.length === 0) return [];
  return [
    {
      kind: 'trash',
      path: ctx.relPath,
      hits,
      times: ctx.times,
      originalPath,
      // Local time of an unknown zone: kept as written; no timeline event (it needs UTC).
      deletedAt: (record.deletedAt as string | null) ?? null,
      user: (record.user as string | null) ?? null,
      details: { timezone: UNKNOWN_LOCAL_ZONE, dataFile: record.dataFile, dataFileStatus: status },
      names: [{ path: originalPath, role: 'original' }],
    },
  ];
}

/** macOS `Users/<u>/.Trash/...` and volume `.Trashes/<uid>/...`: no metadata, so the file itself is the evidence. */
const MACOS_TRASH = /(^|\/)(Users\/[^/]+\/\.Trash|\.Trashes\/\d+)\//;

export const macosTrashParser: ArtifactParser = {
  id: 'macos-trash',
  dataSources: ['DS0022'],
  // Reads no bytes (name and place only): nothing to fuzz (test/fuzz/parsers.test.ts FUZZ_UNSEEDED).
  fuzzSeeds: [],
  description: 'macOS Trash item (~/.Trash, /.Trashes/<uid>): no metadata, flagged by name and content type',
  // Both places of MACOS_TRASH contain '.Trash' ('.Trashes' too).
  claims: { pathHints: ['.Trash'] },
  matches: (ctx: ArtifactContext) => MACOS_TRASH.test(ctx.relPath),
  async parse(_src, ctx): Promise<ArtifactResult> {
    const record = { type: 'trash-entry', originalPath: null, deletedAt: null, trashPath: ctx.relPath, size: ctx.size, user: userFromPath(ctx.relPath) };
    return { parser: 'macos-trash', records: [record], warnings: [], corrupted: false };
  },
  detect(result: ArtifactResult, ctx: DetectContext): Candidate[] {
    const hits: Hit[] = [];
    if (isVolumeName(ctx.name)) hits.push({ rule: 'trash-multipart-archive', message: `archive volume in the macOS Trash: ${ctx.name}` });
    if (isArchiveName(ctx.name) || isEncryptedName(ctx.name) || isArchiveFormat(ctx.format)) {
      hits.push({ rule: 'trash-deleted-archive', message: `archive or encrypted file in the macOS Trash: ${ctx.name} (${ctx.format ?? 'by name'})` });
    }
    if (hits.length === 0) return [];
    return [{ kind: 'trash', path: ctx.relPath, hits, size: ctx.size, format: ctx.format, times: ctx.times, user: (result.records[0]?.user as string | null) ?? null }];
  },
};

export const parsers: readonly ArtifactParser[] = [trashInfoParser, macosTrashParser];
