/**
 * Sleuth Kit bodyfile 3.x (https://wiki.sleuthkit.org/index.php?title=Body_file):
 *   MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime
 * epoch seconds, 0 when unknown. One line per finding with its file times; each event a
 * detector named (deletion, command, key last written, ...) is an extra line carrying its
 * time in all four columns and its type in the name. Names are neutralised: controls escaped,
 * '|' (the field separator) written as \x7c.
 */
import type { Finding } from '../model/finding.js';
import type { ScanReport, TimelineRow } from '../model/report.js';
import { parseTime } from '../timeline/evidence.js';
import { escapeControls } from '../util/text.js';
import { locatorParts } from '../model/kinds.js';

/** Longest name written; mactime keeps lines in memory, and a hostile name can be huge. */
const MAX_NAME = 1024;
const MACB_TYPE = /^[.m][.a][.c][.b]$/;

function seconds(t: string | null | undefined): number {
  const ms = parseTime(t);
  return ms === null ? 0 : Math.floor(ms / 1000);
}

export function bodyfileName(text: string): string {
  const safe = escapeControls(text).replace(/\|/g, '\\x7c');
  return safe.length > MAX_NAME ? `${safe.slice(0, MAX_NAME - 1)}…` : safe;
}

/** The first locator only (a bodyfile name is one path). */
function locator(f: Finding): string {
  const first = locatorParts(f, 'bodyfile')[0];
  return first === undefined ? '' : ` :: ${first}`;
}

function mode(f: Finding): string {
  return f.kind === 'directory' ? 'd/d---------' : 'r/r---------';
}

function findingLine(f: Finding): string {
  const name = bodyfileName(`${f.root}/${f.path}${locator(f)} [stagehunt ${f.level} ${f.score}: ${f.reasons[0]?.message ?? f.kind}]`);
  const md5 = f.hashes?.md5 ?? '0';
  const t = f.times;
  return [md5, name, '0', mode(f), '0', '0', String(f.size ?? 0), seconds(t.accessed), seconds(t.modified), seconds(t.changed), seconds(t.born)].join('|');
}

function eventLine(r: TimelineRow, f: Finding | undefined): string {
  const s = seconds(r.time);
  const name = bodyfileName(`[${r.type}] ${r.root}/${r.path}${f ? locator(f) : ''} [stagehunt ${r.level} ${r.score}: ${r.description}]`);
  return ['0', name, '0', '-/----------', '0', '0', '0', s, s, s, s].join('|');
}

export function toBodyfile(report: ScanReport): string {
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const lines = report.findings.map(findingLine);
  for (const r of report.timeline) if (!MACB_TYPE.test(r.type)) lines.push(eventLine(r, byId.get(r.findingId)));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
