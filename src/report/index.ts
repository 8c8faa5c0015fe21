/** Writers are pure functions from a report to text, kept in one map (after knip's reporters). */
import type { ScanReport } from '../model/report.js';
import { toCsv } from './csv.js';
import { jsonChunks, jsonlChunks } from './json.js';
import type { Style } from './style.js';
import { toTable } from './table.js';
import { toBodyfile } from './bodyfile.js';
import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';
import { toTimesketchCsv, toTimesketchJsonl } from './timesketch.js';
import { redactionNotice, redactReport } from './redact.js';

/** Text, or chunks of it for formats whose output grows with the findings (written as they come). */
export type WriterOutput = string | Iterable<string>;
export type Writer = (report: ScanReport, style: Style) => WriterOutput;

export const WRITERS: Record<string, Writer> = {
  table: (r, s) => redactedTable(r, s),
  json: (r) => jsonChunks(r),
  jsonl: (r) => jsonlChunks(r),
  csv: (r) => toCsv(r),
  html: (r, s) => toHtml(r, s),
  md: (r, s) => toMarkdown(r, s),
  bodyfile: (r) => toBodyfile(r),
  timesketch: (r) => toTimesketchJsonl(r),
  'timesketch-csv': (r) => toTimesketchCsv(r),
};

/** The table of a redacted copy (--redact), with the notice of what was hidden and where. */
function redactedTable(report: ScanReport, style: Style): string {
  if (!style.redact) return toTable(report, style);
  const r = redactReport(report);
  return `${toTable(r.report, style)}\n${redactionNotice(r.notes)}\n`;
}

export const SCAN_FORMATS = Object.keys(WRITERS);

/** A writer's whole output as one string (for small outputs and tests; the CLI writes chunks). */
export function render(format: string, report: ScanReport, style: Style): string {
  const out = WRITERS[format]!(report, style);
  return typeof out === 'string' ? out : [...out].join('');
}
