/**
 * `stagehunt parse --parser <id> NTUSER.DAT` for the Explorer lists of what a user typed, as
 * RegRipper's plugins of the same names list them: `runmru` (the Run dialog's commands,
 * `runmru-command`), `typedpaths` (Explorer's address bar, `typed-path`), `wordwheelquery` (Explorer's
 * search box, `wordwheelquery-search`), most recent first. In a scan the registry detectors read the
 * same lists from the hive the regf parser read (index.ts).
 */
import type { ArtifactParser } from '../types.js';
import { hiveListParser } from './hive-list-parser.js';
import { collectRunMru } from './run-mru.js';
import { collectTypedPaths, TYPED_PATHS_KEY } from './typed-paths.js';
import { collectWordWheelQuery } from './word-wheel-query.js';

const runMruParser = hiveListParser(
  'runmru',
  'RunMRU (NTUSER.DAT): commands typed into the Run dialog, most recent first; only with --parser runmru (a scan reads them through regf)',
  (view) => {
    const { entries, keyLastWritten } = collectRunMru(view);
    return { records: entries.map((e) => ({ type: 'runmru-command', value: e.value, command: e.command, mruPosition: e.mruPosition, keyLastWritten })), warnings: [] };
  },
);

const typedPathsParser = hiveListParser(
  'typedpaths',
  "TypedPaths (NTUSER.DAT): paths typed into Explorer's address bar, url1 the most recent; only with --parser typedpaths (a scan reads them through regf)",
  (view) => {
    const keyLastWritten = view.get(TYPED_PATHS_KEY)?.lastWritten ?? null;
    return { records: collectTypedPaths(view).map((t) => ({ type: 'typed-path', value: t.value, path: t.path, position: t.position, keyLastWritten })), warnings: [] };
  },
);

const wordWheelQueryParser = hiveListParser(
  'wordwheelquery',
  "WordWheelQuery (NTUSER.DAT): searches typed into Explorer's search box, most recent first; only with --parser wordwheelquery (a scan reads them through regf)",
  (view) => {
    const { terms, keyLastWritten } = collectWordWheelQuery(view);
    return { records: terms.map((t) => ({ type: 'wordwheelquery-search', value: t.value, term: t.term, mruPosition: t.mruPosition, keyLastWritten })), warnings: [] };
  },
);

export const parsers: readonly ArtifactParser[] = [runMruParser, typedPathsParser, wordWheelQueryParser];
