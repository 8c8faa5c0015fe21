/** Shell and PowerShell history parser: one record per command; staging commands become candidates. */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { historyCommands, historyCorrupted, parseHistory, POWERSHELL_HISTORY_SUFFIX, SHELL_BY_NAME, shellFromPath, userFromPath, type HistoryCommand, type Shell } from './parse.js';
import { HistoryMatching } from './staging-commands.js';
import { EventLoopTurns, TURN_EVERY_MS, yieldToEventLoop } from '../../util/event-loop.js';
import { LIMITS } from '../../util/limits.js';

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
}

/** The history file as a whole: its shell, its owner from the path, its command count. */
export interface HistoryFacts {
  shell: Shell;
  user: string | null;
  commands: number;
}

type HistoryResult = ArtifactResult<HistoryCommandRecord, HistoryFacts>;

export const historyParser: ArtifactParser<HistoryCommandRecord, HistoryFacts> = {
  id: 'history',
  dataSources: ['DS0017'],
  fuzzSeeds: ['history'],
  description: 'Command history: PSReadLine (ConsoleHost_history.txt), bash, zsh, fish, sh/ash, python',
  claims: { names: [...SHELL_BY_NAME.keys()], nameSuffixes: [POWERSHELL_HISTORY_SUFFIX] },
  matches: (ctx: ArtifactContext) => shellFromPath(ctx.relPath || ctx.name) !== null,
  async parse(src, ctx): Promise<HistoryResult | null> {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return null;
    const parsed = parseHistory(src, shell);
    const user = userFromPath(ctx.relPath);
    const records = parsed.commands.map((c) => commandRecord(c, shell, user));
    return { parser: 'history', records, warnings: parsed.warnings, corrupted: parsed.corrupted, facts: { shell, user, commands: records.length } };
  },
  // A scan matches the commands as they are read, none held (a history padded to hundreds of MB): the findings of parse + detect,
  // and of a history of more than twice LIMITS.maxHistoryLines lines those of its last lines too (parse keeps the first).
  async scan(src, ctx) {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return null;
    const user = userFromPath(ctx.relPath);
    const warnings: string[] = [];
    const seen = { binary: false };
    const matcher = new HistoryMatcher(ctx);
    // The clock looked at every 1,024 commands: a history of a million lines read on the scan's own thread (an image's file) lets Ctrl-C in.
    const turns = new EventLoopTurns(TURN_EVERY_MS, 1024);
    let commands = 0;
    for (const c of historyCommands(src, shell, warnings, seen, 'newest')) {
      commands++;
      matcher.add(commandRecord(c, shell, user));
      if (turns.due()) await yieldToEventLoop();
    }
    const result: HistoryResult = { parser: 'history', records: [], warnings, corrupted: historyCorrupted(warnings, seen.binary), facts: { shell, user, commands } };
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
  return { type: 'history-command', line: c.line, command: c.command, time: c.time, shell, user };
}

/** Longest command text copied into a finding's details. */
const DETAIL_COMMAND_CHARS = 2000;

export function detectHistory(result: HistoryResult, ctx: DetectContext): Candidate[] {
  const matcher = new HistoryMatcher(ctx);
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

  constructor(private readonly ctx: DetectContext) {}

  /** False once the cap is reached (nothing more is matched). */
  add(r: HistoryCommandRecord): boolean {
    if (this.candidates.length >= LIMITS.maxFindingsPerArtifact) return false;
    const m = this.matching.match(r.command);
    if (m) {
      const { time, user, command } = r;
      this.candidates.push({
        kind: 'history',
        path: this.ctx.relPath,
        hits: m.hits,
        line: r.line,
        user,
        times: this.ctx.times,
        format: `${r.shell}-history`,
        details: { command: command.slice(0, DETAIL_COMMAND_CHARS), shell: r.shell, time },
        names: m.names,
        events: time ? [{ time, type: 'command', description: `${user ?? 'unknown user'} ran: ${command.slice(0, 200)}` }] : [],
      });
    }
    return this.candidates.length < LIMITS.maxFindingsPerArtifact;
  }
}

export const parsers: readonly ArtifactParser[] = [historyParser];
