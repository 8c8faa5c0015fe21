/**
 * `stagehunt parse --parser wordwheelquery NTUSER.DAT`: the searches typed into Explorer's search
 * box as `wordwheelquery-search` records, most recent first (RegRipper's wordwheelquery plugin lists
 * the same). In a scan the registry detectors run detectWordWheelQuery over the hive the regf parser read.
 */
import type { ArtifactParser } from '../types.js';
import { hiveListParser } from './hive-list-parser.js';
import { collectWordWheelQuery } from './word-wheel-query.js';

export const wordWheelQueryParser = hiveListParser(
  'wordwheelquery',
  "WordWheelQuery (NTUSER.DAT): searches typed into Explorer's search box, most recent first; only with --parser wordwheelquery (a scan reads them through regf)",
  (view) => {
    const { terms, keyLastWritten } = collectWordWheelQuery(view);
    return { records: terms.map((t) => ({ type: 'wordwheelquery-search', value: t.value, term: t.term, mruPosition: t.mruPosition, keyLastWritten })), warnings: [] };
  },
);

export const parsers: readonly ArtifactParser[] = [wordWheelQueryParser];
