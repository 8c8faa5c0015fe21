/**
 * What `explain` reports about one file (the object `explain --format json` prints): built by
 * src/pipeline/explain.ts, rendered for people by src/report/explain-text.ts. `Archive` is the
 * archive contract (src/artifacts/archive/summary.ts), a parameter so model/ imports nothing above it.
 */
import type { FileTimes, Finding, FindingKind } from './finding.js';
import type { Locators } from './kinds.js';

/** How one place (the file, or evidence inside it) scores: as the scan scored it, or on its own. */
export interface ExplainVerdict extends Locators {
  /** The root (an image's volume) the finding is on, where a report's findings come from more than one. */
  root?: string;
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
  /**
   * A live file was read. False: no file at the path (a deleted archive), and the report is what the
   * scan's traces of the path say (journal, `$LogFile`, MFT record, Recycle Bin...): size, times and
   * fingerprint null, no parse, the strongest trace finding the verdict and the others `inner`.
   */
  live: boolean;
  /** A folder: no content to read; its own times, and the scan's findings at it (a burst, a hidden staging folder) as verdict and inner. */
  directory: boolean;
  hotspot: { id: string; description: string; weight: number } | null;
  size: number | null;
  times: FileTimes | null;
  fingerprint: (Record<string, unknown> & { samples: { offset: number; length: number }[] }) | null;
  archive: Archive | null;
  artifacts: ExplainArtifact[];
  verdict: ExplainVerdict;
  /** Staging evidence that did not fire, benign matches that lowered the score, the strong-reason cap. */
  whyNotHigher: string[];
  inner: ExplainVerdict[];
  warnings: string[];
}
