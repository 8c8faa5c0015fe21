/** Shell and PowerShell history parser: one record per command; staging commands become candidates. */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate, TimelineEvent } from '../../rules/types.js';
import { historyCommands, historyCorrupted, parseHistory, POWERSHELL_HISTORY_SUFFIX, SHELL_BY_NAME, shellFromPath, userFromPath, type HistoryCommand, type Shell } from './parse.js';
import { HistoryMatching } from './staging-commands.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../../util/event-loop.js';
import { LIMITS } from '../../util/limits.js';
import { localToUtc, TRANSCRIPT_PREFIX, transcriptStamps, transcriptZone, type TranscriptZone } from './transcript.js';
import { UNKNOWN_LOCAL_ZONE } from '../../model/system.js';
import { offsetText } from '../../util/zone.js';

/** One command of a shell history (docs/output.md, "parse records"). */
export interface HistoryCommandRecord extends ArtifactRecord {
  type: 'history-command';
  /** 1-based line of the command in the file. */
  line: number;
  command: string;
  /** When the shell recorded it (zsh extended, bash HISTTIMEFORMAT, fish), else null. */
  time: string | null;
  shell: Shell;
  user: string | null;
  /** A PowerShell transcript's local time (no zone), when the transcript gives one. */
  localTime?: string;
}

/** The history file as a whole: its shell, its owner from the path, its command count. */
export interface HistoryFacts {
  shell: Shell;
  user: string | null;
  commands: number;
  /** A PowerShell transcript's first start and last end time (local, as written), for its zone (transcript.ts). */
  transcript?: { firstStart: string | null; lastEnd: string | null };
}

type HistoryResult = ArtifactResult<HistoryCommandRecord, HistoryFacts>;

export const historyParser: ArtifactParser<HistoryCommandRecord, HistoryFacts> = {
  id: 'history',
  dataSources: ['DS0017'],
  fuzzSeeds: ['history'],
  description: 'Command history: PSReadLine (ConsoleHost_history.txt), PowerShell transcripts, bash, zsh, fish, sh/ash, python',
  claims: { names: [...SHELL_BY_NAME.keys()], nameSuffixes: [POWERSHELL_HISTORY_SUFFIX], namePrefixes: [TRANSCRIPT_PREFIX] },
  matches: (ctx: ArtifactContext) => shellFromPath(ctx.relPath || ctx.name) !== null,
  async parse(src, ctx): Promise<HistoryResult | null> {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return null;
    const parsed = parseHistory(src, shell);
    const user = userFromPath(ctx.relPath);
    const records = parsed.commands.map((c) => commandRecord(c, shell, user));
    const facts: HistoryFacts = { shell, user, commands: records.length };
    if (shell === 'powershell-transcript') facts.transcript = transcriptStamps(src);
    return { parser: 'history', records, warnings: parsed.warnings, corrupted: parsed.corrupted, facts };
  },
  // A scan matches the commands as they are read, none held (a history padded to hundreds of MB): the findings of parse + detect,
  // and of a history of more than twice LIMITS.maxHistoryLines lines those of its last lines too (parse keeps the first).
  async scan(src, ctx) {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return null;
    const user = userFromPath(ctx.relPath);
    const warnings: string[] = [];
    const seen = { binary: false };
    const stamps = shell === 'powershell-transcript' ? transcriptStamps(src) : null;
    const matcher = new HistoryMatcher(ctx, stamps ? zoneOf(stamps, ctx) : null);
    // The clock looked at every 1,024 commands: a history of a million lines read on the scan's own thread (an image's file) lets Ctrl-C in.
    const turns = new EventLoopTurns(TURN_EVERY_MS, 1024);
    let commands = 0;
    for (const c of historyCommands(src, shell, warnings, seen, 'newest')) {
      commands++;
      matcher.add(commandRecord(c, shell, user));
      if (turns.due()) await yieldToEventLoop();
    }
    const result: HistoryResult = { parser: 'history', records: [], warnings, corrupted: historyCorrupted(warnings, seen.binary), facts: { shell, user, commands, ...(stamps ? { transcript: stamps } : {}) } };
    return { result, candidates: matcher.candidates };
  },
  detect: detectHistory,
  *stream(src, ctx, warnings) {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return;
    const user = userFromPath(ctx.relPath);
    // Nothing held: every line up to the byte bound, as the other streamed artifacts give all their records.
    for (const c of historyCommands(src, shell, warnings, undefined, 'all')) yield commandRecord(c, shell, user);
  },
};

