/**
 * `appcompatcache` parser: the ShimCache entries of a SYSTEM hive as `shimcache-entry` records
 * (AppCompatCacheParser's columns). Reached with `stagehunt parse --parser appcompatcache SYSTEM`:
 * it claims no file by itself, because the regf parser already reads every SYSTEM hive in a scan and
 * its registry detectors judge these entries (src/artifacts/execution/registry.ts); a second parse
 * of a large hive would double the cost.
 */
import type { ArtifactParser, ArtifactRecord, ArtifactResult } from '../types.js';

/** One ShimCache entry of one control set (docs/output.md, "parse records"). */
export interface ShimCacheRecord extends ArtifactRecord {
  type: 'shimcache-entry';
  controlSet: string;
  format: string | null;
  position: number;
  path: string;
  lastModified: string | null;
  executed: boolean | null;
}

interface ShimCacheFacts {
  controlSets: number;
  entries: number;
}
import { parseRegf } from '../regf/parse.js';
import { HiveView } from '../registry/view.js';
import { collectShimCache } from '../execution/registry.js';

export const appCompatCacheParser: ArtifactParser<ShimCacheRecord, ShimCacheFacts> = {
  id: 'appcompatcache',
  description: 'AppCompatCache / ShimCache of a SYSTEM hive (Windows 7 x86/x64, 8, 8.1, 10, 11): path, file modified time, position (with --parser)',
  dataSources: ['DS0024'],
  fuzzSeeds: [],
  claims: {},
  matches: () => false,
  async parse(src, ctx): Promise<ArtifactResult<ShimCacheRecord, ShimCacheFacts> | null> {
    const hive = await parseRegf(src, ctx);
    if (!hive) return null;
    const sets = collectShimCache(new HiveView(hive.records));
    if (sets.length === 0) return null;
    const warnings = [...hive.warnings];
    const records: ShimCacheRecord[] = sets.flatMap(({ node, format, entries, warnings: w }) => {
      for (const x of w) warnings.push(`${node.key}: ${x}`);
      const controlSet = node.key.slice(0, node.key.indexOf('\\'));
      return entries.map((e) => ({ type: 'shimcache-entry' as const, controlSet, format, position: e.position, path: e.path, lastModified: e.lastModified, executed: e.executed }));
    });
    return { parser: 'appcompatcache', records, warnings, corrupted: hive.corrupted, facts: { controlSets: sets.length, entries: records.length } };
  },
};

export const parsers: readonly ArtifactParser[] = [appCompatCacheParser];
