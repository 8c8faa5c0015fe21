/**
 * What the HTML and Markdown reports put in front (the case header) and at the back (the
 * chain-of-custody options as readable lines), and the episode steps with the time of each command
 * where the evidence records one. Raw text: each writer escapes for its own syntax.
 */
import type { Finding } from '../model/finding.js';
import type { Episode, EpisodeStep, ScanReport } from '../model/report.js';
import { parseTime } from '../timeline/evidence.js';
import { showTime, zoneLabel } from './time-zone.js';
import { zoneText } from '../artifacts/registry/system-info.js';

export interface HeaderRow {
  label: string;
  /** Lines of raw text; a writer joins them with its own line break. */
  lines: string[];
}

function hashesOf(r: ScanReport['meta']['roots'][number]): string[] {
  const img = r.image;
  if (!img) return [];
  const stored = [img.storedMd5 ? `MD5 ${img.storedMd5}` : '', img.storedSha1 ? `SHA-1 ${img.storedSha1}` : ''].filter(Boolean);
  return [`${img.file}: ${img.format}${img.mediaSize !== null ? `, ${img.mediaSize} bytes of media` : ''}; acquisition hash ${stored.length ? `stored in the image: ${stored.join(', ')} (not re-verified by the scan: stagehunt image --verify)` : 'not stored in this format'}`];
}

/**
 * What a root's own registry says of the machine, on one line: name, Windows version, time zone,
 * installation and last shutdown ("WS01.contoso.local · Windows 10 Pro 22H2, build 19045.5247 · W.
 * Europe Standard Time (UTC+01:00, daylight time by its rules) · last shutdown 2025-02-20 04:10 UTC"); null without facts.
 */
export function machineLine(r: ScanReport['meta']['roots'][number], zone?: string): string | null {
  const s = r.system;
  if (!s) return null;
  const name = s.hostname ?? s.computerName;
  const parts: string[] = [];
  if (name) parts.push(`${name}${s.domain ? `.${s.domain}` : ''}`);
  if (s.productName) {
    // Windows 11 kept ProductName "Windows 10 ..."; its builds are 22000 and later.
    const eleven = Number(s.build?.split('.')[0]) >= 22000 && /^Windows 10\b/.test(s.productName);
    const product = eleven ? s.productName.replace(/^Windows 10/, 'Windows 11') : s.productName;
    parts.push(`${product}${s.displayVersion ? ` ${s.displayVersion}` : ''}${s.build ? `, build ${s.build}` : ''}`);
  }
  if (s.timeZone) parts.push(zoneText(s.timeZone));
  if (s.ianaTimeZone) parts.push(`${s.ianaTimeZone.name} (${s.ianaTimeZone.source})`);
  if (s.installed) parts.push(`installed ${showTime(s.installed, zone).slice(0, 10)}`);
  if (s.lastShutdown) parts.push(`last shutdown ${showTime(s.lastShutdown, zone)}`);
  return parts.length ? parts.join(' · ') : null;
}

/** Case, examiner, evidence, hosts, evidence hashes, scan time and the zone times are shown in. */
export function caseHeader(report: ScanReport, zone?: string): HeaderRow[] {
  const m = report.meta;
  const images = new Map<string, string[]>();
  for (const r of m.roots) if (r.image && !images.has(r.image.file)) images.set(r.image.file, hashesOf(r));
  const hashed = (m.hashes ?? []).filter((h) => h.status === 'hashed');
  const algorithms = [...new Set(hashed.flatMap((h) => Object.keys(h.hashes)))];
  return [
    { label: 'Case', lines: [m.case?.id ?? 'not given (--case)'] },
    { label: 'Examiner', lines: [m.case?.examiner ?? 'not given (--examiner)'] },
    { label: 'Evidence', lines: m.roots.map((r) => `${r.path}${r.image && r.image.file !== r.path ? ` in ${r.image.file}` : ''} (${r.os}; ${r.filesScanned} files read)`) },
    { label: 'Host', lines: [...new Set(m.roots.map((r) => r.label))] },
    ...machineRows(m.roots, zone),
    {
      label: 'Evidence hashes',
      lines: [
        ...[...images.values()].flat(),
        hashed.length ? `${hashed.length} files behind findings hashed (${algorithms.join(', ')}): listed in the findings appendix and the chain of custody` : 'files behind findings not hashed (--hash none, or a scan saved by an older version)',
      ],
    },
    { label: 'Scan', lines: [`${showTime(m.startedAt, zone)} to ${showTime(m.finishedAt, zone)} by ${m.tool} ${m.version} (node ${m.node})`] },
    { label: 'Times shown in', lines: [zone && zone !== 'UTC' ? `${zoneLabel(zone)} (--timezone; the JSON output keeps UTC)` : 'UTC'] },
  ];
}

/** The Machine row, when a root's registry says what the machine is (the SYSTEM and SOFTWARE hives). */
function machineRows(roots: ScanReport['meta']['roots'], zone?: string): HeaderRow[] {
  const lines = roots.flatMap((r) => {
    const line = machineLine(r, zone);
    return line ? [roots.length > 1 ? `${r.label}: ${line}` : line] : [];
  });
  return lines.length ? [{ label: 'Machine', lines }] : [];
}

function optionValue(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.length ? v.map((x) => optionValue(x)).join(', ') : 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} ${optionValue(x)}`).join(', ');
  return String(v);
}

/** `minLevel` -> "min level": option names as a person reads them. */
function optionName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The scan's options as "name: value" lines, in the order the scan recorded them. */
export function optionLines(options: Record<string, unknown>): string[] {
  return Object.entries(options).map(([k, v]) => `${optionName(k)}: ${optionValue(v)}`);
}

/** A step with the time it shows: its own, or the command's time the evidence records (history with timestamps, event logs). */
export interface TimedStep extends EpisodeStep {
  /** ISO time shown for the step, or null when the evidence records none. */
  shownTime: string | null;
  /** Where the time comes from when the step has none of its own. */
  timeSource: 'step' | 'command' | null;
}

function commandTime(ids: readonly string[], byId: ReadonlyMap<string, Finding>): string | null {
  for (const id of ids) {
    const f = byId.get(id);
    const t = f?.details?.time;
    if (typeof t === 'string' && parseTime(t) !== null) return t;
    if (f?.kind === 'event' && f.times.modified) return f.times.modified;
  }
  return null;
}

/**
 * Steps in time order: timed steps by time; a step without a time (a history line without a
 * timestamp) stays right after the step it follows in the story (the episode builder places it by
 * the file it names), so the sort never separates a command from its result.
 */
export function timedSteps(e: Episode, byId: ReadonlyMap<string, Finding>): TimedStep[] {
  let carry = -Infinity;
  const keyed = e.steps.map((s, i) => {
    const own = s.time;
    const cmd = own ? null : commandTime(s.findingIds, byId);
    const shown = own ?? cmd;
    const ms = parseTime(shown);
    if (ms !== null) carry = ms;
    return { step: { ...s, shownTime: shown, timeSource: own ? 'step' : cmd ? 'command' : null } as TimedStep, key: ms ?? carry, i };
  });
  keyed.sort((a, b) => a.key - b.key || a.i - b.i);
  return keyed.map((k) => k.step);
}
