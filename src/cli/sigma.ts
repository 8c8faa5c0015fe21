/**
 * Sigma rules for the commands: stagehunt's own (src/rules/data/sigma), which scan and explain both
 * apply to event logs, and a user's --sigma directories (scan), with what could not be loaded said
 * on stderr: one line with counts per reason, every rule with --verbose.
 */
import { statSync } from 'node:fs';
import { loadSigmaRules, type SigmaRule, type SigmaRuleSet } from '../artifacts/evtx/sigma.js';
import { dataDir } from '../util/package-root.js';
import { escapeControls } from '../util/text.js';
import { UsageError } from './errors.js';

export function builtinSigmaRules(): readonly SigmaRule[] {
  return loadSigmaRules([dataDir('rules', 'data', 'sigma')]).rules;
}

/**
 * The stderr lines for a user's rule set: the count line with the unsupported rules counted per
 * reason (most frequent first), then, when `verbose`, one line per unsupported rule with its reason.
 */
export function sigmaLoadLines(set: SigmaRuleSet, dirs: readonly string[], verbose: boolean): string[] {
  const from = dirs.map((d) => escapeControls(d)).join(', ');
  const counts = new Map<string, number>();
  for (const u of set.unsupported) counts.set(u.kind, (counts.get(u.kind) ?? 0) + 1);
  const perReason = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([kind, n]) => `${n} ${kind}`).join(', ');
  const unsupported = set.unsupported.length === 0 ? '0 unsupported' : `${set.unsupported.length} unsupported (${perReason})${verbose ? '' : '; --verbose lists them'}`;
  const correlations = set.correlations.length > 0 ? ` and ${set.correlations.length} correlation${set.correlations.length === 1 ? '' : 's'}` : '';
  const lines = [`stagehunt: sigma: ${set.rules.length} rule${set.rules.length === 1 ? '' : 's'}${correlations} loaded from ${from}; ${unsupported}`];
  if (verbose) for (const u of set.unsupported) lines.push(`stagehunt: sigma: unsupported ${escapeControls(u.file)}${u.title ? ` (${escapeControls(u.title)})` : ''}: ${escapeControls(u.reason)}`);
  return lines;
}

/**
 * stagehunt's own Sigma rules plus --sigma directories. Unsupported rules are counted on stderr
 * (never dropped silently); a directory that cannot be read is a usage error.
 */
export function loadSigma(dirs: readonly string[], opts: { quiet: boolean; verbose: boolean }): readonly SigmaRule[] {
  for (const d of dirs) {
    let st;
    try {
      st = statSync(d);
    } catch {
      throw new UsageError(`--sigma ${d}: no such directory`);
    }
    if (!st.isDirectory()) throw new UsageError(`--sigma ${d}: not a directory`);
  }
  if (dirs.length === 0) return builtinSigmaRules();
  const user = loadSigmaRules(dirs);
  if (!opts.quiet) for (const line of sigmaLoadLines(user, dirs, opts.verbose)) process.stderr.write(`${line}\n`);
  return [...builtinSigmaRules(), ...user.rules];
}