function commandRecord(c: HistoryCommand, shell: Shell, user: string | null): HistoryCommandRecord {
  const r: HistoryCommandRecord = { type: 'history-command', line: c.line, command: c.command, time: c.time, shell, user: c.user ?? user };
  if (c.localTime) r.localTime = c.localTime;
  return r;
}

/** A transcript's zone, when its file times pin it (transcript.ts transcriptZone). */
function zoneOf(stamps: { firstStart: string | null; lastEnd: string | null }, ctx: DetectContext): TranscriptZone | null {
  return transcriptZone(stamps.firstStart, stamps.lastEnd, ctx.times.born, ctx.times.modified);
}

/** The timeline event of a command run at `time` (also given later to a transcript's command whose zone the SYSTEM hive settles). */
export function commandEvent(time: string, user: string | null, command: string): TimelineEvent {
  return { time, type: 'command', description: `${user ?? 'unknown user'} ran: ${command.slice(0, 200)}` };
}

/** Longest command text copied into a finding's details. */
const DETAIL_COMMAND_CHARS = 2000;

export function detectHistory(result: HistoryResult, ctx: DetectContext): Candidate[] {
  const stamps = result.facts?.transcript;
  const matcher = new HistoryMatcher(ctx, stamps ? zoneOf(stamps, ctx) : null);
  for (const r of result.records) if (!matcher.add(r)) break;
  return matcher.candidates;
}

/**
 * The candidates of a history's commands, given in order (a deletion refers back to an archive
 * written earlier): matched until LIMITS.maxFindingsPerArtifact are kept, the rest not matched.
 */
class HistoryMatcher {
  readonly candidates: Candidate[] = [];
  private readonly matching = new HistoryMatching();

  /** @param zone a transcript's UTC offset, when known: its local times then become times. */
  constructor(
    private readonly ctx: DetectContext,
    private readonly zone: TranscriptZone | null = null,
  ) {}

  /** False once the cap is reached (nothing more is matched). */
  add(r: HistoryCommandRecord): boolean {
    if (this.candidates.length >= LIMITS.maxFindingsPerArtifact) return false;
    const m = this.matching.match(r.command);
    if (m) {
      const { user, command, localTime } = r;
      const time = r.time ?? (localTime && this.zone ? localToUtc(localTime, this.zone) : null);
      // A transcript's local time is kept as written, with the zone and how it is known, or UNKNOWN_LOCAL_ZONE (as Trash's).
      const local = localTime ? { localTime, timezone: this.zone ? `${offsetText(this.zone.offsetMinutes)} (${this.zone.how})` : UNKNOWN_LOCAL_ZONE } : {};
      this.candidates.push({
        kind: 'history',
        path: this.ctx.relPath,
        hits: m.hits,
        line: r.line,
        user,
        times: this.ctx.times,
        format: r.shell === 'powershell-transcript' ? 'powershell-transcript' : `${r.shell}-history`,
        details: { command: command.slice(0, DETAIL_COMMAND_CHARS), shell: r.shell, time, ...local },
        names: m.names,
        events: time ? [commandEvent(time, user, command)] : [],
      });
    }
    return this.candidates.length < LIMITS.maxFindingsPerArtifact;
  }
}

export const parsers: readonly ArtifactParser[] = [historyParser];
