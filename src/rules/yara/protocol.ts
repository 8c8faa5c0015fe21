/**
 * What the scan's thread and the YARA worker (worker.ts) share: three SharedArrayBuffers and the
 * states of one request at a time. The scan's thread blocks in Atomics.wait for the answer with a
 * time limit (YARA-X's own timeout does not run in WebAssembly: a scan never checks its clock), and
 * ends a worker that overruns it (scanner.ts).
 */

/** Int32 slots of the control buffer. */
export const SLOT = { state: 0, dataLength: 1, replyLength: 2, requestLength: 3 } as const;

/** The control buffer's state slot. */
export const STATE = {
  /** Nothing asked: the worker waits. */
  idle: 0,
  /** A file's bytes and globals are in place: the worker scans. */
  request: 1,
  /** The worker's answer (JSON) is in the reply buffer. */
  reply: 2,
  /** The rules are compiled: the compile report is in the reply buffer. */
  ready: 3,
  /** The worker could not start or compile (the report says why). */
  failed: 4,
  /** The worker is asked to end. */
  close: 5,
} as const;

/** Bytes of the reply buffer (a compile report or one file's matches, as JSON; the worker cuts what does not fit). */
export const REPLY_BYTES = 4 * 1024 * 1024;
/** Bytes of the request buffer (the file's name, path and extension as JSON). */
export const REQUEST_BYTES = 64 * 1024;

/** A rule file as the worker compiles it: its namespace is `r<index>`, so that rules of two files may share a name. */
export interface YaraSource {
  /** The file as the user named it (or its path below a --yara directory). */
  label: string;
  text: string;
}

export interface YaraWorkerData {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  reply: SharedArrayBuffer;
  request: SharedArrayBuffer;
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
