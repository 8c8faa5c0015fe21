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

/** One file for the rules: its bytes (their buffer transferred) and externals. */
export interface YaraRequest {
  id: number;
  bytes: Uint8Array;
  globals: YaraGlobals;
}

/** One rule that matched, as the worker sends it (offsets of the first matches of each pattern only). */
export interface WireMatch {
  rule: string;
  /** Index of the source (the namespace `r<index>`). */
  source: number;
  tags: string[];
  meta: Array<[string, string | number | boolean]>;
  patterns: Array<{ id: string; count: number; offsets: number[] }>;
}

export type WireReply = { ok: true; matches: WireMatch[]; cut: boolean } | { ok: false; error: string };

export interface YaraResponse {
  id: number;
  reply: WireReply;
}
