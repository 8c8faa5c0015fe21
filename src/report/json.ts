/** JSON keeps attacker text exact (JSON escaping makes it inert); JSONL is one finding per line. */
import type { ScanReport } from '../model/report.js';

export function toJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function toJsonl(report: ScanReport): string {
  return report.findings.map((f) => JSON.stringify(f)).join('\n') + (report.findings.length ? '\n' : '');
}
