/** Shell and PowerShell history parser: one record per command; staging commands become candidates. */
import type { ArtifactContext, ArtifactParser, ArtifactRecord, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { parseHistory, POWERSHELL_HISTORY_SUFFIX, SHELL_BY_NAME, shellFromPath, userFromPath, type Shell } from './parse.js';
import { matchHistory } from './staging-commands.js';
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
    const records = parsed.commands.map((c): HistoryCommandRecord => ({ type: 'history-command', line: c.line, command: c.command, time: c.time, shell, user }));
    return { parser: 'history', records, warnings: parsed.warnings, corrupted: parsed.corrupted, facts: { shell, user, commands: records.length } };
  },
  detect: detectHistory,
};

/** Longest command text copied into a finding's details. */
const DETAIL_COMMAND_CHARS = 2000;

export function detectHistory(result: HistoryResult, ctx: DetectContext): Candidate[] {
  const records = result.records;
  const matches = matchHistory(records.map((r) => r.command));
  const out: Candidate[] = [];
  matches.forEach((m, i) => {
    if (!m || out.length >= LIMITS.maxFindingsPerArtifact) return;
    const r = records[i]!;
    const { time, user, command } = r;
    out.push({
      kind: 'history',
      path: ctx.relPath,
      hits: m.hits,
      line: r.line,
      user,
      times: ctx.times,
      format: `${r.shell}-history`,
      details: { command: command.slice(0, DETAIL_COMMAND_CHARS), shell: r.shell, time },
      names: m.names,
      events: time ? [{ time, type: 'command', description: `${user ?? 'unknown user'} ran: ${command.slice(0, 200)}` }] : [],
    });
  });
  return out;
}

export const parsers: readonly ArtifactParser[] = [historyParser];
