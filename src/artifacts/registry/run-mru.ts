/**
 * RunMRU (NTUSER.DAT, Software\Microsoft\Windows\CurrentVersion\Explorer\RunMRU): what the user
 * typed into the Run dialog (Win+R), one lettered REG_SZ per command, `\1` at its end, ordered by
 * MRUList (most recent first). An operator on a desktop session who runs
 * `C:\PerfLogs\rar.exe a -hpX C:\PerfLogs\d.rar C:\Users\alice\Documents` from Win+R leaves it
 * here, with no shell history and no process-creation log. The commands go through the same
 * staging-command matcher as shell histories and event logs (history/staging-commands.ts), oldest
 * first so that a deletion can refer back to the archive an earlier command wrote. The key's
 * last-written time is when its most recent command (position 0) was run.
 */
import type { Candidate } from '../../rules/types.js';
import { HistoryMatching } from '../history/staging-commands.js';
import { registryCandidate } from './candidate.js';
import { mruListOrder } from './mru.js';
import type { HiveView } from './view.js';

export const RUN_MRU_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU';

/** A command line is at most 32,767 characters (CreateProcess); a longer value is cut there. */
const MAX_COMMAND_CHARS = 32_767;

export interface RunMruEntry {
  value: string;
  command: string;
  /** Position in MRUList (0 = most recent), or null when the list leaves it out. */
  mruPosition: number | null;
}

/** The Run dialog's commands, most recent first (those MRUList leaves out last, in value order). */
export function collectRunMru(view: HiveView): { entries: RunMruEntry[]; keyLastWritten: string | null } {
  const node = view.get(RUN_MRU_KEY);
  if (!node) return { entries: [], keyLastWritten: null };
  const order = mruListOrder(node);
  const entries: RunMruEntry[] = [];
  for (const v of node.values) {
    if (/^mrulist$/i.test(v.name) || typeof v.data !== 'string') continue;
    // Explorer ends each command with "\1" (the count of its arguments' kind, always 1 since XP).
    const command = v.data.replace(/\\1$/, '').slice(0, MAX_COMMAND_CHARS);
    entries.push({ value: v.name, command, mruPosition: order.get(v.name) ?? null });
  }
  entries.sort((a, b) => (a.mruPosition ?? Infinity) - (b.mruPosition ?? Infinity));
  return { entries, keyLastWritten: node.lastWritten };
}

/** Run-dialog commands that stage (the history rules), as registry findings at the RunMRU value. */
export function detectRunMru(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  const node = view.get(RUN_MRU_KEY);
  if (!node) return [];
  const { entries } = collectRunMru(view);
  const matching = new HistoryMatching();
  const out: Candidate[] = [];
  // Oldest first: the matcher remembers the archives earlier commands wrote.
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const m = matching.match(e.command);
    if (!m) continue;
    const ran = e.mruPosition === 0 && node.lastWritten ? [{ time: node.lastWritten, type: 'command', description: `${user ?? 'the user'} ran from the Run dialog: ${e.command.slice(0, 200)}` }] : [];
    out.push(registryCandidate({ hivePath, node, value: e.value, user, hits: m.hits, names: m.names, events: ran, format: 'runmru', details: { list: 'RunMRU', command: e.command.slice(0, 2000), mruPosition: e.mruPosition } }));
  }
  return out.reverse();
}
