/**
 * Timesketch import (https://timesketch.org/guides/user/import-from-json-csv/): one event per
 * timeline row with the required `message`, `datetime` (ISO 8601), `timestamp_desc`, plus
 * `timestamp` (microseconds), `data_type` (stagehunt:finding:<kind>) and the finding's fields.
 * Field names are a contract (docs/output.md). Text is neutralised as in CSV: controls escaped,
 * formula triggers quoted, long strings cut, because analysts export Timesketch views to sheets.
 */
import type { Finding } from '../model/finding.js';
import type { ScanReport, TimelineRow } from '../model/report.js';
import { parseTime } from '../timeline/evidence.js';
import { csvCell, escapeControls } from '../util/text.js';
import { isoFromMs } from '../util/filetime.js';
import { PLACE_COLUMNS } from './csv-columns.js';

const MAX_FIELD = 2048;

// The locator fields (and deleted_at, file_id) come from the kinds table, between the file and the user.
export const TIMESKETCH_FIELDS: readonly string[] = [
  'message', 'datetime', 'timestamp', 'timestamp_desc', 'data_type', 'event_type', 'finding_id', 'episode_id', 'level', 'score', 'kind',
  'root', 'path', ...PLACE_COLUMNS.map((c) => c.timesketch), 'user', 'hotspot', 'format', 'size', 'entropy',
  'attack', 'rules', 'reasons', 'sha256', 'known',
];

type Cell = string | number | boolean | null;
type Row = Record<string, Cell>;

const MACB_DESC: Record<string, string> = { m: 'Content Modification Time', a: 'Last Access Time', c: 'Metadata Modification Time', b: 'Creation Time' };
const EVENT_DESC: Record<string, string> = {
  deleted: 'Deletion Time', command: 'Command Time', executed: 'Last Execution Time', searched: 'Last Search Time', 'key-last-written': 'Key Last Written Time',
  'archive-entry-modified': 'Archive Entry Modification Time', 'burst-start': 'Burst Start Time', 'burst-end': 'Burst End Time',
};

export function timestampDesc(type: string): string {
  if (/^[.m][.a][.c][.b]$/.test(type)) return [...type].filter((c) => c !== '.').map((c) => MACB_DESC[c]).join('; ');
  return EVENT_DESC[type] ?? `${type} time`;
}

/** Neutralised text: controls escaped, a leading formula trigger quoted, length bounded. */
export function safeField(text: string): string {
  let s = escapeControls(text);
  if (s.length > MAX_FIELD) s = `${s.slice(0, MAX_FIELD - 1)}…`;
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function opt(v: string | null | undefined): string | null {
  return v === undefined || v === null ? null : safeField(v);
}

/** A place column's value: text neutralised, numbers as they are, absent as null. */
function placeCell(v: string | number | null | undefined): Cell {
  return typeof v === 'string' ? safeField(v) : (v ?? null);
}

function row(r: TimelineRow, f: Finding | undefined, episodeOf: Map<string, string>): Row | null {
  const ms = parseTime(r.time);
  if (ms === null) return null;
  const place: Row = {};
  for (const c of PLACE_COLUMNS) place[c.timesketch] = f ? placeCell(c.cell(f)) : null;
  // Built in TIMESKETCH_FIELDS order: JSON lines keep the field order of the header.
  return {
    message: safeField(r.description.startsWith(r.path) ? r.description : `${r.path}: ${r.description}`),
    datetime: isoFromMs(ms),
    timestamp: ms * 1000,
    timestamp_desc: timestampDesc(r.type),
    data_type: `stagehunt:finding:${f?.kind ?? 'file'}`,
    event_type: safeField(r.type),
    finding_id: r.findingId,
    episode_id: episodeOf.get(r.findingId) ?? null,
    level: r.level,
    score: r.score,
    kind: f?.kind ?? null,
    root: safeField(r.root),
    path: safeField(r.path),
    ...place,
    user: opt(f?.user),
    hotspot: f?.hotspot ?? null,
    format: opt(f?.format),
    size: f?.size ?? null,
    entropy: f?.entropy ?? null,
    attack: f ? f.attack.join(' ') : null,
    rules: f ? f.reasons.map((x) => x.rule).join(' ') : null,
    reasons: f ? safeField(f.reasons.map((x) => `${x.rule}(+${x.score}): ${x.message}`).join(' | ')) : null,
    sha256: f?.hashes?.sha256 ?? null,
    known: f?.known ?? false,
  };
}

function rows(report: ScanReport): Row[] {
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const episodeOf = new Map<string, string>();
  for (const e of report.episodes ?? []) for (const id of e.findingIds) if (!episodeOf.has(id)) episodeOf.set(id, e.id);
  const out: Row[] = [];
  for (const r of report.timeline) {
    const x = row(r, byId.get(r.findingId), episodeOf);
    if (x !== null) out.push(x);
  }
  return out;
}

export function toTimesketchJsonl(report: ScanReport): string {
  const out = rows(report).map((r) => JSON.stringify(r));
  return out.length ? `${out.join('\n')}\n` : '';
}

export function toTimesketchCsv(report: ScanReport): string {
  const lines = [TIMESKETCH_FIELDS.join(',')];
  for (const r of rows(report)) lines.push(TIMESKETCH_FIELDS.map((k) => csvCell(r[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
