/** Terminal colour, only when asked for and stdout is a TTY (NO_COLOR and --no-color turn it off). */
import type { Level } from '../model/finding.js';

const CODES: Record<Level, string> = { critical: '1;97;41', high: '1;31', medium: '33', low: '36', info: '2' };

export interface Style {
  color: boolean;
  // reports (issue 16 B): options of the human formats (table, HTML, Markdown)
  /** --timezone: IANA zone the human formats show times in (report/time-zone.ts); default UTC. */
  timeZone?: string;
  /** --redact: hide passwords and secrets in commands (report/redact.ts). */
  redact?: boolean;
}

export function wantColor(flag: boolean | undefined, stream: NodeJS.WriteStream): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

export function paintLevel(level: Level, text: string, style: Style): string {
  return style.color ? `\u001b[${CODES[level]}m${text}\u001b[0m` : text;
}

export function bold(text: string, style: Style): string {
  return style.color ? `\u001b[1m${text}\u001b[0m` : text;
}
