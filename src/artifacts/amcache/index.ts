/**
 * `amcache` parser: Amcache.hve as AmcacheParser-like `amcache-file` records (the hive read by the
 * project's regf parser). It claims files named Amcache.hve so `stagehunt parse Amcache.hve` prints
 * these records; in a scan the regf parser reads the same hive too and its registry detectors judge
 * the entries (src/artifacts/execution/registry.ts), so this parser has no detector of its own. Both
 * take the hive from parseHiveOnce (or, in a scan, scanHiveOnce): one walk per inspection.
 */
import type { ArtifactContext, ArtifactParser, ArtifactResult } from '../types.js';
import { hasRegfMagic } from '../regf/layout.js';
import { parseHiveOnce } from '../registry/hive-once.js';
import { scanHiveOnce } from '../regf/parse.js';
import { HiveView } from '../registry/view.js';
import { collectAmcache, isAmcache, type AmcacheFile } from './collect.js';

export const amcacheParser: ArtifactParser<AmcacheFile, { entries: number }> = {
  id: 'amcache',
  description: 'Amcache.hve: executables with path, SHA-1, product, publisher, key time (InventoryApplicationFile and Root\\File)',
  dataSources: ['DS0024'],
  fuzzSeeds: ['regf'],
  // Collections rename copies (win10-Amcache.hve, HOST_Amcache.hve): the name ends in Amcache.hve.
  claims: { nameSuffixes: ['amcache.hve'] },
  matches: (ctx: ArtifactContext) => /amcache\.hve$/i.test(ctx.name) && hasRegfMagic(ctx.head),
  async parse(src, ctx): Promise<ArtifactResult<AmcacheFile, { entries: number }> | null> {
    const hive = await parseHiveOnce(src, ctx);
    if (!hive) return null;
    const view = new HiveView(hive.records);
    if (!isAmcache(view)) return null;
    const warnings = [...hive.warnings];
    const records = collectAmcache(view, warnings);
    return { parser: 'amcache', records, warnings, corrupted: hive.corrupted, facts: { entries: records.length } };
  },
  // A scan: the regf parser's streamed pass over the same hive (it keeps the Amcache keys), no second walk.
  async scan(src, ctx) {
    const hive = await scanHiveOnce(src, ctx);
    if (!hive || !isAmcache(hive.pass.view)) return null;
    const warnings = [...hive.result.warnings];
    const entries = collectAmcache(hive.pass.view, warnings).length;
    return { result: { parser: 'amcache', records: [], warnings, corrupted: hive.result.corrupted, facts: { entries } }, candidates: [] };
  },
};

export const parsers: readonly ArtifactParser[] = [amcacheParser];
