/**
 * Evidence text in Markdown that reads well raw (in a ticket, a terminal, a diff) and renders
 * inert: only what would change the rendering is escaped (CommonMark + GFM tables, strikethrough
 * and GitHub's `$` math), never dots, hyphens, parentheses or a backslash before a letter.
 * Paths and commands go in code spans, where nothing but the fence and the table pipe matters.
 */
import { escapeControls } from '../util/text.js';

/** ASCII punctuation: a backslash before one of these is an escape in CommonMark. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Inline prose: escapes `\` (only before punctuation), `` ` ``, `*`, `_` at a word edge, `[`, `]`,
 * `|`, `$` when paired (GitHub math), `~~`, `<`, `>` and `&` of an entity as HTML entities (renderers that are not CommonMark
 * do not all honour a backslash before a tag), and a block marker (`#`, `-`, `+`, `>`, `1.`) at the start.
 */
export function mdText(text: string | null | undefined, max = 600): string {
  if (text === null || text === undefined) return '';
  let s = shorten(escapeControls(text), max);
  // GitHub renders $...$ as math: a lone `$` ($Recycle.Bin) is safe and stays readable.
  const pairedDollars = s.indexOf('$') !== s.lastIndexOf('$');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const next = s[i + 1] ?? '';
    const prev = s[i - 1] ?? '';
    if (ch === '\\') out += ESCAPABLE.test(next) ? '\\\\' : '\\';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '&') out += /^&#?[A-Za-z0-9]+;/.test(s.slice(i, i + 34)) ? '&amp;' : '&';
    else if (ch === '_') out += /[A-Za-z0-9]/.test(prev) && /[A-Za-z0-9]/.test(next) ? '_' : '\\_';
    else if (ch === '~') out += next === '~' || prev === '~' ? '\\~' : '~';
    else if (ch === '$') out += pairedDollars ? '\\$' : '$';
    else if ('`*[]|'.includes(ch)) out += `\\${ch}`;
    else out += ch;
  }
  s = out;
  // A block marker at the very start would turn the text into a heading, list or quote.
  return s.replace(/^(#{1,6}(?=\s|$)|[-+=](?=\s|$)|\d{1,9}(?=[.)](?:\s|$)))/, (m) => (/^\d/.test(m) ? `${m}\\` : `\\${m}`));
}

/**
 * A code span for paths, commands, ids: shown exactly, with a fence longer than any backtick run
 * inside; `|` escaped for GFM tables. Text holding `<` or `>` is written as prose instead, so
 * no renderer can take a tag from the evidence for markup.
 */
export function mdCode(text: string | null | undefined, max = 600): string {
  if (text === null || text === undefined || text === '') return '';
  const s = shorten(escapeControls(text), max);
  if (/[<>]/.test(s)) return mdText(s, max);
  let longest = 0;
  for (const run of s.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s.replace(/\|/g, '\\|')}${pad}${fence}`;
}
