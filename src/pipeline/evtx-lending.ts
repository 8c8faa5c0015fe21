/**
 * Event logs of one channel in a root lend each other templates, after the walk. A cleared log
 * (`wevtutil cl`, `Clear-EventLog`) keeps old records in its chunk slack, but the clear overwrites
 * the start of the chunk where their templates were defined, so they cannot be rebuilt from the log
 * alone (docs/eventlogs.md "Recovered records"). An older copy of the same channel often sits in
 * the same root: the log Windows archived when it was full (`Archive-Security-<time>.evtx`), a copy
 * an administrator or a collection kept. Its templates, same id and same shape as the ones
 * overwritten (binxml.ts checks every value against its slot), rebuild those records, as
 * `stagehunt parse --templates OLDER.evtx` does by hand.
 *
 * During the walk each log notes its channel (the one its records name) and how many slack records
 * it could not rebuild (inspect.ts `evtxLog`). Here each log with such records and another log of
 * its channel is read again with the others' templates; the records that only those templates
 * rebuild go through the event-log detectors and the root's Sigma rules (their matches join the
 * correlations, which run after this), each finding saying which logs lent. Logs given with
 * `scan --evtx-templates` (host files: an older copy from a shadow copy or an earlier collection)
 * lend to the logs of their channel in every root.
 */
import type { Candidate } from '../rules/types.js';
import type { DetectContext } from '../artifacts/types.js';
import type { EvtxEvent, EvtxLogNote } from '../artifacts/evtx/record.js';
import { detectEvents } from '../artifacts/evtx/detect.js';
import { newReadState, readEvtx, templatesOf } from '../artifacts/evtx/index.js';
import { TemplateLibrary } from '../artifacts/evtx/binxml.js';
import type { ClosableSource } from '../util/byte-source.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../util/event-loop.js';
import { escapeControls } from '../util/text.js';

/** The root's event logs by channel, in walk order. */
export type RootEventLogs = Map<string, EventLogSeen[]>;

interface EventLogSeen {
  relPath: string;
  slackUnreadable: number;
}

/** Channels, logs per channel, logs read again and logs lending to each: a root of thousands of logs is not read over and over. */
const MAX_CHANNELS = 512;
const MAX_LOGS_PER_CHANNEL = 64;
const MAX_BORROWERS = 16;
const MAX_LENDERS = 4;

export function noteEventLog(logs: RootEventLogs, relPath: string, note: EvtxLogNote): void {
  let list = logs.get(note.channel);
  if (!list) {
    if (logs.size >= MAX_CHANNELS) return;
    logs.set(note.channel, (list = []));
  }
  if (list.length < MAX_LOGS_PER_CHANNEL) list.push({ relPath, slackUnreadable: note.slackUnreadable });
}

/** A log outside the roots that lends to the logs of its channel (`scan --evtx-templates`). */
export interface LendingLog {
  name: string;
  channel: string;
  open(): ClosableSource | null;
}

export interface LendingRoot {
  logs: RootEventLogs;
  /** Logs given besides the roots' own. */
  external: readonly LendingLog[];
  open(relPath: string): ClosableSource | null;
  /** The detectors' context for a log (its place, times, the scan's Sigma rules and the root's correlation hits). */
  contextFor(relPath: string): DetectContext | null;
}

export interface LendingResult {
  candidates: Candidate[];
  /** Per log: what was rebuilt with whose templates, for its issues. */
  notes: Array<{ relPath: string; message: string }>;
}

export async function lendEventLogTemplates(root: LendingRoot): Promise<LendingResult> {
  const out: LendingResult = { candidates: [], notes: [] };
  // Each lender is read once, however many logs of its channel borrow from it.
  const libraries = new Map<string, TemplateLibrary | null>();
  let borrowers = 0;
  for (const [channel, logs] of root.logs) {
    const external = root.external.filter((l) => l.channel === channel).slice(0, MAX_LENDERS);
    if (logs.length < 2 && external.length === 0) continue;
    for (const log of logs) {
      if (log.slackUnreadable === 0) continue;
      if (borrowers++ >= MAX_BORROWERS) return out;
      const inRoot: LendingLog[] = logs.filter((l) => l !== log).slice(0, MAX_LENDERS).map((l) => ({ name: l.relPath, channel, open: () => root.open(l.relPath) }));
      const lenders = [...inRoot, ...external];
      const rebuilt = await borrow(root, log, lenders, libraries);
      if (!rebuilt || rebuilt.events.length === 0) continue;
      const from = lenders.map((l) => escapeControls(l.name)).join(', ');
      out.notes.push({
        relPath: log.relPath,
        message: `${rebuilt.events.length} of its ${log.slackUnreadable} slack records whose templates were overwritten rebuilt with the templates of ${from} (the ${escapeControls(channel)} channel${external.length > 0 ? '' : ' in this root'})`,
      });
      const ctx = root.contextFor(log.relPath);
      if (!ctx) continue;
      // The file's own verdict (a log outside winevt) is the walk's: only the records' findings are new.
      for (const c of detectEvents(rebuilt.events, rebuilt.events.length, ctx)) {
        if (c.kind === 'file') continue;
        const said = `; its record rebuilt with the templates of ${from}`;
        // A hit two candidates share is said once.
        for (const h of c.hits) if (!h.message.endsWith(said)) h.message = `${h.message}${said}`;
        c.details = { ...(c.details ?? {}), templatesFrom: lenders.map((l) => l.name) };
        out.candidates.push(c);
      }
    }
  }
  return out;
}

/** The log's slack records that only the lenders' templates rebuild, or null when a log could not be opened. */
async function borrow(root: LendingRoot, log: EventLogSeen, lenders: readonly LendingLog[], libraries: Map<string, TemplateLibrary | null>): Promise<{ events: EvtxEvent[] } | null> {
  const library = new TemplateLibrary();
  for (const lender of lenders) {
    if (!libraries.has(lender.name)) libraries.set(lender.name, templatesOfLog(lender));
    const own = libraries.get(lender.name);
    if (own) library.absorb(own);
  }
  if (library.size === 0) return null;
  const source = root.open(log.relPath);
  if (!source) return null;
  try {
    const turns = new EventLoopTurns(TURN_EVERY_MS, 256);
    // What the log rebuilds on its own (the walk's findings have those): read again, as the walk read it.
    const own = new Set<string>();
    for (const e of readEvtx(source, newReadState(), {})) {
      if (e.recovered) own.add(recordKey(e));
      if (turns.due()) await yieldToEventLoop();
    }
    const events: EvtxEvent[] = [];
    for (const e of readEvtx(source, newReadState(), { lendFrom: library })) {
      if (e.recovered && !own.has(recordKey(e))) events.push(e);
      if (turns.due()) await yieldToEventLoop();
    }
    return { events };
  } finally {
    source.close();
  }
}

/** A lender's templates (read whole once), or null when it cannot be opened. */
function templatesOfLog(lender: LendingLog): TemplateLibrary | null {
  const source = lender.open();
  if (!source) return null;
  try {
    return templatesOf([{ name: lender.name, source }], []);
  } finally {
    source.close();
  }
}

/** A slack record by what its header says: slack records may repeat a current record's id. */
function recordKey(e: EvtxEvent): string {
  return `${e.recordId}\u0000${e.written ?? ''}\u0000${e.eventId ?? ''}`;
}
