/** Shell and PowerShell history parser: one record per command; staging commands become candidates. */
import type { ArtifactContext, ArtifactParser, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { parseHistory, shellFromPath, userFromPath, type Shell } from './parse.js';
import { matchHistory } from './staging-commands.js';
import { LIMITS } from '../../util/limits.js';

export const historyParser: ArtifactParser = {
  id: 'history',
  description: 'Command history: PSReadLine (ConsoleHost_history.txt), bash, zsh, fish, sh/ash, python',
  matches: (ctx: ArtifactContext) => shellFromPath(ctx.relPath || ctx.name) !== null,
  async parse(src, ctx): Promise<ArtifactResult | null> {
    const shell = shellFromPath(ctx.relPath || ctx.name);
    if (!shell) return null;
    const parsed = parseHistory(src, shell);
    const user = userFromPath(ctx.relPath);
    const records = parsed.commands.map((c) => ({ type: 'history-command', line: c.line, command: c.command, time: c.time, shell, user }));
    return { parser: 'history', records, warnings: parsed.warnings, corrupted: parsed.corrupted, summary: { shell, user, commands: records.length } };
  },
  detect: detectHistory,
};

/** Longest command text copied into a finding's details. */
const DETAIL_COMMAND_CHARS = 2000;

export function detectHistory(result: ArtifactResult, ctx: DetectContext): Candidate[] {
  const records = result.records;
  const matches = matchHistory(records.map((r) => String(r.command)));
  const out: Candidate[] = [];
  matches.forEach((m, i) => {
    if (!m || out.length >= LIMITS.maxFindingsPerArtifact) return;
    const r = records[i]!;
    const time = (r.time as string | null) ?? null;
    const user = (r.user as string | null) ?? null;
    const command = String(r.command);
    out.push({
      kind: 'history',
      path: ctx.relPath,
      hits: m.hits,
      line: Number(r.line),
      user,
      times: ctx.times,
      format: `${String(r.shell as Shell)}-history`,
      details: { command: command.slice(0, DETAIL_COMMAND_CHARS), shell: r.shell, time },
      names: m.names,
      events: time ? [{ time, type: 'command', description: `${user ?? 'unknown user'} ran: ${command.slice(0, 200)}` }] : [],
    });
  });
  return out;
}

export const parsers: ArtifactParser[] = [historyParser];
