/** Windows XML event log (EVTX) parser: matched on the 'ElfFile' magic whatever the file is called. */
import type { ArtifactParser } from '../types.js';
import { FILE_HEADER, hasEvtxMagic } from './layout.js';
import { detectEvtx } from './detect.js';
import { newReadState, readEvtx } from './parse.js';
import type { EvtxEvent, EvtxFacts, EvtxResult } from './record.js';
import { LIMITS } from '../../util/limits.js';

export const evtxParser: ArtifactParser<EvtxEvent, EvtxFacts> = {
  id: 'evtx',
  dataSources: ['DS0009', 'DS0017', 'DS0015', 'DS0022'],
  fuzzSeeds: ['evtx'],
  description: 'Windows XML event log (EVTX): Security 4688, Sysmon 1/11/23/26, PowerShell 4104 and every other record',
  claims: { formats: ['evtx'], magics: [{ at: 0, bytes: FILE_HEADER.magic }] },
  matches: (ctx) => ctx.format === 'evtx' || hasEvtxMagic(ctx.head),
  async parse(src): Promise<EvtxResult | null> {
    const state = newReadState();
    // parse() holds its records (scan, explain); `stagehunt parse` streams them without this cap.
    const records: EvtxEvent[] = [];
    for (const e of readEvtx(src, state)) {
      if (records.length >= LIMITS.maxEvtxRecordsHeld) {
        state.warnings.push(`only the first ${LIMITS.maxEvtxRecordsHeld} records are kept for detection (limit); \`stagehunt parse\` streams them all`);
        state.corrupted = true;
        break;
      }
      records.push(e);
    }
    if (!state.header && records.length === 0 && state.warnings.length === 0) return null;
    return {
      parser: 'evtx',
      records,
      warnings: state.warnings,
      corrupted: state.corrupted,
      facts: { ...state.header, chunks: state.chunks, badChunks: state.badChunks, records: state.records, damagedRecords: state.damagedRecords },
    };
  },
  detect: detectEvtx,
  *stream(src, _ctx, warnings) {
    const state = newReadState();
    state.warnings = warnings;
    yield* readEvtx(src, state);
  },
};

export const parsers: readonly ArtifactParser<EvtxEvent, EvtxFacts>[] = [evtxParser];

export { readEvtx, newReadState } from './parse.js';
export type { EvtxEvent } from './record.js';
