/**
 * Staging evidence in event logs (docs/eventlogs.md):
 *   - process command lines (Security 4688, Sysmon 1) and PowerShell script blocks (4104, parts
 *     joined by ScriptBlockId) go through the one staging-command matcher that reads shell
 *     histories (src/artifacts/history/staging-commands.ts), in time order, so a deletion can refer
 *     back to an archive an earlier event wrote;
 *   - Sysmon file events (11 create, 15 stream hash, 23/26 delete) naming archives or encrypted
 *     containers in staging places, volume sets, and bursts of creates into one folder;
 *   - an exported log lying in a hotspot (copied out of winevt/Logs).
 * Each event finding carries its locator (channel, record id, event id), process, user, command
 * and a timeline row; the paths it names go to correlate/.
 */
import type { Candidate, Hit, NamedPath } from '../../rules/types.js';
import type { DetectContext } from '../types.js';
import { matchHistory, type CommandMatch } from '../history/staging-commands.js';
import { isArchiveName, isEncryptedName, isVolumeName, stagingLocation } from '../history/paths.js';
import { volumeStem } from '../../correlate/paths.js';
import { eventLocatorText } from '../../model/kinds.js';
import { LIMITS } from '../../util/limits.js';
import { pushAll } from '../../util/arrays.js';
import { POWERSHELL_PROVIDERS, SECURITY_PROVIDER, SYSMON_PROVIDER, type EvtxEvent, type EvtxFacts, type EvtxResult } from './record.js';
import type { SigmaRule } from './sigma.js';
import { sigmaMatches } from './sigma-index.js';
import { CorrelationHits } from './sigma-correlation.js';

/** Event ids read (Security 4688; Sysmon 1, 11, 15, 23, 26; PowerShell 4104 script blocks, 4103 module logging; log cleared: Security 1102, System 104). */
export const EVENT_IDS = { processCreation: 4688, sysmonProcess: 1, fileCreate: 11, fileStream: 15, fileDelete: 23, fileDeleteLogged: 26, scriptBlock: 4104, moduleLog: 4103, securityLogCleared: 1102, logCleared: 104 } as const;
/** The provider of Security 1102 and System 104 ("log cleared"). */
const EVENTLOG_PROVIDER = 'Microsoft-Windows-Eventlog';

/** Longest command or script text copied into a finding. */
const DETAIL_COMMAND_CHARS = 2000;
/** Script block reassembly bounds: parts per block, characters per block, lines matched per block. */
const MAX_SCRIPT_PARTS = 1000;
const MAX_SCRIPT_CHARS = 4 * 1024 * 1024;
const MAX_SCRIPT_LINES = 20_000;
/** Record ids listed in a finding's details (a script block or a volume set spans many records). */
const MAX_LISTED = 20;
/** Burst of file creates: at least this many into one folder within the window (after staging-burst). */
export const BURST = { minFiles: 50, windowMs: 10 * 60 * 1000 } as const;
/** Encrypted containers besides the encrypted-file names the history rules know. */
const CONTAINER_EXT = /\.(hc|tc|vhd|vhdx|vmdk|kdbx|dmg|sparsebundle|luks)$/i;

function isSysmon(e: EvtxEvent): boolean {
  return e.provider === SYSMON_PROVIDER;
}

function timeOf(e: EvtxEvent): string | null {
  return e.time ?? e.written;
}

function locatorOf(e: EvtxEvent): NonNullable<Candidate['event']> {
  return { channel: e.channel, recordId: e.recordId, eventId: e.eventId, ...(e.recovered ? { recovered: true } : {}) };
}

function where(e: EvtxEvent): string {
  return eventLocatorText({ ...locatorOf(e), channel: e.channel ?? 'event log' });
}

/** One record of one log: a recovered record may carry the id of a current one. */
function recordKey(l: { channel: string | null; recordId: number; recovered?: true }): string {
  return `${l.channel}\u0000${l.recordId}${l.recovered ? '\u0000recovered' : ''}`;
}

