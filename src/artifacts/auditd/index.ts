/**
 * Linux audit log parser (docs/eventlogs.md, "auditd"): events joined by serial; their EXECVE
 * command lines go through the same staging-command matcher as shell histories and EVTX events.
 */
import type { ArtifactContext, ArtifactParser, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { matchHistory } from '../history/staging-commands.js';
import { LIMITS } from '../../util/limits.js';
import { parseAudit, streamAudit, type AuditEvent } from './parse.js';
import { magicText } from '../claims.js';

const AUDIT_NAME = /^audit\.log(\.\d+)?$/i;
/** Longest command copied into a finding. */
const DETAIL_COMMAND_CHARS = 2000;

function looksLikeAudit(head: Buffer): boolean {
  return /^(node=\S+ )?type=[A-Z_]+ msg=audit\(/.test(head.subarray(0, 200).toString('latin1'));
}

/** The audit log as a whole: events joined, and how many carry a command line. */
interface AuditFacts {
  events: number;
  commands: number;
}

type AuditResult = ArtifactResult<AuditEvent, AuditFacts>;

export const auditdParser: ArtifactParser<AuditEvent, AuditFacts> = {
  id: 'auditd',
  dataSources: ['DS0009', 'DS0017', 'DS0015'],
  // No corpus sample: its seeds are written by bench/lib/extra-seeds.mjs.
  fuzzSeeds: [],
  description: 'Linux audit log (audit.log): EXECVE arguments (hex decoded) joined with SYSCALL, CWD and PATH by serial',
  // looksLikeAudit: every audit log starts 'type=' or 'node='.
  claims: { magics: [magicText(0, 'type='), magicText(0, 'node=')] },
  matches: (ctx: ArtifactContext) => (AUDIT_NAME.test(ctx.name) || /(^|\/)var\/log\/audit\//i.test(ctx.relPath)) && looksLikeAudit(ctx.head),
  async parse(src): Promise<AuditResult | null> {
    const parsed = parseAudit(src);
    if (parsed.events.length === 0 && parsed.corrupted) return null;
    return {
      parser: 'auditd',
      records: parsed.events,
      warnings: parsed.warnings,
      corrupted: parsed.corrupted,
      facts: { events: parsed.events.length, commands: parsed.events.filter((e) => e.command).length },
    };
  },
  // The events as they are read, for `stagehunt parse --format jsonl` (an audit log may be large).
  *stream(src, _ctx, warnings) {
    yield* streamAudit(src, warnings);
  },
  detect: detectAudit,
};

export function detectAudit(result: AuditResult, ctx: DetectContext): Candidate[] {
  const execs = result.records.filter((e) => e.command !== null && e.records.includes('EXECVE'));
  const out: Candidate[] = [];
  matchHistory(execs.map((e) => e.command!)).forEach((m, i) => {
    if (!m || out.length >= LIMITS.maxFindingsPerArtifact) return;
    const e = execs[i]!;
    const user = e.user ?? (e.auid && e.auid !== '4294967295' ? `auid ${e.auid}` : e.uid ? `uid ${e.uid}` : null);
    out.push({
      kind: 'event',
      path: ctx.relPath,
      hits: m.hits,
      user,
      times: ctx.times,
      format: 'auditd',
      event: { channel: 'audit', recordId: e.serial, eventId: null },
      details: { source: 'auditd EXECVE', time: e.time, process: e.exe, command: e.command!.slice(0, DETAIL_COMMAND_CHARS), cwd: e.cwd, pid: e.pid, success: e.success, paths: e.paths.slice(0, 20).map((p) => p.name) },
      names: m.names,
      events: e.time ? [{ time: e.time, type: 'command', description: `${user ?? 'unknown user'} ran (audit serial ${e.serial}): ${e.command!.slice(0, 200)}` }] : [],
    });
  });
  return out;
}

export const parsers: readonly ArtifactParser<AuditEvent, AuditFacts>[] = [auditdParser];
