/**
 * What the scan's thread and a YARA worker (yara-worker.ts) share. At start, the worker compiles
 * the rules and puts its report in shared memory while the starting thread blocks (a rule set that
 * does not compile is a usage error before any evidence is read: scanner.ts). Then each file is a
 * message: its bytes (transferred, not copied) and the externals; the answer is a message.
 */

/** Int32 slots of the start-up buffer. */
export const SLOT = { state: 0, replyLength: 1 } as const;

/** The start-up buffer's state slot. */
export const STATE = {
  /** Compiling. */
  starting: 0,
  /** The rules are compiled: the compile report is in the reply buffer. */
  ready: 1,
  /** The worker could not start or compile (the report says why). */
  failed: 2,
} as const;

/** Bytes of the compile report's buffer (JSON; one line per rule file that did not compile). */
export const REPORT_BYTES = 4 * 1024 * 1024;

/** A rule file as the worker compiles it: its namespace is `r<index>`, so that rules of two files may share a name. */
export interface YaraSource {
  /** The file as the user named it (or its path below a --yara directory). */
  label: string;
  text: string;
}

export interface YaraWorkerData {
  control: SharedArrayBuffer;
  report: SharedArrayBuffer;
  sources: YaraSource[];
  /** YARA-X's cap of matches kept per pattern (its default, 1,000,000, can make a reply of hundreds of MB). */
  maxMatchesPerPattern: number;
}

/** The compile report: which sources did not compile, and why (the first line of YARA-X's error). */
export interface CompileReport {
  ok: boolean;
  unsupported: Array<{ index: number; reason: string }>;
  warnings: number;
  error?: string;
}

/** The globals a rule may test (THOR's and Loki's externals), set for each file. */
export interface YaraGlobals {
  filename: string;
  filepath: string;
  extension: string;
}

/** How far the rules look into an archive (docs/yara.md "Archive members"); null: not at all. */
export interface MemberLimits {
  /** Members given at most per archive (--yara-members). */
  maxMembers: number;
  /** A member larger is not given (--yara-max-size). */
  maxMemberBytes: number;
  /** Bytes decompressed per archive in all. */
  maxTotalBytes: number;
  /** Open ZIP-based packages too (--yara-packages). */
  packages: boolean;
}

/** One file for the rules: its bytes (their buffer transferred) and externals. */
export interface YaraRequest {
  id: number;
  bytes: Uint8Array;
  globals: YaraGlobals;
  members: MemberLimits | null;
  /**
   * Absent: the file, then its members from the first. A number: its members from that index only
   * (the file was scanned by a worker that handed it back, `resume`, when its scans ran out).
   */
  from?: number;
  /** Scans this worker may still make (YARA-X keeps memory per scan: scanner.ts replaces a worker after LIMITS.yaraFilesPerWorker). */
  budget: number;
}

/** What became of an archive's members (summed over the workers that had the archive). */
export interface MemberTally {
  /** The archive's format as opened ('zip', 'tar.gzip'...), and a package's type when it was one. */
  format: string;
  package?: string;
  scanned: number;
  /** Members at least one rule matched. */
  matched: number;
  encrypted: number;
  /** Compressed with a method not decompressed here (ZIP's Deflate64, PPMd...). */
  method: number;
  tooLarge: number;
  damaged: number;
  /** Past the archive's decompression budget. */
  budget: number;
  /** Past --yara-members. */
  beyond: number;
  /** The first notes of damage (what could not be read, and why). */
  notes: string[];
}

/** One rule that matched, as the worker sends it (offsets of the first matches of each pattern only). */
export interface WireMatch {
  rule: string;
  /** The archive member the rule matched (its path in the archive); absent for the file itself. */
  member?: string;
  /** Index of the source (the namespace `r<index>`). */
  source: number;
  tags: string[];
  meta: Array<[string, string | number | boolean]>;
  patterns: Array<{ id: string; count: number; offsets: number[] }>;
}

export type WireReply =
  | {
      ok: true;
      matches: WireMatch[];
      cut: boolean;
      /** Scans made (the file and its members). */
      scans: number;
      members?: MemberTally;
      /** The worker's budget ran out inside an archive: the rest, from this member, with the bytes handed back. */
      resume?: { from: number; bytes: Uint8Array };
    }
  | { ok: false; error: string };

/**
 * A worker's answer to a file; or, while it works through an archive, `tick`: the member it starts
 * on (the scanner restarts the file's timer), with `found`, what matched since the last tick (the
 * file itself, the members before): kept by the scanner if this member times out. The final reply
 * repeats them all.
 */
export type YaraResponse = { id: number; reply: WireReply } | { id: number; tick: string; found: WireMatch[] };
