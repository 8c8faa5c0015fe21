/** Windows XML event log (EVTX) parser: matched on the 'ElfFile' magic whatever the file is called. */
import type { ArtifactParser } from '../types.js';
import type { ByteSource } from '../../util/byte-source.js';
import { FILE_HEADER, hasEvtxMagic } from './layout.js';
import { detectEvents, detectEvtx, isDetectable } from './detect.js';
import { newReadState, readEvtx } from './parse.js';
import { TemplateLibrary } from './binxml.js';
import type { EvtxEvent, EvtxFacts, EvtxLogNote, EvtxResult } from './record.js';
import { LIMITS } from '../../util/limits.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../../util/event-loop.js';

export const evtxParser: ArtifactParser<EvtxEvent, EvtxFacts> = {
  id: 'evtx',
  dataSources: ['DS0009', 'DS0017', 'DS0015', 'DS0022'],
  fuzzSeeds: ['evtx'],
  description: 'Windows XML event log (EVTX): Security 4688, Sysmon 1/11/23/26, PowerShell 4104 and every other record',
  claims: { formats: ['evtx'], magics: [{ at: 0, bytes: FILE_HEADER.magic }] },
  matches: (ctx) => ctx.format === 'evtx' || hasEvtxMagic(ctx.head),
  async parse(src, ctx): Promise<EvtxResult | null> {
    const { state, kept, channel } = await readHeld(src, () => true, ctx.options?.evtxTemplates);
    if (!state.header && kept.length === 0 && state.warnings.length === 0) return null;
    const result: EvtxResult = { parser: 'evtx', records: kept, warnings: state.warnings, corrupted: state.corrupted, facts: factsOf(state) };
    if (channel) result.logNote = logNote(channel, state);
    return result;
  },
  // A scan keeps only the events a detector reads (most of a log is not one): the same findings as parse + detect.
  async scan(src, ctx) {
    const { state, kept, read, channel } = await readHeld(src, (e) => isDetectable(e, ctx.options?.sigma ?? []));
    if (!state.header && read === 0 && state.warnings.length === 0) return null;
    const result: EvtxResult = { parser: 'evtx', records: [], warnings: state.warnings, corrupted: state.corrupted, facts: factsOf(state) };
    if (channel) result.logNote = logNote(channel, state);
    return { result, candidates: detectEvents(kept, read, ctx, result.facts) };
  },
  detect: detectEvtx,
  *stream(src, ctx, warnings) {
    const state = newReadState();
    state.warnings = warnings;
    yield* readEvtx(src, state, { lendFrom: ctx.options?.evtxTemplates });
  },
};

/**
 * The records `parse` holds (scan, explain; `stagehunt parse` streams them without this cap): read up
 * to LIMITS.maxEvtxRecordsHeld, those `keep` wants kept. A log of gigabytes takes seconds (on the
 * scan's own thread when Sigma rules are loaded, and for an image's files): the event loop turns
 * meanwhile, so Ctrl-C stops the scan at once.
 */
async function readHeld(src: ByteSource, keep: (e: EvtxEvent) => boolean, templates?: TemplateLibrary): Promise<{ state: ReturnType<typeof newReadState>; kept: EvtxEvent[]; read: number; channel: string | null }> {
  const state = newReadState();
  const kept: EvtxEvent[] = [];
  // The channel the log's records name (its first current record's): which logs may lend it templates.
  let channel: string | null = null;
  // The clock looked at every 256 records.
  const turns = new EventLoopTurns(TURN_EVERY_MS, 256);
  let read = 0;
  for (const e of readEvtx(src, state, { lendFrom: templates })) {
    if (read >= LIMITS.maxEvtxRecordsHeld) {
      state.warnings.push(`only the first ${LIMITS.maxEvtxRecordsHeld} records are kept for detection (limit); \`stagehunt parse\` streams them all`);
      state.corrupted = true;
      break;
    }
    read++;
    if (channel === null && !e.recovered && e.channel) channel = e.channel.slice(0, LIMITS.maxNameBytes);
    if (keep(e)) kept.push(e);
    if (turns.due()) await yieldToEventLoop();
  }
  return { state, kept, read, channel };
}

function logNote(channel: string, state: ReturnType<typeof newReadState>): EvtxLogNote {
  return { channel, slackUnreadable: state.slackUnreadable?.records ?? 0 };
}

function factsOf(state: ReturnType<typeof newReadState>): EvtxFacts {
  return {
    ...state.header,
    chunks: state.chunks,
    badChunks: state.badChunks,
    records: state.records,
    damagedRecords: state.damagedRecords,
    // Only when the slack held records: the facts of every other log stay as they were.
    ...(state.recoveredRecords > 0 ? { recoveredRecords: state.recoveredRecords } : {}),
    ...(state.recoveredWithLogTemplate > 0 ? { recoveredWithLogTemplate: state.recoveredWithLogTemplate } : {}),
    ...(state.slackCopies > 0 ? { slackCopies: state.slackCopies } : {}),
    ...(state.slackUnreadable ? { slackUnreadable: state.slackUnreadable } : {}),
  };
}

export const parsers: readonly ArtifactParser<EvtxEvent, EvtxFacts>[] = [evtxParser];

/**
 * The templates of other logs (`parse --templates`: an archived or older copy of the log, another log
 * of the machine), to rebuild the slack records whose own templates are overwritten; each log read
 * whole, its records dropped. Not EVTX, or damaged: a warning, and what could be read is kept.
 */
export function templatesOf(sources: ReadonlyArray<{ name: string; source: ByteSource }>, warnings: string[]): TemplateLibrary {
  const library = new TemplateLibrary();
  for (const { name, source } of sources) {
    const state = newReadState();
    const before = library.size;
    let records = 0;
    for (const _ of readEvtx(source, state, { collectInto: library })) records++;
    if (!state.header && records === 0) warnings.push(`--templates ${name}: not an EVTX log, no templates taken from it`);
    else if (library.size === before) warnings.push(`--templates ${name}: no templates taken from it (none readable, or none new)`);
  }
  return library;
}

/** The channel a log's records name (its first current record's), read from its first records only; null when none says. */
export function logChannel(src: ByteSource): string | null {
  let seen = 0;
  for (const e of readEvtx(src, newReadState())) {
    if (!e.recovered && e.channel) return e.channel.slice(0, LIMITS.maxNameBytes);
    if (++seen >= FIRST_RECORDS) break;
  }
  return null;
}

/** Records looked at for a log's channel: its first current one names it. */
const FIRST_RECORDS = 64;

export { readEvtx, newReadState } from './parse.js';
export type { EvtxEvent } from './record.js';