/** A process-creation or script event whose text the command matcher reads. */
interface CommandEvent {
  event: EvtxEvent;
  text: string;
  process: string | null;
  user: string | null;
  source: string;
  /** For script blocks: the id and the records of every part. */
  scriptBlockId?: string;
  records?: number[];
  parts?: string;
  /** The events of every part, first to last. */
  partEvents?: EvtxEvent[];
}

function securityUser(e: EvtxEvent): string | null {
  const name = e.data.SubjectUserName;
  if (!name || name === '-') return e.userSid;
  const domain = e.data.SubjectDomainName;
  return domain && domain !== '-' ? `${domain}\\${name}` : name;
}

function processCommand(e: EvtxEvent): CommandEvent | null {
  if (e.eventId === EVENT_IDS.processCreation && e.provider === SECURITY_PROVIDER) {
    const text = e.data.CommandLine || e.data.NewProcessName || '';
    return text ? { event: e, text, process: e.data.NewProcessName ?? null, user: securityUser(e), source: 'Security 4688' } : null;
  }
  if (e.eventId === EVENT_IDS.sysmonProcess && isSysmon(e)) {
    const text = e.data.CommandLine || e.data.Image || '';
    return text ? { event: e, text, process: e.data.Image ?? null, user: e.data.User ?? e.userSid, source: 'Sysmon 1' } : null;
  }
  return null;
}

/** Module-logging bounds: payload lines read, invocations and parameter bindings kept per record. */
const MAX_MODULE_LINES = 4096;
const MAX_INVOCATIONS = 64;
const MAX_BINDINGS = 256;

/** A rebuilt parameter: a switch bound to True stands alone, False is dropped, values are quoted. */
function boundArgument(name: string, value: string): string | null {
  if (value === 'True') return `-${name}`;
  if (value === 'False') return null;
  const quoted = value.includes('"') ? `'${value.replace(/'/g, '')}'` : `"${value}"`;
  return `-${name} ${quoted}`;
}

/**
 * PowerShell module logging (4103) records what ran as `CommandInvocation(X): "X"` lines, each followed by
 * `ParameterBinding(X): name="P"; value="V"` lines. Each invocation is rebuilt as a command line
 * (`X -P "V"`) and the invocations of one pipeline are joined with ` | `, so the command matcher reads
 * Compress-Archive, Copy-Item or Remove-Item here as it does in a history.
 */
/**
 * The value of "  LABEL = VALUE" in a 4103 ContextInfo: the first line that has one, the value cut of
 * trailing spaces, as /^\s*LABEL = (.+?)\s*$/m finds it, without that expression's quadratic retries
 * inside a long run of spaces or blank lines (the text is the event's, attacker-controlled).
 */
export function contextField(context: string, label: string): string | null {
  const prefix = `${label} = `;
  // The line terminators of a JavaScript regular expression's '.', '^' and '$'.
  for (const line of context.split(/[\n\r\u2028\u2029]/)) {
    const start = line.trimStart();
    if (!start.startsWith(prefix) || start.length === prefix.length) continue;
    const rest = start.slice(prefix.length);
    const value = rest.trimEnd();
    // A value of spaces only: the expression's lazy (.+?) keeps its first character.
    return value === '' ? rest.charAt(0) : value;
  }
  return null;
}

function moduleCommand(e: EvtxEvent): CommandEvent | null {
  if (e.eventId !== EVENT_IDS.moduleLog || !e.provider || !POWERSHELL_PROVIDERS.has(e.provider)) return null;
  const payload = e.data.Payload ?? '';
  const invocations: Array<{ name: string; args: string[] }> = [];
  for (const line of payload.split(/\r?\n/, MAX_MODULE_LINES)) {
    const invocation = /^CommandInvocation\(([^)]{1,256})\):/.exec(line);
    if (invocation) {
      if (invocations.length < MAX_INVOCATIONS) invocations.push({ name: invocation[1]!, args: [] });
      continue;
    }
    const binding = /^ParameterBinding\(([^)]{1,256})\): name="([^"]{1,256})"; value="(.*)"$/.exec(line);
    if (!binding) continue;
    let target: { name: string; args: string[] } | undefined;
    for (let i = invocations.length - 1; i >= 0 && !target; i--) if (invocations[i]!.name === binding[1]) target = invocations[i];
    const arg = target && target.args.length < MAX_BINDINGS ? boundArgument(binding[2]!, binding[3]!) : null;
    if (target && arg) target.args.push(arg);
  }
  if (invocations.length === 0) return null;
  const context = e.data.ContextInfo ?? '';
  const field = (label: string) => contextField(context, label);
  const host = field('Host Application');
  return {
    event: e,
    text: invocations.map((i) => [i.name, ...i.args].join(' ')).join(' | '),
    process: host,
    user: field('User') ?? e.userSid,
    source: 'PowerShell 4103',
  };
}

