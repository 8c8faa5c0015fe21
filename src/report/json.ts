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
/** Array elements stringified in one `JSON.stringify` call (bounds the text held for one batch). */
export const ELEMENTS_PER_BATCH = 64;

/** `{\n  "k": [\n` and `\n  ]\n}`: what `JSON.stringify({ k: batch }, null, 2)` puts around the batch's elements. */
const BATCH_HEAD = '{\n  "k": [\n'.length;
const BATCH_TAIL = '\n  ]\n}'.length;

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

/**
 * The elements of a non-empty array nested two levels deep in `JSON.stringify(report, null, 2)`,
 * byte for byte (each element indented by four spaces, `,\n` between them, `\n` after the last):
 * a batch stringified inside a one-key object is already indented as the report indents it,
 * which saves re-indenting every element's lines.
 */
function* elementChunks(items: readonly unknown[]): Generator<string> {
  for (let i = 0; i < items.length; i += ELEMENTS_PER_BATCH) {
    const end = Math.min(items.length, i + ELEMENTS_PER_BATCH);
    const text = JSON.stringify({ k: items.slice(i, end) }, null, 2);
    yield `${text.slice(BATCH_HEAD, text.length - BATCH_TAIL)}${end < items.length ? ',\n' : '\n'}`;
  }
}

/** The pieces of `JSON.stringify(report, null, 2)`, byte for byte, a batch of elements at a time. */
function* jsonPieces(report: ScanReport): Generator<string> {
  const keys = (Object.keys(report) as Array<keyof ScanReport>).filter((k) => report[k] !== undefined);
  yield '{\n';
  for (const [k, key] of keys.entries()) {
    const value = report[key] as unknown;
    const sep = k < keys.length - 1 ? ',\n' : '\n';
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      yield* elementChunks(value);
      yield `  ]${sep}`;
    } else {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${sep}`;
    }
  }
  yield '}\n';
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
