/** CSV (RFC 4180) of the findings, one row each; spreadsheet formulas neutralised (util/text.csvCell). */
import type { Finding } from '../model/finding.js';
import type { ScanReport } from '../model/report.js';
import { csvCell } from '../util/text.js';
import { PLACE_COLUMNS } from './csv-columns.js';

// The locator columns (and deletedAt, fileId) come from the kinds table, between the file and the user.
export const CSV_COLUMNS: readonly string[] = [
  'id', 'level', 'score', 'kind', 'root', 'path', ...PLACE_COLUMNS.map((c) => c.csv), 'user',
  'hotspot', 'format', 'size', 'entropy', 'modified', 'accessed', 'changed', 'born', 'attack', 'reasons',
];

function cells(f: Finding): unknown[] {
  return [
    f.id, f.level, f.score, f.kind, f.root, f.path, ...PLACE_COLUMNS.map((c) => c.cell(f)), f.user,
    f.hotspot, f.format, f.size, f.entropy, f.times.modified, f.times.accessed, f.times.changed, f.times.born,
    f.attack.join(' '), f.reasons.map((r) => `${r.rule}(+${r.score}): ${r.message}`).join(' | '),
  ];
}

export function toCsv(report: ScanReport): string {
  // Console (issue 16): a last `host` column only when a root was labelled, so unlabelled scans keep their columns.
  const withHost = report.findings.some((f) => f.host !== undefined);
  const lines = [[...CSV_COLUMNS, ...(withHost ? ['host'] : [])].join(',')];
  for (const f of report.findings) lines.push([...cells(f), ...(withHost ? [f.host] : [])].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
