/**
 * Execution evidence inside hives: Amcache file entries and AppCompatCache (ShimCache) entries,
 * judged like a Prefetch run (./detect.ts). Run by the registry detectors, so each hive is parsed
 * once and ShimCache is read on the live registry too. Findings point at the key (and value).
 */
import type { Candidate } from '../../rules/types.js';
import { collectAmcache, isAmcache, type AmcacheFile } from '../amcache/collect.js';
import { parseShimCache, type ShimCacheEntry } from '../appcompatcache/parse.js';
import { registryCandidate } from '../registry/candidate.js';
import { stripDevicePrefix } from '../registry/locations.js';
import { controlSets, valueBytes, valueNamed, type HiveView, type KeyNode } from '../registry/view.js';
import { executionEvents, executionHits, executionNames, type ProgramRun } from './detect.js';
import { archiverOfOriginalName } from './tools.js';

export const SHIMCACHE_KEY = 'Control\\Session Manager\\AppCompatCache';
export const SHIMCACHE_VALUE = 'AppCompatCache';

function amcacheRun(e: AmcacheFile): ProgramRun {
  return {
    source: 'Amcache',
    program: e.fullPath ?? e.name ?? e.key,
    pathKnown: e.fullPath !== null && /^[a-z]:\\/i.test(e.fullPath),
    runTimes: e.keyLastWritten ? [e.keyLastWritten] : [],
    runCount: null,
    renamedFrom: archiverOfOriginalName(e.originalFileName, e.name),
    touched: [],
  };
}

export function detectAmcache(view: HiveView, hivePath: string): Candidate[] {
  if (!isAmcache(view)) return [];
  const out: Candidate[] = [];
  for (const e of collectAmcache(view)) {
    const run = amcacheRun(e);
    const hits = executionHits(run);
    if (hits.length === 0) continue;
    const node: KeyNode = { key: e.key, lastWritten: e.keyLastWritten, values: [] };
    out.push({
      ...registryCandidate({ hivePath, node, hits, names: executionNames(run), events: executionEvents(run), details: { source: 'Amcache', program: run.program, executable: e.name, sha1: e.sha1, productName: e.productName, originalFileName: e.originalFileName, lastRun: e.keyLastWritten, runTimes: run.runTimes } }),
      kind: 'execution',
    });
  }
  return out;
}

/** The ShimCache entries of every control set, with where they were read. */
export function collectShimCache(view: HiveView): Array<{ node: KeyNode; format: string | null; entries: ShimCacheEntry[]; warnings: string[] }> {
  const out = [];
  for (const cs of controlSets(view)) {
    const node = view.get(`${cs}\\${SHIMCACHE_KEY}`);
    const value = valueNamed(node, SHIMCACHE_VALUE);
    if (!node || !value) continue;
    const parsed = parseShimCache(valueBytes(value));
    out.push({ node, format: parsed.format, entries: parsed.entries, warnings: parsed.warnings });
  }
  return out;
}

/** Tool entries described per ShimCache value, at most. */
const MAX_SHIM_DETAILS = 50;

/**
 * One candidate per AppCompatCache value (the locator is the value; its entries have no key of
 * their own), with the hits of every archiver or staging-tool entry in it.
 */
export function detectShimCache(view: HiveView, hivePath: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { node, format, entries } of collectShimCache(view)) {
    const hits = [];
    const names = [];
    const tools = [];
    for (const e of entries) {
      const program = stripDevicePrefix(e.path.replace(/^\\\?\?\\/, ''));
      // The entry's time is the file's modification time, not a run: kept in details, not as a run row.
      const run: ProgramRun = { source: 'AppCompatCache', program, pathKnown: /^[a-z]:\\/i.test(program), runTimes: [], runCount: null, renamedFrom: null, touched: [] };
      const entryHits = executionHits(run);
      if (entryHits.length === 0) continue;
      for (const h of entryHits) hits.push({ ...h, message: `${h.message} (entry ${e.position})` });
      for (const n of executionNames(run)) names.push(n);
      if (tools.length < MAX_SHIM_DETAILS) tools.push({ position: e.position, program, fileLastModified: e.lastModified, executed: e.executed });
    }
    if (hits.length === 0) continue;
    out.push({
      ...registryCandidate({ hivePath, node, value: SHIMCACHE_VALUE, hits, names, details: { source: 'AppCompatCache', format, entries: entries.length, tools } }),
      kind: 'execution',
    });
  }
  return out;
}
