/** The scan report: `json` output is exactly this object (docs/output.md). */
import type { Finding, Level } from './finding.js';

export type { HashAlgorithm } from './finding.js';
import type { HashAlgorithm } from './finding.js';
import type { SystemFacts } from './system.js';

/** One file hashed for chain of custody (meta.hashes). */
export interface HashRecord {
  root: string;
  path: string;
  size: number | null;
  status: 'hashed' | 'skipped-size' | 'error';
  hashes: Partial<Record<HashAlgorithm, string>>;
  message?: string;
}

/** One step of an episode's story, in time order. */
export interface EpisodeStep {
  /** ISO-8601 UTC, or null for evidence without a time of its own (e.g. a history line). */
  time: string | null;
  text: string;
  findingIds: string[];
}

/** A staging episode: findings that belong together by place, time and cross-artifact links (docs/episodes.md). */
export interface Episode {
  id: string;
  score: number;
  level: Level;
  confidence: 'low' | 'moderate' | 'high';
  start: string | null;
  end: string | null;
  users: string[];
  locations: string[];
  findingIds: string[];
  evidenceKinds: string[];
  attack: string[];
  narrative: string;
  steps: EpisodeStep[];
}

export interface BaselineSummary {
  file: string;
  new: number;
  /** New findings by level: what --fail-on counts when a baseline is given. */
  newByLevel: Record<Level, number>;
  known: number;
  resolved: string[];
}

export interface TimelineRow {
  /** ISO-8601 UTC. */
  time: string;
  /** 'm', 'a', 'c', 'b' file times combined MACB-style ("m..b"), or an event type ('deleted', 'command', ...). */
  type: string;
  description: string;
  findingId: string;
  root: string;
  path: string;
  level: Level;
  score: number;
  /** Console (issue 16): true when the time is the image's generation or copy, not evidence (src/timeline/acquisition.ts); absent otherwise. */
  acquisition?: true;
  /** Console (issue 16): the root's --host label, when one was given. */
  host?: string;
}

/**
 * The report's timeline rows, in time order: a list a writer iterates (and counts), not an array.
 * A scan's is built from its findings as it is read (src/timeline/timeline.ts `FindingsTimeline`,
 * whose `toJSON` is the list of rows); a saved scan's is the array it was saved with.
 */
export interface Timeline extends Iterable<TimelineRow> {
  readonly length: number;
}

export interface ScanError {
  root: string;
  path: string;
  op: string;
  code: string;
  message: string;
}

export interface RootMeta {
  path: string;
  os: string;
  label: string;
  /** Console (issue 16): the --host label (or ROOT=NAME) given for this root; absent when none was. */
  host?: string;
  hotspotDirectories: number;
  filesScanned: number;
  bytesRead: number;
  directories: number;
  symlinksSkipped: number;
  specialFilesSkipped: number;
  otherDeviceSkipped: number;
  /** For a root read from a disk image: the image file and the acquisition hashes it stores (E01). */
  image?: { file: string; format: string; mediaSize: number | null; storedMd5: string | null; storedSha1: string | null };
  /** For a shadow copy of an image's NTFS volume (`case.E01#p2#vss1`): the copy, and how many of its findings were the live volume's (left out). */
  shadowCopy?: ShadowCopyMeta;
  /** What the root's own SYSTEM and SOFTWARE hives say of the machine: name, time zone, Windows version, last shutdown. */
  system?: SystemFacts;
}

export interface ShadowCopyMeta {
  /** The label of the live volume it is a past state of. */
  of: string;
  /** 1 for the oldest copy of that volume. */
  number: number;
  /** When the copy was made (ISO-8601 UTC). */
  created: string | null;
  storeId: string;
  shadowCopyId: string | null;
  shadowCopySetId: string | null;
  attributeFlags: number | null;
  operatingMachine: string | null;
  serviceMachine: string | null;
  /** Findings of the copy that the live volume has in the same state, left out of the report. */
  findingsAsLive: number;
}

/**
 * Version of the JSON report and JSONL finding contract (docs/schema/): bump the minor for added
 * optional fields, the major for anything a consumer could trip on (renamed, removed, retyped).
 */
