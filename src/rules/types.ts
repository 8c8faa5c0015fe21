/**
 * Rules are data (src/rules/data/*.json): id, title, score, strength, ATT&CK ids, references.
 * Detectors (code) decide *whether* a rule fires and say what they saw (a Hit);
 * the engine (engine.ts) looks the rule up and turns hits into scored findings.
 */
import type { ArtifactContext, FileTimes, FindingKind } from '../model/finding.js';

export interface RuleDef {
  id: string;
  title: string;
  description: string;
  /** Points added when the rule fires (negative lowers the score, e.g. known-benign). */
  score: number;
  /** A strong rule can carry a finding to high/critical on its own; weak ones cannot (docs/scoring.md). */
  strong: boolean;
  /** ATT&CK technique ids this rule is evidence of. */
  attack: string[];
  /** Public detection content or documentation naming the indicator. */
  references: string[];
}

/** A rule that fired on one subject. `score` overrides the rule's default (e.g. hotspot weight). */
export interface Hit {
  rule: string;
  message: string;
  score?: number;
  /** ATT&CK ids this hit adds beyond its catalog rule's (a Sigma rule's own tags). */
  attack?: string[];
}

/** A timestamped event that becomes a timeline row of its own. */
export interface TimelineEvent {
  /** ISO-8601 UTC. */
  time: string;
  /** Short machine name: 'deleted', 'entry-modified', 'key-last-written', 'executed', 'command', ... */
  type: string;
  description: string;
}

/** A path named by an artifact, used by correlate/ to link evidence across artifacts. */
export interface NamedPath {
  /** The path as the artifact names it (Windows or Unix form). */
  path: string;
  /** writes: an archive a command creates; reads: a source it reads; original: a $I original path;
   *  mru: an archiver history entry; deletes: a path a command deletes; executes: a program run;
   *  opens: a file or folder an LNK, Jump List or ShellBags entry says the user opened or browsed. */
  role: 'writes' | 'reads' | 'original' | 'mru' | 'deletes' | 'executes' | 'opens';
}

/** What a detector proposes; the engine scores it into a Finding. */
export interface Candidate extends ArtifactContext {
  kind: FindingKind;
  /** relPath of the file the evidence lives in (the archive, the $I, the hive, the history file). */
  path: string;
  hits: Hit[];
  size?: number | null;
  format?: string | null;
  entropy?: number | null;
  times?: FileTimes;
  names?: NamedPath[];
  events?: TimelineEvent[];
}
