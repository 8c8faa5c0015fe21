/**
 * Options of the human report formats shared by `scan` and `report` (issue 16 B): --timezone,
 * --redact, --case, --examiner. A zone Intl does not know is a usage error (exit 2).
 */
import type { Argv } from 'yargs';
import type { CaseInfo } from '../model/report.js';
import { isTimeZone } from '../util/zone.js';
import { escapeControls } from '../util/text.js';
import { UsageError } from './errors.js';

export interface ReportOptionArgs {
  timezone?: string;
  redact?: boolean;
  case?: string;
  examiner?: string;
}

/** Longest --case / --examiner text kept (they go into every report header). */
const MAX_CASE_TEXT = 200;

export function reportOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('timezone', { type: 'string', describe: 'show times in this IANA zone (e.g. Europe/Berlin) in table, HTML and Markdown; JSON stays UTC' })
    .option('redact', { type: 'boolean', default: false, describe: 'hide passwords and secrets found in commands in table, HTML and Markdown (JSON keeps them)' })
    .option('case', { type: 'string', describe: 'case name or number for the report header (recorded in meta.case)' })
    .option('examiner', { type: 'string', describe: 'examiner name for the report header (recorded in meta.case)' });
}

/** The zone, checked: exit 2 with one line for a name Intl does not know. */
export function checkedTimeZone(zone: string | undefined): string | undefined {
  if (zone === undefined) return undefined;
  if (!isTimeZone(zone)) throw new UsageError(`--timezone '${escapeControls(zone).slice(0, 80)}': not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`);
  return zone;
}

/** --case / --examiner as recorded in meta, or undefined when neither is given. */
export function caseInfoOf(args: ReportOptionArgs): CaseInfo | undefined {
  if (args.case === undefined && args.examiner === undefined) return undefined;
  const clip = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s.slice(0, MAX_CASE_TEXT));
  return { id: clip(args.case), examiner: clip(args.examiner) };
}