/** 4104 parts joined by ScriptBlockId in MessageNumber order; a block missing parts says so. */
function scriptBlocks(events: readonly EvtxEvent[]): CommandEvent[] {
  const blocks = new Map<string, { parts: Map<number, EvtxEvent>; total: number; chars: number }>();
  for (const e of events) {
    if (e.eventId !== EVENT_IDS.scriptBlock || !e.provider || !POWERSHELL_PROVIDERS.has(e.provider)) continue;
    const id = e.data.ScriptBlockId || `record ${e.recordId}`;
    const number = Number(e.data.MessageNumber) || 1;
    const total = Number(e.data.MessageTotal) || 1;
    let b = blocks.get(id);
    if (!b) blocks.set(id, (b = { parts: new Map(), total, chars: 0 }));
    const text = e.data.ScriptBlockText ?? '';
    if (b.parts.size >= MAX_SCRIPT_PARTS || b.parts.has(number) || b.chars + text.length > MAX_SCRIPT_CHARS) continue;
    b.parts.set(number, e);
    b.chars += text.length;
  }
  const out: CommandEvent[] = [];
  for (const [id, b] of blocks) {
    const ordered = [...b.parts.entries()].sort((x, y) => x[0] - y[0]).map(([, e]) => e);
    const first = ordered[0]!;
    out.push({
      event: first,
      text: ordered.map((e) => e.data.ScriptBlockText ?? '').join(''),
      process: first.data.Path || null,
      user: first.userSid,
      source: 'PowerShell 4104',
      scriptBlockId: id,
      records: ordered.map((e) => e.recordId),
      parts: `${ordered.length} of ${b.total}`,
      partEvents: ordered,
    });
  }
  return out;
}

function byTime(a: CommandEvent, b: CommandEvent): number {
  return (timeOf(a.event) ?? '').localeCompare(timeOf(b.event) ?? '') || a.event.recordId - b.event.recordId;
}

function dedupe(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  return hits.filter((h) => (seen.has(h.rule) ? false : (seen.add(h.rule), true)));
}

/** A script block is matched line by line, in order (so its own deletions refer back to its own archives). */
function matchScript(text: string): CommandMatch | null {
  const lines = text.split(/\r?\n/, MAX_SCRIPT_LINES).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const hits: Hit[] = [];
  const names: NamedPath[] = [];
  for (const m of matchHistory(lines)) {
    if (!m) continue;
    for (const h of m.hits) hits.push(h);
    for (const n of m.names) names.push(n);
  }
  return hits.length > 0 ? { hits: dedupe(hits), names } : null;
}

function commandCandidate(c: CommandEvent, m: CommandMatch, ctx: DetectContext): Candidate {
  const time = timeOf(c.event);
  const who = c.user ?? 'unknown user';
  const verb = c.scriptBlockId ? 'ran a script block' : 'ran';
  return {
    kind: 'event',
    path: ctx.relPath,
    hits: m.hits,
    user: c.user,
    times: ctx.times,
    format: 'evtx',
    event: locatorOf(c.event),
    details: {
      source: c.source,
      channel: c.event.channel,
      recordId: c.event.recordId,
      eventId: c.event.eventId,
      time,
      computer: c.event.computer,
      process: c.process,
      command: c.text.slice(0, DETAIL_COMMAND_CHARS),
      ...(c.scriptBlockId ? { scriptBlockId: c.scriptBlockId, parts: c.parts, records: c.records!.slice(0, MAX_LISTED) } : {}),
    },
    names: m.names,
    events: time ? [{ time, type: 'command', description: `${who} ${verb} (${where(c.event)}): ${c.text.slice(0, 200)}` }] : [],
  };
}

