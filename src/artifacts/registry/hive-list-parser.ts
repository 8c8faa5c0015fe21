/**
 * A parser for `stagehunt parse --parser <id> <hive>` that reads one list of a hive (ShellBags,
 * ComDlg32): the hive through the regf parser, then the list's collector over a HiveView. In a
 * scan such a parser claims no file: the regf parser reads the hive once and the registry
 * detectors (index.ts) run the same collectors over the keys they keep.
 */
import type { ArtifactParser, ArtifactRecord } from '../types.js';
import { parseRegf } from '../regf/parse.js';
import { HiveView } from './view.js';

export function hiveListParser<R extends ArtifactRecord, Format extends string>(
  id: Format,
  description: string,
  collect: (view: HiveView) => { records: R[]; warnings: string[] },
): ArtifactParser<R, { format: Format; entries: number }> {
  return {
    id,
    description,
    dataSources: ['DS0024'],
    fuzzSeeds: [],
    claims: {},
    matches: () => false,
    async parse(src, ctx) {
      const hive = await parseRegf(src, ctx);
      if (!hive) return null;
      const walk = collect(new HiveView(hive.records));
      return {
        parser: id,
        records: walk.records,
        warnings: [...hive.warnings, ...walk.warnings],
        corrupted: hive.corrupted,
        facts: { format: id, entries: walk.records.length },
      };
    },
  };
}