// 1.1: a finding's `event.recovered` (an event recovered from a log's chunk slack).
// 1.2: the finding kind `i30-entry` (a staged file's name in a folder's $I30 index slack).
// 1.3: a root's `shadowCopy` (a volume shadow copy of an image's NTFS volume scanned as a root).
// 1.4: `meta.yara` (--yara rules) and a file finding's `details.yara`.
// 1.5: archive members for the rules: `meta.yara.maxMembers`, `packagesOpened`, `members`; `details.yara[].member`.
// 1.6: the finding kind `carved` (an archive carved from an NTFS volume's free clusters, scan --carve).
// 1.7: a root's `system` (what its SYSTEM and SOFTWARE hives say of the machine: name, time zone, version, last shutdown).
// 1.8: a time zone's rules by year (`system.timeZone.years`, Dynamic DST).
// 1.9: a finding's `correlation` locator (a Sigma correlation's firing; docs/eventlogs.md "Sigma correlations") and its CSV/Timesketch column.
// 1.10: the finding kind `logfile-record` (a staged file's life in the NTFS $LogFile; docs/ntfs.md "$LogFile").
export const SCHEMA_VERSION = '1.10';

/** The case a scan belongs to (--case, --examiner), shown in the report header. */
export interface CaseInfo {
  id: string | null;
  examiner: string | null;
}

export interface ScanMeta {
  tool: 'stagehunt';
  /** SCHEMA_VERSION of the writer; absent in scans saved before the schema existed. */
  schemaVersion?: string;
  /** --case / --examiner, when given. */
  case?: CaseInfo;
  version: string;
  command: string;
  options: Record<string, unknown>;
  roots: RootMeta[];
  startedAt: string;
  finishedAt: string;
  /** Evidence-integrity audit: whether reading may have changed access times. */
  atime: { preservedWithNoatime: number; openedWithoutNoatime: number; note: string };
  node: string;
  /** Files hashed for chain of custody (--hash); absent with --hash none. */
  hashes?: HashRecord[];
  /** --yara (schema 1.4): the rule files applied and what became of the files they were applied to. */
  yara?: YaraMeta;
}

/** A rule file the user gave, as the report names it (meta.yara.files). */
export interface YaraRuleFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** meta.yara (schema 1.4): the rules applied and what became of the files. */
export interface YaraMeta {
  files: YaraRuleFile[];
  /** Rule files that did not compile or could not be read, with the first line of why. */
  unsupported: Array<{ path: string; reason: string }>;
  maxFileBytes: number;
  timeoutMs: number;
  filesScanned: number;
  filesMatched: number;
  tooLarge: number;
  timedOut: number;
  errors: number;
  /** True when the scan stopped applying the rules (LIMITS.yaraMaxTimeouts files timed out). */
  stopped: boolean;
  /** (1.5) --yara-members: members given at most per archive; 0 when archives are not opened. */
  maxMembers?: number;
  /** (1.5) --yara-packages: ZIP-based packages (Office, Java...) opened too. */
  packagesOpened?: boolean;
  /** (1.5) What became of the members of the archives the rules looked into. */
  members?: YaraMemberStats;
}

/** meta.yara.members (schema 1.5): archives opened for the rules, and their members. */
export interface YaraMemberStats {
  /** Archives (ZIP, tar, compressed streams) whose members were listed. */
  archives: number;
  /** ZIP-based packages not opened (without --yara-packages). */
  packages: number;
  /** Members given to the rules, and those at least one rule matched. */
  scanned: number;
  matched: number;
  /** Members not given: encrypted, compressed with a method not decompressed here, larger than --yara-max-size, past the archive's decompression budget, past --yara-members. */
  encrypted: number;
  method: number;
  tooLarge: number;
  budget: number;
  beyond: number;
  /** Members read in part (damaged data: what decoded was given). */
  damaged: number;
}

export interface ScanSummary {
  verdict: string;
  findings: number;
  shown: number;
  byLevel: Record<Level, number>;
  highestLevel: Level | null;
  errors: number;
  /** Present with --baseline: findings new since, known from, and gone since the baseline scan. */
  baseline?: BaselineSummary;
  /** Present with --exclude / --allowlist: findings and reasons the user suppressed (listed in `suppressed`). */
  suppressed?: number;
}

/** A finding (matched 'path' or 'sha256') or one rule's reasons on it (matched 'rule') that the user suppressed. */
export interface SuppressedFinding {
  root: string;
  path: string;
  kind: string;
  key?: string;
  value?: string;
  line?: number;
  entry?: string;
  /** The rule whose reasons were removed, or null when the whole finding was. */
  rule: string | null;
  matched: 'path' | 'sha256' | 'rule';
  /** The glob, hash or rule id that matched. */
  pattern: string;
  reason: string;
  /** The allowlist file, or '--exclude'. */
  source: string;
}

export interface ScanReport {
  meta: ScanMeta;
  summary: ScanSummary;
  findings: Finding[];
  timeline: Timeline;
  errors: ScanError[];
  /** Staging episodes, most severe first (absent in scans saved by older versions). */
  episodes?: Episode[];
  /** With --exclude / --allowlist: what was suppressed, never silently dropped. */
  suppressed?: SuppressedFinding[];
}
