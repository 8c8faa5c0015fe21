/**
 * The registry detectors over parsed hive records (offline or live): staged blobs in values,
 * archiver history, archiver execution (UserAssist, BAM/DAM), hive copies outside their home.
 */
import { LIMITS } from '../../util/limits.js';
import type { ArtifactResult, DetectContext } from '../types.js';
import type { RegistryRecord } from '../regf/walk.js';
import type { Candidate } from '../../rules/types.js';
import { detectArchiverHistory } from './archivers.js';
import { detectExecution } from './execution.js';
import { detectHiveCopy } from './hive-copy.js';
import { detectStagedValues } from './staged.js';
import { sidMaps, type SidMaps } from './sids.js';
import { HiveView } from './view.js';

export interface RegistryDetectOptions {
  /** relPath of the hive file, or live:<hive> for the live registry. */
  hivePath: string;
  /** The user the hive belongs to (NTUSER.DAT owner), when known. */
  user?: string | null;
  /** SID -> name from SAM / ProfileList elsewhere in the scan. */
  sidNames?: Record<string, string>;
}

/** Runs every registry detector over one hive's records. */
export function runRegistryDetectors(records: readonly RegistryRecord[], opts: RegistryDetectOptions): Candidate[] {
  const view = new HiveView(records);
  const user = opts.user ?? null;
  const own = hasSidSources(records) ? sidMaps(view).sidNames : {};
  const sidNames = { ...own, ...(opts.sidNames ?? {}) };
  const out = [
    ...detectArchiverHistory(view, opts.hivePath, user),
    ...detectExecution(view, opts.hivePath, user, sidNames),
    ...detectStagedValues(view, opts.hivePath, user),
  ];
  return out.slice(0, LIMITS.maxFindingsPerArtifact);
}

/** Owner of a profile hive from its path: Users/<name>/NTUSER.DAT, Documents and Settings/<name>/... */
export function hiveOwner(relPath: string): string | null {
  const m = /(?:^|\/)(?:users|documents and settings)\/([^/]+)\//i.exec(relPath.replace(/\\/g, '/'));
  return m ? m[1]! : null;
}

/** A hive as a whole: its header, counts, transaction logs beside it, and the SID/RID names it holds (SAM, SOFTWARE). */
export interface HiveFacts extends SidMaps {
  format: 'regf';
  isLog: boolean;
  dirty: boolean;
  version: string | null;
  rootKeyName: string | null;
  embeddedName: string | null;
  keyCount: number;
  valueCount: number;
  transactionLogs: string[];
}

export type HiveResult = ArtifactResult<RegistryRecord, HiveFacts>;

export function detectRegistry(result: HiveResult, ctx: DetectContext): Candidate[] {
  const facts = result.facts;
  const copies = detectHiveCopy(ctx, facts?.embeddedName ?? null, facts?.rootKeyName ?? null, facts?.isLog === true);
  const found = runRegistryDetectors(result.records, {
    hivePath: ctx.relPath,
    user: hiveOwner(ctx.relPath),
    sidNames: facts?.sidNames ?? {},
  });
  return [...copies, ...found];
}

const SID_SOURCES = new Set(['sam\\domains\\account\\users\\names', 'microsoft\\windows nt\\currentversion\\profilelist']);

export function hasSidSources(records: readonly RegistryRecord[]): boolean {
  return records.some((r) => r.type === 'registry-key' && SID_SOURCES.has(r.key.toLowerCase()));
}

/** SID/RID maps for a hive's summary (empty maps when the hive is neither SAM nor SOFTWARE). */
export function hiveSidMaps(records: readonly RegistryRecord[]): SidMaps {
  return hasSidSources(records) ? sidMaps(new HiveView(records)) : { sidNames: {}, ridNames: {} };
}

