/**
 * What `explain` reports about one file (the object `explain --format json` prints): built by
 * src/pipeline/explain.ts, rendered for people by src/report/explain-text.ts. `Archive` is the
 * archive contract (src/artifacts/archive/summary.ts), a parameter so model/ imports nothing above it.
 */
import type { FileTimes, Finding, FindingKind } from './finding.js';
import type { Locators } from './kinds.js';

/** How one place (the file, or evidence inside it) scores: as the scan scored it, or on its own. */
export interface ExplainVerdict extends Locators {
  kind: FindingKind;
  path: string;
  level: Finding['level'];
  score: number;
  reasons: Finding['reasons'];
  attack: string[];
  strong: boolean;
}

/** One parser's run on the file: its outcome, facts (printed as `summary`) and the first records. */
export interface ExplainArtifact {
  parser: string;
  error: string | null;
  corrupted: boolean | null;
  warnings: string[];
  summary: unknown;
  recordCount: number;
  records: unknown[];
}

export interface ExplainReport<Archive = unknown> {
  path: string;
  root: string | null;
  relativePath: string;
  os: string | null;
  hotspot: { id: string; description: string; weight: number } | null;
  size: number;
  times: FileTimes;
  fingerprint: Record<string, unknown> & { samples: { offset: number; length: number }[] };
  archive: Archive | null;
  artifacts: ExplainArtifact[];
  verdict: ExplainVerdict;
  /** Staging evidence that did not fire, benign matches that lowered the score, the strong-reason cap. */
  whyNotHigher: string[];
  inner: ExplainVerdict[];
  warnings: string[];
}