function commandCandidates(events: readonly EvtxEvent[], ctx: DetectContext): Candidate[] {
  const out: Candidate[] = [];
  const processes = events.map((e) => processCommand(e) ?? moduleCommand(e)).filter((c): c is CommandEvent => c !== null).sort(byTime);
  matchHistory(processes.map((c) => c.text)).forEach((m, i) => {
    if (m && out.length < LIMITS.maxFindingsPerArtifact) out.push(commandCandidate(processes[i]!, m, ctx));
  });
  for (const block of scriptBlocks(events).sort(byTime)) {
    if (out.length >= LIMITS.maxFindingsPerArtifact) break;
    const m = matchScript(block.text);
    if (m) out.push(commandCandidate(block, m, ctx));
  }
  return out;
}

/** What a Sysmon file event wrote or deleted, when it is staging-shaped. */
interface FileEvent {
  event: EvtxEvent;
  target: string;
  deleted: boolean;
}

function fileEvents(events: readonly EvtxEvent[]): FileEvent[] {
  const out: FileEvent[] = [];
  for (const e of events) {
    if (!isSysmon(e)) continue;
    const id = e.eventId;
    if (id !== EVENT_IDS.fileCreate && id !== EVENT_IDS.fileStream && id !== EVENT_IDS.fileDelete && id !== EVENT_IDS.fileDeleteLogged) continue;
    const target = e.data.TargetFilename;
    if (target) out.push({ event: e, target, deleted: id === EVENT_IDS.fileDelete || id === EVENT_IDS.fileDeleteLogged });
  }
  return out;
}

function isStagedName(path: string): boolean {
  return isArchiveName(path) || isEncryptedName(path) || CONTAINER_EXT.test(path);
}

function folderOf(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return i < 0 ? '' : path.slice(0, i);
}

