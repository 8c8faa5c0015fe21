/** An event's element tree to the flat record stagehunt prints and matches (docs/eventlogs.md). */
import type { ArtifactRecord, ArtifactResult } from '../types.js';
import type { EvtxHeader } from './parse.js';
import { textOf, type XmlElement, type XmlNode } from './binxml.js';

/** The providers whose events stagehunt reads by name (detect.ts, sigma-logsource.ts). */
export const SYSMON_PROVIDER = 'Microsoft-Windows-Sysmon';
export const SECURITY_PROVIDER = 'Microsoft-Windows-Security-Auditing';
export const POWERSHELL_PROVIDERS: ReadonlySet<string> = new Set(['Microsoft-Windows-PowerShell', 'PowerShellCore']);

export interface EvtxEvent extends ArtifactRecord {
  type: 'evtx-record';
  /** System/EventRecordID (what evtxexport and Event Viewer show); the header's id when absent. */
  recordId: number;
  /** The record header's identifier, only when it differs from EventRecordID (edited or carved logs). */
  headerRecordId?: number;
  /** System/TimeCreated/@SystemTime, ISO-8601 with 7 fraction digits (100 ns); the written time when absent. */
  time: string | null;
  /** The record header's written time. */
  written: string | null;
  channel: string | null;
  provider: string | null;
  eventId: number | null;
  qualifiers?: number;
  version: number | null;
  level: number | null;
  task: number | null;
  opcode: number | null;
  keywords: string | null;
  computer: string | null;
  /** System/Security/@UserID: the SID the event was logged under. */
  userSid: string | null;
  processId: number | null;
  threadId: number | null;
  /** EventData/Data by Name (unnamed ones as #1, #2, ...), or UserData's leaf elements by name. */
  data: Record<string, string>;
  /** Name of UserData's first element (e.g. LogFileCleared) when the event has UserData. */
  userData?: string;
  /** Index of the chunk the record lies in. */
  chunk: number;
  /**
   * Set on a record recovered from a chunk's slack (after its free-space offset: older records left
   * behind by a clear or a wrap, or newer ones a dirty log never committed), or from after a damaged
   * record: not one of the log's current records as read; rebuilt only where every name and template
   * it uses checks (parse.ts).
   */
  recovered?: true;
  /** Set on a recovered record rebuilt with the same template defined elsewhere in the log, its own definition being overwritten (parse.ts). */
  templateFromLog?: true;
  /** Set when the binary XML could not be read: the record header is all there is. */
  error?: string;
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const k of el.kids) if (typeof k !== 'string' && k.name === name) return k;
  return undefined;
}

function attr(el: XmlElement | undefined, name: string): string | null {
  if (!el) return null;
  for (const [n, v] of el.attrs) if (n === name) return v;
  return null;
}

function text(el: XmlElement | undefined): string | null {
  return el ? textOf(el.kids) : null;
}

function int(s: string | null): number | null {
  if (s === null || s === '') return null;
  const n = s.startsWith('0x') ? Number.parseInt(s, 16) : Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Fields kept per event (EventData of real events has < 100). */
const MAX_DATA_FIELDS = 1024;

function put(data: Record<string, string>, name: string, value: string): void {
  let key = name;
  for (let i = 2; Object.hasOwn(data, key); i++) key = `${name}#${i}`;
  data[key] = value;
}

function eventData(ev: XmlElement): { data: Record<string, string>; userData?: string } {
  const data: Record<string, string> = Object.create(null) as Record<string, string>;
  const ed = child(ev, 'EventData');
  let unnamed = 0;
  let count = 0;
  if (ed) {
    for (const k of ed.kids) {
      if (typeof k === 'string' || count++ >= MAX_DATA_FIELDS) continue;
      const name = attr(k, 'Name');
      put(data, name ?? (k.name === 'Data' ? `#${++unnamed}` : k.name), textOf(k.kids));
    }
    return { data: { ...data } };
  }
  const ud = child(ev, 'UserData');
  const first = ud?.kids.find((k): k is XmlElement => typeof k !== 'string');
  if (!first) return { data: {} };
  for (const k of first.kids) {
    if (typeof k === 'string' || count++ >= MAX_DATA_FIELDS) continue;
    put(data, k.name, textOf(k.kids));
  }
  return { data: { ...data }, userData: first.name };
}

/** The flat event of one record's nodes; the header values fill what the XML lacks. */
export function toEvent(nodes: readonly XmlNode[], recordId: number, written: string | null, chunk: number): EvtxEvent {
  const ev = nodes.find((n): n is XmlElement => typeof n !== 'string' && n.name === 'Event');
  const sys = child(ev, 'System');
  const eid = child(sys, 'EventID');
  const qualifiers = int(attr(eid, 'Qualifiers'));
  const exec = child(sys, 'Execution');
  const { data, userData } = ev ? eventData(ev) : { data: {}, userData: undefined };
  const xmlId = int(text(child(sys, 'EventRecordID')));
  return {
    type: 'evtx-record',
    recordId: xmlId ?? recordId,
    ...(xmlId !== null && xmlId !== recordId ? { headerRecordId: recordId } : {}),
    time: attr(child(sys, 'TimeCreated'), 'SystemTime') || written,
    written,
    channel: text(child(sys, 'Channel')),
    provider: attr(child(sys, 'Provider'), 'Name'),
    eventId: int(text(eid)),
    ...(qualifiers !== null ? { qualifiers } : {}),
    version: int(text(child(sys, 'Version'))),
    level: int(text(child(sys, 'Level'))),
    task: int(text(child(sys, 'Task'))),
    opcode: int(text(child(sys, 'Opcode'))),
    keywords: text(child(sys, 'Keywords')),
    computer: text(child(sys, 'Computer')),
    userSid: attr(child(sys, 'Security'), 'UserID'),
    processId: int(attr(exec, 'ProcessID')),
    threadId: int(attr(exec, 'ThreadID')),
    data,
    ...(userData ? { userData } : {}),
    chunk,
    ...(ev ? {} : { error: 'no Event element' }),
  };
}

/** The log as a whole: its file header (when readable) and what the chunk walk counted. */
export interface EvtxFacts extends Partial<EvtxHeader> {
  chunks: number;
  badChunks: number;
  records: number;
  damagedRecords: number;
  /** Records recovered from chunk slack (present only when there are some; not counted in `records`). */
  recoveredRecords?: number;
  /** Of those, the ones rebuilt with the same template defined elsewhere in the log, their own being overwritten (present only when there are some). */
  recoveredWithLogTemplate?: number;
  /** Slack records that are copies of current records (same record id), not given twice (present only when there are some). */
  slackCopies?: number;
  /** Records found in chunk slack whose names or templates are overwritten: their ids and written times (present only when there are some). */
  slackUnreadable?: SlackUnreadable;
}

/** Slack records that could not be rebuilt: how many, and the range of their header's ids and written times. */
export interface SlackUnreadable {
  records: number;
  firstRecordId: number;
  lastRecordId: number;
  firstWritten: string | null;
  lastWritten: string | null;
}

/**
 * What a scan notes of each event log it reads (pipeline/evtx-lending.ts): the channel its records
 * name, and how many of its slack records could not be rebuilt; logs of one channel in a root lend
 * each other templates after the walk.
 */
export interface EvtxLogNote {
  channel: string;
  slackUnreadable: number;
}

export type EvtxResult = ArtifactResult<EvtxEvent, EvtxFacts> & { logNote?: EvtxLogNote };
