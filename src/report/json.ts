/**
 * JSON keeps attacker text exact (JSON escaping makes it inert); JSONL is one finding per line.
 * Both are produced as chunks, one array element at a time, so a report with tens of thousands of
 * findings is never held as one giant string (docs/performance.md).
 */
import type { ScanReport } from '../model/report.js';

/** An array, or a list that is iterated (the scan's timeline, built row by row: src/timeline/timeline.ts). */
function isList(value: unknown): value is Iterable<unknown> & { length: number } {
  return Array.isArray(value) || (typeof value === 'object' && value !== null && Symbol.iterator in value && typeof (value as { length?: unknown }).length === 'number');
}

/** The chunks of `JSON.stringify(report, null, 2)`, byte for byte, element by element. */
export function* jsonChunks(report: ScanReport): Generator<string> {
  const keys = (Object.keys(report) as Array<keyof ScanReport>).filter((k) => report[k] !== undefined);
  yield '{\n';
  for (const [k, key] of keys.entries()) {
    const value = report[key] as unknown;
    const sep = k < keys.length - 1 ? ',\n' : '\n';
    if (isList(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      let i = 0;
      for (const item of value) {
        // An element nested two levels deep is indented by four more spaces on every line.
        yield `    ${JSON.stringify(item, null, 2).replace(/\n/g, '\n    ')}${i < value.length - 1 ? ',\n' : '\n'}`;
        i++;
      }
      yield `  ]${sep}`;
    } else {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${sep}`;
    }
  }
  yield '}\n';
}

export function toJson(report: ScanReport): string {
  return [...jsonChunks(report)].join('');
}

export function* jsonlChunks(report: ScanReport): Generator<string> {
  for (const f of report.findings) yield `${JSON.stringify(f)}\n`;
}

export function toJsonl(report: ScanReport): string {
  return [...jsonlChunks(report)].join('');
}
