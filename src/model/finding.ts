/**
 * The finding: the one stable, documented record every stage converges on (docs/output.md).
 * Field names here are a public contract: add, never rename.
 */
import type { Locators } from './kinds.js';

export const LEVELS = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** One reason a finding was raised: a rule that fired, the points it added, and what it saw. */
export interface Reason {
  rule: string;
  score: number;
  message: string;
}

/**
 * How an archive's reason says the encryption is an archive inside it, not its own (archive/detect.ts
 * writes it, the narrative reads it: "a ZIP archive holding an encrypted archive").
 */
export const HOLDS_ENCRYPTED_ARCHIVE = 'holds an encrypted archive';

/** File-system times as ISO-8601 UTC strings; null when the filesystem does not record that time. */
export interface FileTimes {
  modified: string | null;
  accessed: string | null;
  changed: string | null;
  born: string | null;
}

export const NO_TIMES: FileTimes = { modified: null, accessed: null, changed: null, born: null };

/** What kind of evidence a finding is about. */
export type FindingKind =
  | 'file' // a file on disk (archive, blob, hive copy, ...)
  | 'directory' // a directory (staging burst, hidden dir, fake recycle folder)
  | 'archive-entry' // an entry inside an archive
  | 'recycle-bin' // a $I / INFO2 record or a $R without $I
  | 'trash' // freedesktop / macOS trash item
  | 'history' // a shell / PowerShell history command
  | 'registry' // a registry key or value
  | 'event' // an event log record (EVTX): process creation, script block, file create/delete
  | 'mft-record' // NTFS: an MFT record of a staged file (deleted or live), issue 13
  | 'i30-entry' // NTFS: a staged file's name left in a folder's $I30 index slack (docs/ntfs.md "$I30 slack")
  | 'usn-record' // NTFS: the USN journal life of one file or folder, issue 13
  | 'logfile-record' // NTFS: the $LogFile life of a staged file the USN journal does not show (docs/ntfs.md "$LogFile")
  | 'carved' // an archive carved from an image file system's free space, no file naming it (scan --carve)
  | 'execution' // a program run recorded by Prefetch, Amcache or AppCompatCache (issue 15)
  | 'access' // an LNK, Jump List or ShellBags entry (issue 15 part B)
  | 'summary'; // low/info findings of one rule in one directory beyond a cap, folded into one (issue 17)

/** Where an event finding lives inside its log file (docs/eventlogs.md). */
export interface EventLocator {
  channel: string | null;
  recordId: number;
  eventId: number | null;
  /** A record recovered from the log's chunk slack, not one of its current records (docs/eventlogs.md "Recovered records"). */
  recovered?: true;
}

/**
 * What evidence inside an artifact carries beyond the kind's locators (model/kinds.ts), present
 * only where it applies: a detector's candidate carries it and the finding scored from it keeps it.
 */
export interface ArtifactContext extends Locators {
  /** When a Recycle Bin or Trash item was deleted (ISO-8601 UTC), null when the record does not say. */
  deletedAt?: string | null;
  /** The account the evidence belongs to (a profile name or SID), null when it cannot be told. */
  user?: string | null;
  /** Extra structured evidence (archive summary, linked findings, ...). */
  details?: Record<string, unknown>;
}

export interface Finding extends ArtifactContext {
  /** Stable across runs: a hash of root label, kind, path and locators. */
  id: string;
  /** The evidence root as given on the command line. */
  root: string;
  /** Path relative to the root, '/'-separated; non-UTF-8 bytes escaped as \xNN. */
  path: string;
  kind: FindingKind;
  level: Level;
  score: number;
  reasons: Reason[];
  /** Id of the hotspot the path lies in, or null. */
  hotspot: string | null;
  size: number | null;
  /** Detected type (file-type ext or own detector id), or null when unknown. */
  format: string | null;
  /** Shannon entropy in bits per byte over the sampled ranges, or null when not measured. */
  entropy: number | null;
  times: FileTimes;
  /** ATT&CK technique ids, T1074.001 first. */
  attack: string[];
  /** Disk-image roots only: the file system's id of the file behind the finding (ext inode, NTFS `entry-sequence`, FAT/exFAT directory-entry address); directory roots leave it out. */
  fileId?: string;
  /** Hex digests of the file behind the finding (--hash); absent when not hashed. */
  hashes?: Partial<Record<HashAlgorithm, string>>;
  /** True when the finding's stable id is in the --baseline scan. */
  known?: boolean;
  /** Console (issue 16): the root's --host label (or ROOT=NAME), present only when one was given; part of the id. */
  host?: string;
}

export type HashAlgorithm = 'sha256' | 'sha1' | 'md5';
