/**
 * JSON keeps attacker text exact (JSON escaping makes it inert); JSONL is one finding per line.
 * Both are produced as chunks of at least CHUNK_CHARS characters (the last may be shorter), a
 * bounded batch of array elements at a time, so a report with tens of thousands of findings is
 * never held as one giant string, and the writer makes one system call per chunk, not per element
 * (docs/performance.md "CPU of a findings-heavy scan").
 */
import type { ScanReport } from '../model/report.js';

/** Chunks are joined up to this many characters before they are handed to the writer. */
export const CHUNK_CHARS = 32 * 1024;
/** Array elements stringified in one `JSON.stringify` call (bounds the text held for one batch: most batches stay below V8's large-object size, so they die young). */
export const ELEMENTS_PER_BATCH = 16;

/** Joins `chunks` into chunks of at least `min` characters (the last one may be shorter; none is empty). */
export function* coalesceChunks(chunks: Iterable<string>, min = CHUNK_CHARS): Generator<string> {
  let pending = '';
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= min) {
      yield pending;
      pending = '';
    }
  }
  if (pending !== '') yield pending;
}

/** Objects this deep or less (the report, `meta`) are written key by key; deeper values are stringified whole. */
const STREAMED_OBJECT_DEPTH = 1;

/** Indentation of nesting level `depth`. */
const indent = (depth: number): string => '  '.repeat(depth);

/** What `JSON.stringify(wrap(batch), null, 2)` puts before and after a batch nested at `depth` (one-key objects around it). */
const wrappers = new Map<number, { head: number; tail: number }>();
function wrapped(batch: unknown[], depth: number): unknown {
  let v: unknown = batch;
  for (let d = 1; d < depth; d++) v = { k: v };
  return v;
}
function wrapperOf(depth: number): { head: number; tail: number } {
  let w = wrappers.get(depth);
  if (!w) {
    const text = JSON.stringify(wrapped([0], depth), null, 2);
    const at = text.indexOf('[\n') + 2;
    w = { head: at + indent(depth).length, tail: text.length - text.lastIndexOf(`\n${indent(depth - 1)}]`) };
    wrappers.set(depth, w);
  }
  return w;
}

/**
 * The elements of a non-empty array whose elements sit at nesting level `depth` of
 * `JSON.stringify(report, null, 2)`, byte for byte (each element indented, `,\n` between them,
 * `\n` after the last): a batch stringified inside one-key objects is already indented as the
 * report indents it, which saves re-indenting every element's lines.
 */
function* elementChunks(items: Iterable<unknown> & { length: number }, depth: number): Generator<string> {
  const { head, tail } = wrapperOf(depth);
  let done = 0;
  let batch: unknown[] = [];
  const text = (last: boolean): string => {
    const t = JSON.stringify(wrapped(batch, depth), null, 2);
    return `${indent(depth)}${t.slice(head, t.length - tail)}${last ? '\n' : ',\n'}`;
  };
  for (const item of items) {
    batch.push(item);
    done++;
    if (batch.length === ELEMENTS_PER_BATCH && done < items.length) {
      yield text(false);
      batch = [];
    }
  }
  if (batch.length > 0) yield text(true);
}

/** An array, or a list that is iterated and knows its length (a timeline built row by row). */
function isList(value: unknown): value is Iterable<unknown> & { length: number } {
  return Array.isArray(value) || (typeof value === 'object' && value !== null && Symbol.iterator in value && typeof (value as { length?: unknown }).length === 'number');
}

/** A value JSON.stringify writes as an object of its own properties (no toJSON, not an array). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Properties JSON.stringify writes (it leaves out undefined, functions and symbols). */
function written(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/**
 * `value` as `JSON.stringify` writes it at nesting level `depth` of the report (its first line not
 * indented, its last line without a newline), in pieces: non-empty arrays a batch of elements at a
 * time, the report and `meta` key by key (so `meta.hashes`, one record per hashed file, is not one
 * string either), everything deeper stringified whole and indented.
 */
function* valuePieces(value: unknown, depth: number): Generator<string> {
  if (isList(value) && value.length > 0) {
    yield '[\n';
    yield* elementChunks(value, depth + 1);
    yield `${indent(depth)}]`;
    return;
  }
  if (depth <= STREAMED_OBJECT_DEPTH && isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => written(value[k]));
    if (keys.length > 0) {
      yield '{\n';
      for (const [i, key] of keys.entries()) {
        yield `${indent(depth + 1)}${JSON.stringify(key)}: `;
        yield* valuePieces(value[key], depth + 1);
        yield i < keys.length - 1 ? ',\n' : '\n';
      }
      yield `${indent(depth)}}`;
      return;
    }
  }
  const text = JSON.stringify(value, null, 2);
  yield depth === 0 ? text : text.replace(/\n/g, `\n${indent(depth)}`);
}

/** The pieces of `JSON.stringify(report, null, 2)` and a newline, byte for byte. */
function* jsonPieces(report: ScanReport): Generator<string> {
  yield* valuePieces(report, 0);
  yield '\n';
}

/** The chunks of `JSON.stringify(report, null, 2)`, byte for byte. */
export function jsonChunks(report: ScanReport): Generator<string> {
  return coalesceChunks(jsonPieces(report));
}

export function toJson(report: ScanReport): string {
  return [...jsonChunks(report)].join('');
}

function* jsonlLines(report: ScanReport): Generator<string> {
  for (const f of report.findings) yield `${JSON.stringify(f)}\n`;
}

export function jsonlChunks(report: ScanReport): Generator<string> {
  return coalesceChunks(jsonlLines(report));
}

export function toJsonl(report: ScanReport): string {
  return [...jsonlChunks(report)].join('');
}