/** Archives and containers written or deleted in staging places; volumes of one set make one finding. */
function fileCandidates(files: readonly FileEvent[], ctx: DetectContext): Candidate[] {
  const groups = new Map<string, FileEvent[]>();
  for (const f of files) {
    if (f.target.includes(':Zone.Identifier') || !isStagedName(f.target)) continue;
    const key = `${f.deleted ? 'd' : 'w'}\u0000${volumeStem(f.target.toLowerCase())}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  const out: Candidate[] = [];
  for (const group of groups.values()) {
    if (out.length >= LIMITS.maxFindingsPerArtifact) break;
    const first = group[0]!;
    const e = first.event;
    const place = stagingLocation(first.target);
    const distinct = [...new Set(group.map((f) => f.target.toLowerCase()))];
    const volumes = distinct.filter(isVolumeName);
    const hits: Hit[] = [];
    if (first.deleted) {
      if (place) hits.push({ rule: 'event-staged-archive-deleted', message: `${e.data.Image ?? 'a process'} deleted ${first.target} in ${place} (${where(e)})` });
    } else {
      if (place) hits.push({ rule: 'event-archive-written-to-staging', message: `${e.data.Image ?? 'a process'} wrote ${first.target} into ${place} (${where(e)})` });
      if (volumes.length >= 2) hits.push({ rule: 'event-volume-set-written', message: `${volumes.length} volumes of one archive set written: ${group.slice(0, 4).map((f) => f.target.split(/[\\/]/).pop()).join(', ')}${group.length > 4 ? ', …' : ''}` });
    }
    if (hits.length === 0) continue;
    const time = timeOf(e);
    const user = e.data.User ?? e.userSid;
    const verb = first.deleted ? 'deleted' : 'created';
    out.push({
      kind: 'event',
      path: ctx.relPath,
      hits,
      user,
      times: ctx.times,
      format: 'evtx',
      event: locatorOf(e),
      details: {
        source: `Sysmon ${e.eventId}`,
        channel: e.channel,
        recordId: e.recordId,
        eventId: e.eventId,
        time,
        computer: e.computer,
        process: e.data.Image ?? null,
        target: first.target,
        ...(group.length > 1 ? { files: distinct.length, records: group.slice(0, MAX_LISTED).map((f) => f.event.recordId) } : {}),
      },
      names: group.slice(0, MAX_LISTED).map((f): NamedPath => ({ path: f.target, role: f.deleted ? 'deletes' : 'writes' })),
      events: group
        .slice(0, MAX_LISTED)
        .map((f) => ({ time: timeOf(f.event) ?? '', type: first.deleted ? 'file-deleted' : 'file-created', description: `${f.event.data.Image ?? 'a process'} ${verb} ${f.target} (${where(f.event)})` }))
        .filter((x) => x.time !== ''),
    });
  }
  return out;
}

/** Many file creates into one folder within minutes: a burst the log keeps when the folder is gone. */
function burstCandidates(files: readonly FileEvent[], ctx: DetectContext): Candidate[] {
  const byFolder = new Map<string, Array<{ t: number; f: FileEvent }>>();
  for (const f of files) {
    if (f.deleted || f.event.eventId !== EVENT_IDS.fileCreate) continue;
    const t = Date.parse(timeOf(f.event) ?? '');
    if (Number.isNaN(t)) continue;
    const folder = folderOf(f.target).toLowerCase();
    const list = byFolder.get(folder);
    if (list) list.push({ t, f });
    else byFolder.set(folder, [{ t, f }]);
  }
  const out: Candidate[] = [];
  for (const list of byFolder.values()) {
    if (list.length < BURST.minFiles) continue;
    list.sort((a, b) => a.t - b.t);
    let best = { start: 0, count: 0 };
    for (let lo = 0, hi = 0; hi < list.length; hi++) {
      while (list[hi]!.t - list[lo]!.t > BURST.windowMs) lo++;
      if (hi - lo + 1 > best.count) best = { start: lo, count: hi - lo + 1 };
    }
    if (best.count < BURST.minFiles) continue;
    const first = list[best.start]!.f;
    const last = list[best.start + best.count - 1]!.f;
    const folder = folderOf(first.target);
    const place = stagingLocation(first.target);
    out.push({
      kind: 'event',
      path: ctx.relPath,
      hits: [{ rule: 'event-file-create-burst', message: `${best.count} files created in ${folder}${place ? ` (${place})` : ''} within ${Math.round(BURST.windowMs / 60000)} minutes by ${first.event.data.Image ?? 'a process'}` }],
      user: first.event.data.User ?? first.event.userSid,
      times: ctx.times,
      format: 'evtx',
      event: locatorOf(first.event),
      details: { source: 'Sysmon 11', channel: first.event.channel, recordId: first.event.recordId, eventId: first.event.eventId, time: timeOf(first.event), process: first.event.data.Image ?? null, folder, files: best.count, end: timeOf(last.event) },
      names: [{ path: `${folder}\\*`, role: 'writes' }],
      events: [{ time: timeOf(first.event)!, type: 'file-burst', description: `${best.count} files created in ${folder} (${where(first.event)} to record ${last.event.recordId})` }],
    });
  }
  return out;
}

/** An exported log in a hotspot: someone copied it out of winevt/Logs (or brought it along). */
function exportedLogCandidate(recordCount: number, ctx: DetectContext): Candidate[] {
  if (!ctx.hotspot || /(^|\/)windows\/system32\/winevt\/logs\//i.test(ctx.relPath)) return [];
  return [{
    kind: 'file',
    path: ctx.relPath,
    hits: [{ rule: 'event-log-outside-winevt', message: `an event log (${recordCount} records) lies in a staging place, outside Windows\\System32\\winevt\\Logs` }],
    size: ctx.size,
    format: 'evtx',
    times: ctx.times,
  }];
}

/** Sigma hits count by the rule's level (catalog rules sigma-<level>, docs/eventlogs.md). */
function sigmaHit(rule: SigmaRule, e: EvtxEvent): Hit {
  return { rule: `sigma-${rule.level}`, attack: rule.attack, message: `Sigma "${rule.title}"${rule.id ? ` (${rule.id})` : ''} from ${rule.file} matched ${where(e)}` };
}

/** What a Sysmon event naming a TargetFilename did to that file (Sigma hits on file events: no command ran). */
const FILE_ACTIONS: Readonly<Record<number, { type: string; verb: string; role: 'writes' | 'deletes' }>> = {
  2: { type: 'file-changed', verb: 'changed the creation time of', role: 'writes' },
  11: { type: 'file-created', verb: 'created', role: 'writes' },
  15: { type: 'file-created', verb: 'wrote a named stream of', role: 'writes' },
  23: { type: 'file-deleted', verb: 'deleted', role: 'deletes' },
  26: { type: 'file-deleted', verb: 'deleted', role: 'deletes' },
  29: { type: 'file-created', verb: 'created the executable', role: 'writes' },
};

/** The fields that say what an event is about, in the order shown (registry, module, network, DNS, pipe, process access, services, object access, tasks, WMI). */
const SUMMARY_FIELDS = ['TargetObject', 'Details', 'NewName', 'ImageLoaded', 'DestinationHostname', 'DestinationIp', 'DestinationPort', 'QueryName', 'PipeName', 'TargetImage', 'GrantedAccess', 'Device', 'ServiceName', 'ImagePath', 'ObjectName', 'AccessList', 'ShareName', 'RelativeTargetName', 'TaskName', 'TargetUserName', 'Destination', 'Query', 'Consumer', 'Payload'];
const SUMMARY_PARTS = 4;

/** A one-line account of an event that ran no command and names no file: its telling fields, else its first ones. */
function eventSummary(e: EvtxEvent): string {
  const names = SUMMARY_FIELDS.filter((n) => e.data[n]);
  const shown = (names.length > 0 ? names : Object.keys(e.data).filter((n) => e.data[n])).slice(0, SUMMARY_PARTS);
  return shown.map((n) => `${n}=${e.data[n]!.slice(0, DETAIL_COMMAND_CHARS)}`).join('; ');
}

/** Where a record comes from, for a finding's details: Sysmon 13, PowerShell 4103, Security 4663, System 7045, ... */
function sourceLabel(e: EvtxEvent): string {
  const from = isSysmon(e) ? 'Sysmon' : e.provider && POWERSHELL_PROVIDERS.has(e.provider) ? 'PowerShell' : e.provider === SECURITY_PROVIDER ? 'Security' : (e.channel ?? e.provider ?? 'event');
  return `${from} ${e.eventId ?? '?'}`;
}

/** The finding of a record only Sigma rules matched: a command it ran, a file it touched, or what the event is about. */
function sigmaCandidate(e: EvtxEvent, hits: Hit[], ctx: DetectContext): Candidate {
  const command = processCommand(e) ?? moduleCommand(e);
  if (command) return commandCandidate(command, { hits, names: [] }, ctx);
  const script = e.data.ScriptBlockText;
  const file = e.data.TargetFilename;
  const action = file && isSysmon(e) && e.eventId !== null ? FILE_ACTIONS[e.eventId] : undefined;
  const text = script ?? (action ? file! : eventSummary(e));
  const c = commandCandidate({ event: e, text, process: e.data.Image ?? e.data.SourceImage ?? e.data.Path ?? null, user: e.data.User ?? e.userSid, source: sourceLabel(e) }, { hits, names: [] }, ctx);
  if (script !== undefined) return c;
  const { command: _ran, ...rest } = c.details ?? {};
  const time = timeOf(e);
  if (action) {
    c.details = { ...rest, target: file };
    c.names = [{ path: file!, role: action.role }];
    c.events = time ? [{ time, type: action.type, description: `${e.data.Image ?? 'a process'} ${action.verb} ${file} (${where(e)})` }] : [];
  } else {
    c.details = { ...rest, summary: text };
    c.events = time ? [{ time, type: 'event', description: `${e.data.Image ?? e.data.SourceImage ?? sourceLabel(e)} (${where(e)}): ${text.slice(0, 200)}` }] : [];
  }
  return c;
}

/**
 * Sigma rules over every record of their log sources; hits join the record's own finding when it has
 * one. A match of a rule a correlation reads goes to `correlated` (sigma-correlation.ts); it is a
 * finding of its own only when the rule is (`standalone`).
 */
function applySigma(rules: readonly SigmaRule[], events: readonly EvtxEvent[], out: Candidate[], ctx: DetectContext, correlated: CorrelationHits | null): void {
  const byRecord = new Map<string, Candidate>();
  for (const c of out) if (c.event) byRecord.set(recordKey(c.event), c);
  // A script block split over several 4104 records is matched once, whole, on its first record.
  const whole = new Map<EvtxEvent, EvtxEvent | null>();
  for (const b of scriptBlocks(events)) {
    if (!b.partEvents || b.partEvents.length < 2) continue;
    b.partEvents.forEach((p, i) => whole.set(p, i === 0 ? { ...p, data: { ...p.data, ScriptBlockText: b.text } } : null));
  }
  for (const e of events) {
    const joined = whole.get(e);
    if (joined === null) continue;
    const all = sigmaMatches(rules, joined ?? e);
    if (all.length === 0) continue;
    if (correlated) for (const r of all) if (r.feeds.length > 0) correlated.add(r, joined ?? e, timeOf(e), { path: ctx.relPath, ...locatorOf(e) });
    const matched = all.filter((r) => r.standalone);
    if (matched.length === 0) continue;
    const hits = matched.map((r) => sigmaHit(r, e));
    const key = recordKey(e);
    const existing = byRecord.get(key);
    const details = { rules: matched.slice(0, MAX_LISTED).map((r) => ({ title: r.title, id: r.id, level: r.level, file: r.file, attack: r.attack })) };
    if (existing) {
      for (const h of hits) existing.hits.push(h);
      existing.details = { ...existing.details, sigma: details.rules };
      continue;
    }
    // At the cap no new finding is made, but later records' hits still join the findings they have.
    if (out.length >= LIMITS.maxFindingsPerArtifact) continue;
    const c = sigmaCandidate(e, hits, ctx);
    c.details = { ...c.details, sigma: details.rules };
    out.push(c);
    byRecord.set(key, c);
  }
}

export function detectEvtx(result: EvtxResult, ctx: DetectContext): Candidate[] {
  return detectEvents(result.records, result.records.length, ctx, result.facts);
}

/**
 * The findings of a log from the events a detector can use (`isDetectable`) and the number of records
 * read: an event that is not one of them adds nothing, so a scan keeps only those (evtx/index.ts `scan`).
 */
export function detectEvents(events: readonly EvtxEvent[], recordCount: number, ctx: DetectContext, slack: SlackFacts = {}): Candidate[] {
  const files = fileEvents(events);
  const out = [...commandCandidates(events, ctx), ...fileCandidates(files, ctx), ...burstCandidates(files, ctx), ...clearedLogCandidates(events, slack, ctx)];
  const rules = ctx.options?.sigma;
  if (rules && rules.length > 0) {
    // A scan keeps the matches of every log of the root together (the correlations run after the
    // walk); a log detected outside a scan is correlated by itself.
    const own = ctx.options?.sigmaHits ? null : rules.some((r) => r.feeds.length > 0) ? new CorrelationHits() : null;
    applySigma(rules, events, out, ctx, ctx.options?.sigmaHits ?? own);
    if (own) pushAll(out, own.evaluate().candidates);
  }
  return [...out, ...exportedLogCandidate(recordCount, ctx)];
}

/**
 * True for an event some detector reads: a command line (4688, Sysmon 1, 4103), a script-block part
 * (4104: a block is judged whole), a Sysmon file event, or a record a Sigma rule matches on its own.
 */
export function isDetectable(e: EvtxEvent, rules: readonly SigmaRule[]): boolean {
  if (processCommand(e) ?? moduleCommand(e)) return true;
  if (e.eventId === EVENT_IDS.scriptBlock && e.provider && POWERSHELL_PROVIDERS.has(e.provider)) return true;
  if (fileEvents([e]).length > 0) return true;
  if (isLogCleared(e)) return true;
  return rules.length > 0 && sigmaMatches(rules, e).length > 0;
}

/** What the log's chunk slack held (parse.ts): records a clear left behind, or a dirty log did not commit. */
type SlackFacts = Pick<EvtxFacts, 'recoveredRecords' | 'slackUnreadable'>;

/** Security 1102 "The audit log was cleared", System 104 "The <log> log file was cleared". */
function isLogCleared(e: EvtxEvent): boolean {
  if (e.provider !== EVENTLOG_PROVIDER) return false;
  return (e.eventId === EVENT_IDS.securityLogCleared && e.channel === 'Security') || (e.eventId === EVENT_IDS.logCleared && e.channel === 'System');
}

/**
 * A cleared log, with who cleared it and, for a Security log that holds its own 1102, what its chunk
 * slack still holds of the records before the clear (a System 104 names another log, whose slack is
 * that log's own finding).
 */
function clearedLogCandidates(events: readonly EvtxEvent[], slack: SlackFacts, ctx: DetectContext): Candidate[] {
  const out: Candidate[] = [];
  for (const e of events) {
    if (!isLogCleared(e) || out.length >= LIMITS.maxFindingsPerArtifact) continue;
    const time = timeOf(e);
    const user = securityUser(e);
    const cleared = e.eventId === EVENT_IDS.logCleared ? (e.data.Channel ?? 'an event') : 'Security';
    const left = e.eventId === EVENT_IDS.securityLogCleared ? slackText(slack, time) : '';
    const message = `${user ?? 'an unknown user'} cleared the ${cleared} log (${where(e)})${left ? `; ${left}` : ''}`;
    out.push({
      kind: 'event',
      path: ctx.relPath,
      hits: [{ rule: 'event-log-cleared', message }],
      user,
      times: ctx.times,
      format: 'evtx',
      event: locatorOf(e),
      details: {
        source: `${e.channel} ${e.eventId}`,
        channel: e.channel,
        recordId: e.recordId,
        eventId: e.eventId,
        time,
        computer: e.computer,
        clearedLog: cleared,
        ...(e.data.BackupPath ? { backupPath: e.data.BackupPath } : {}),
        ...(left ? { slackRecovered: slack.recoveredRecords ?? 0, slackUnreadable: slack.slackUnreadable ?? null } : {}),
      },
      events: time ? [{ time, type: 'log-cleared', description: message }] : [],
    });
  }
  return out;
}

/**
 * "77 records not among its current ones remain in its chunk slack (...)", or '' when the slack held
 * none. Slack records may be older than the clear or newer ones a dirty log did not commit: "written
 * before the clear" only when the latest written time of those not rebuilt says so.
 */
function slackText(slack: SlackFacts, clearedAt: string | null): string {
  const rebuilt = slack.recoveredRecords ?? 0;
  const u = slack.slackUnreadable;
  const count = rebuilt + (u?.records ?? 0);
  if (count === 0) return '';
  const range = u ? `record ids ${u.firstRecordId} to ${u.lastRecordId}${u.firstWritten ? `, written ${u.firstWritten} to ${u.lastWritten}` : ''}` : '';
  const which = !u ? `all ${rebuilt} rebuilt` : rebuilt > 0 ? `${rebuilt} rebuilt; the ${u.records} not rebuilt: ${range}` : `none rebuilt: ${range}`;
  const before = u?.lastWritten && clearedAt && rebuilt === 0 && u.lastWritten <= clearedAt ? ', all written before the clear' : '';
  return `${count} record${count === 1 ? '' : 's'} not among its current ones remain in its chunk slack (${which}${before})`;
}
