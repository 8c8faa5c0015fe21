/** Writers are pure functions from a report to text, kept in one map (after knip's reporters). */
import type { ScanReport } from '../model/report.js';
import { toCsv } from './csv.js';
import { toJson, toJsonl } from './json.js';
import type { Style } from './style.js';
import { toTable } from './table.js';
import { toBodyfile } from './bodyfile.js';
import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';
import { toTimesketchCsv, toTimesketchJsonl } from './timesketch.js';

export type Writer = (report: ScanReport, style: Style) => string;

export const WRITERS: Record<string, Writer> = {
  table: (r, s) => toTable(r, s),
  json: (r) => toJson(r),
  jsonl: (r) => toJsonl(r),
  csv: (r) => toCsv(r),
  html: (r) => toHtml(r),
  md: (r) => toMarkdown(r),
  bodyfile: (r) => toBodyfile(r),
  timesketch: (r) => toTimesketchJsonl(r),
  'timesketch-csv': (r) => toTimesketchCsv(r),
};

export const SCAN_FORMATS = Object.keys(WRITERS);
