/**
 * How the terminal table is drawn: colour (only when asked for and stdout is a TTY; NO_COLOR and
 * --no-color turn it off), the width it must fit, and whether every reason is shown (--verbose).
 * Colour is applied to a cell after it has its final width, so an escape sequence is never cut.
 */
import type { Level } from '../model/finding.js';

const CODES: Record<Level, string> = { critical: '1;97;41', high: '1;31', medium: '33', low: '36', info: '2' };

export interface Style {
  color: boolean;
  // reports (issue 16 B): options of the human formats (table, HTML, Markdown)
  /** --timezone: IANA zone the human formats show times in (report/time-zone.ts); default UTC. */
  timeZone?: string;
  /** --redact: hide passwords and secrets in commands (report/redact.ts). */
  redact?: boolean;
  /** Terminal columns the table must fit (default DEFAULT_COLUMNS). */
  width?: number;
  /** Every reason, locator and time of every finding, and the episodes' narratives. */
  verbose?: boolean;
  /** Terminal rows, when stdout is a terminal: the default table keeps to one screen (fewer lines listed, the rest counted). */
  height?: number;
}

/** The width when the terminal does not say (a pipe, a file, CI logs). */
export const DEFAULT_COLUMNS = 80;
/** Narrower than this, the one-line layout cannot show a path and a reason: it is drawn at this width. */
export const MIN_COLUMNS = 60;

export function wantColor(flag: boolean | undefined, stream: NodeJS.WriteStream): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

/** The columns of the terminal the stream writes to, DEFAULT_COLUMNS when it is not a terminal or does not say. */
export function terminalColumns(stream: NodeJS.WriteStream): number {
  const cols = stream.isTTY ? stream.columns : undefined;
  return typeof cols === 'number' && cols > 0 ? cols : DEFAULT_COLUMNS;
}

/** The terminal's rows when `stream` is a terminal, else undefined (a pipe or file gets everything). */
export function terminalRows(stream: NodeJS.WriteStream): number | undefined {
  const rows = stream.isTTY ? stream.rows : undefined;
  return typeof rows === 'number' && rows > 0 ? rows : undefined;
}

export function paintLevel(level: Level, text: string, style: Style): string {
  return style.color ? `\u001b[${CODES[level]}m${text}\u001b[0m` : text;
}

export function bold(text: string, style: Style): string {
  return style.color ? `\u001b[1m${text}\u001b[0m` : text;
}

export function dim(text: string, style: Style): string {
  return style.color ? `\u001b[2m${text}\u001b[0m` : text;
}
