/**
 * The registry detectors over parsed hive records (offline or live): staged blobs in values,
 * archiver history, archiver execution (UserAssist, BAM/DAM), hive copies outside their home,
 * and the Explorer lists of what a user typed (RunMRU, TypedPaths, WordWheelQuery).
 */
import { LIMITS } from '../../util/limits.js';
import type { ArtifactResult, DetectContext } from '../types.js';
import type { RegistryRecord } from '../regf/walk.js';
import type { LogReading, ReplayFacts } from '../regf/logs.js';
import type { Candidate } from '../../rules/types.js';
import { detectArchiverHistory } from './archivers.js';
import { detectExecution } from './execution.js';
import { detectAmcache, detectShimCache } from '../execution/registry.js';
import { detectHiveCopy } from './hive-copy.js';
import { detectShellBags } from '../shellbags/collect.js';
import { detectComDlg32 } from '../comdlg32/collect.js';
import { detectRunMru } from './run-mru.js';
import { detectTypedPaths } from './typed-paths.js';
import { detectWordWheelQuery } from './word-wheel-query.js';
import { sidMaps, type SidMaps } from './sids.js';
import { passOver, type HivePass } from './hive-pass.js';
import { softwareHiveFacts, systemHiveFacts } from './system-info.js';
import type { SystemFacts } from '../../model/system.js';

export interface RegistryDetectOptions {
  /** relPath of the hive file, or live:<hive> for the live registry. */
  hivePath: string;
  /** The user the hive belongs to (NTUSER.DAT owner), when known. */
  user?: string | null;
  /** SID -> name from SAM / ProfileList elsewhere in the scan. */
  sidNames?: Record<string, string>;
}

/** Runs every registry detector over one hive's records (the live registry, a held parse). */
export function runRegistryDetectors(records: Iterable<RegistryRecord>, opts: RegistryDetectOptions): Candidate[] {
  return detectOverPass(passOver(records), opts);
}

/** Runs every registry detector over one pass of a hive (hive-pass.ts): the kept subtrees and the staged values seen. */
export function detectOverPass(pass: HivePass, opts: RegistryDetectOptions): Candidate[] {
  const view = pass.view;
  const user = opts.user ?? null;
  const own = pass.hasSidSources ? sidMaps(view).sidNames : {};
  const sidNames = { ...own, ...(opts.sidNames ?? {}) };
  const out = [
    ...detectArchiverHistory(view, opts.hivePath, user),
    ...detectExecution(view, opts.hivePath, user, sidNames),
    ...pass.staged.candidates(opts.hivePath, user),
    // execution artifacts (issue 15): Amcache entries and AppCompatCache (ShimCache)
    ...detectAmcache(view, opts.hivePath),
    ...detectShimCache(view, opts.hivePath),
    ...detectShellBags(view, opts.hivePath, user), // access artifacts (issue 15 part B)
    ...detectComDlg32(view, opts.hivePath, user),
    ...detectRunMru(view, opts.hivePath, user),
    ...detectTypedPaths(view, opts.hivePath, user),
    ...detectWordWheelQuery(view, opts.hivePath, user),
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
  /** The logs applied to a dirty hive (its keys and values are read with them: regf/logs.ts); absent when none were. */
  replayed?: ReplayFacts;
  /** A dirty hive whose logs were read but held nothing to apply: each log and why. */
  logsNotApplied?: LogReading[];
  /** What a SYSTEM or SOFTWARE hive says of the machine (system-info.ts); absent for other hives. */
  system?: SystemFacts;
}

export type HiveResult = ArtifactResult<RegistryRecord, HiveFacts>;

export function detectRegistry(result: HiveResult, ctx: DetectContext): Candidate[] {
  return detectHive(result.facts, ctx, (opts) => runRegistryDetectors(result.records, opts));
}

/** The hive-copy check and the registry detectors, over held records or a streamed pass (`run`). */
export function detectHive(facts: HiveFacts | undefined, ctx: DetectContext, run: (opts: RegistryDetectOptions) => Candidate[]): Candidate[] {
  const copies = detectHiveCopy(ctx, facts?.embeddedName ?? null, facts?.rootKeyName ?? null, facts?.isLog === true);
  const found = run({ hivePath: ctx.relPath, user: hiveOwner(ctx.relPath), sidNames: facts?.sidNames ?? {} });
  return [...copies, ...found];
}

/** The machine facts of a SYSTEM or SOFTWARE hive's pass, or undefined when it holds none. */
export function hiveSystemFacts(pass: HivePass): SystemFacts | undefined {
  const facts = { ...systemHiveFacts(pass.view), ...softwareHiveFacts(pass.view) };
  return Object.keys(facts).length > 0 ? facts : undefined;
}

/**
 * A hive's facts as a finding shows them (`details.regf`): without SOFTWARE's Dynamic DST of every
 * zone, which only the machine's own zone needs (pipeline/system-facts.ts settleZoneYears).
 */
export function hiveFactsShown(facts: HiveFacts): HiveFacts {
  if (!facts.system?.zoneYears) return facts;
  const { zoneYears: _all, ...system } = facts.system;
  return { ...facts, system };
}

/** SID/RID maps for a hive's summary (empty maps when the hive is neither SAM nor SOFTWARE). */
export function hiveSidMaps(pass: HivePass): SidMaps {
  return pass.hasSidSources ? sidMaps(pass.view) : { sidNames: {}, ridNames: {} };
}
