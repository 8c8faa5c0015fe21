/**
 * Terminal column arithmetic for the table writer: how many cells a string takes (East Asian wide
 * characters take two, combining marks none), and cutting a string to a number of cells at its
 * end or in its middle. Works on text that is already neutralised (util/text.displayText): no
 * control characters and no escape sequences, which are added only after a cell has its final
 * width, so an escape sequence is never cut.
 */

/** Zero-width: combining marks, variation selectors, zero-width joiners. */
function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f) ||
    cp === 0x200b ||
    cp === 0x200c ||
    cp === 0x200d ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** Two cells: East Asian Wide and Fullwidth ranges (UAX #11) and the emoji planes. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function charCells(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
}

/** Cells the text takes on a terminal. */
export function cellWidth(text: string): number {
  let n = 0;
  for (const ch of text) n += charCells(ch);
  return n;
}

const ELLIPSIS = '…';

/** The text cut to at most `cells` cells, with an ellipsis at the end when cut. */
export function truncateEnd(text: string, cells: number): string {
  if (cellWidth(text) <= cells) return text;
  if (cells <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charCells(ch);
    if (used + w > cells - 1) break;
    out += ch;
    used += w;
  }
  return out + ELLIPSIS;
}

/**
 * The text cut to at most `cells` cells by dropping its middle (a path keeps its first folders and
 * its file name, which say the most).
 */
export function truncateMiddle(text: string, cells: number): string {
  if (cellWidth(text) <= cells) return text;
  if (cells <= 2) return truncateEnd(text, cells);
  const chars = [...text];
  const tailCells = Math.ceil((cells - 1) * 0.6);
  const headCells = cells - 1 - tailCells;
  let head = '';
  let used = 0;
  for (const ch of chars) {
    const w = charCells(ch);
    if (used + w > headCells) break;
    head += ch;
    used += w;
  }
  let tail = '';
  used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charCells(chars[i]!);
    if (used + w > tailCells) break;
    tail = chars[i]! + tail;
    used += w;
  }
  return `${head}${ELLIPSIS}${tail}`;
}

/** The text padded with spaces to `cells` cells (never cut). */
export function padCells(text: string, cells: number): string {
  const w = cellWidth(text);
  return w >= cells ? text : text + ' '.repeat(cells - w);
}

/** Word-wraps text to lines of at most `cells` cells; a word longer than a line is cut into pieces. */
export function wrapCells(text: string, cells: number): string[] {
  const width = Math.max(1, cells);
  const lines: string[] = [];
  let line = '';
  const flush = (): void => {
    lines.push(line);
    line = '';
  };
  for (const word of text.split(' ')) {
    let rest = word;
    while (cellWidth(rest) > width) {
      if (line) flush();
      let piece = '';
      let used = 0;
      let taken = 0;
      for (const ch of rest) {
        const w = charCells(ch);
        if (used + w > width) break;
        piece += ch;
        used += w;
        taken += ch.length;
      }
      if (taken === 0) break;
      lines.push(piece);
      rest = rest.slice(taken);
    }
    if (!rest) continue;
    if (line && cellWidth(line) + 1 + cellWidth(rest) > width) flush();
    line = line ? `${line} ${rest}` : rest;
  }
  if (line) flush();
  return lines;
}
