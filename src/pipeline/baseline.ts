/**
 * --baseline previous.json: findings whose stable id was already in an earlier scan are marked
 * known (and do not fail the run); ids in the baseline but no longer found are listed as resolved.
 * Accepts a saved `--format json` report, `--format jsonl`, or a JSON array of ids or findings.
 */
import { LEVELS, type Finding, type Level } from '../model/finding.js';
import type { BaselineSummary } from '../model/report.js';

/** Bound on ids read from a baseline file (a hostile or corrupt file must not exhaust memory). */
export const MAX_BASELINE_IDS = 1_000_000;

export class BaselineError extends Error {}

function idOf(item: unknown): string | null {
  if (typeof item === 'string') return item;
  if (item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string') return (item as { id: string }).id;
  return null;
}

function fromList(list: unknown[], what: string): string[] {
  const ids = list.slice(0, MAX_BASELINE_IDS).map(idOf);
  if (ids.some((id) => id === null)) throw new BaselineError(`${what}: every entry must be a finding id or a finding with an "id"`);
  return ids as string[];
}

/** The finding ids a baseline file holds; throws BaselineError with a one-line reason. */
export function parseBaseline(text: string, name = 'baseline'): Set<string> {
  const trimmed = text.trim();
  if (trimmed === '') return new Set();
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    // Not one JSON document: try JSONL (one finding per line).
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    try {
      return new Set(fromList(lines.map((l) => JSON.parse(l) as unknown), name));
    } catch (err) {
      throw err instanceof BaselineError ? err : new BaselineError(`${name} is neither a stagehunt JSON report nor JSONL`);
    }
  }
  if (Array.isArray(doc)) return new Set(fromList(doc, name));
  if (doc && typeof doc === 'object' && Array.isArray((doc as { findings?: unknown }).findings)) return new Set(fromList((doc as { findings: unknown[] }).findings, name));
  if (idOf(doc)) return new Set([idOf(doc)!]);
  throw new BaselineError(`${name} has no "findings" list: pass a report saved with --format json or jsonl`);
}

/**
 * Marks known findings in place and summarises what is new and what was resolved. `findings` are the
 * findings shown (at or above --min-level: a saved report holds only those, so a finding below it is never
 * "new"); `present` are the ids of every finding of the scan, shown or not (one still present below the
 * threshold is not resolved).
 */
export function applyBaseline(findings: Finding[], baselineIds: Set<string>, file: string, present: ReadonlySet<string> = new Set(findings.map((f) => f.id))): BaselineSummary {
  const current = present;
  let known = 0;
  const newByLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  for (const f of findings) {
    f.known = baselineIds.has(f.id);
    if (f.known) known++;
    else newByLevel[f.level]++;
  }
  const resolved = [...baselineIds].filter((id) => !current.has(id)).sort();
  return { file, new: findings.length - known, newByLevel, known, resolved };
}
