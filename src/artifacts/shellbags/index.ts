/**
 * `stagehunt parse --parser shellbags NTUSER.DAT|UsrClass.dat`: the hive's BagMRU entries as
 * `shellbag` records. In a scan the regf parser reads the hive once and the registry detectors
 * (registry/index.ts) run detectShellBags over it, so this parser claims no file by itself.
 */
import type { ArtifactParser } from '../types.js';
import { parseRegf } from '../regf/parse.js';
import { HiveView } from '../registry/view.js';
import { collectShellBags, type ShellBagRecord } from './collect.js';

export const shellBagsParser: ArtifactParser<ShellBagRecord, { format: 'shellbags'; entries: number }> = {
  id: 'shellbags',
  description: 'ShellBags (BagMRU in NTUSER.DAT / UsrClass.dat): folders browsed, full paths, times; only with --parser shellbags (a scan reads them through regf)',
  dataSources: ['DS0024'],
  fuzzSeeds: [],
  claims: {},
  matches: () => false,
  async parse(src, ctx) {
    const hive = await parseRegf(src, ctx);
    if (!hive) return null;
    const walk = collectShellBags(new HiveView(hive.records));
    return {
      parser: 'shellbags',
      records: walk.records,
      warnings: [...hive.warnings, ...walk.warnings],
      corrupted: hive.corrupted,
      facts: { format: 'shellbags', entries: walk.records.length },
    };
  },
};

export const parsers: readonly ArtifactParser[] = [shellBagsParser];
