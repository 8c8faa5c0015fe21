/**
 * Command-line tokenising for history lines: quotes, pipelines/separators, redirections, and the
 * `cmd /c`, `powershell -Command`, `bash -c` wrappers whose argument is itself a command line.
 */

export interface Segment {
  /** Words with quotes removed. */
  words: string[];
  /** Targets of `>` / `>>` redirections. */
  redirects: string[];
}

/** Longest command line tokenised; longer ones are cut (history lines are already bounded). */
const MAX_TOKENISE_CHARS = 16 * 1024;
/** Nesting of wrapper shells followed (cmd /c "powershell -c \"...\""). */
const MAX_WRAPPER_DEPTH = 4;

const SEPARATORS = new Set([';', '&&', '||', '|', '&']);

/** What makes a line more than words between whitespace: quotes, redirections, separators. */
const NOT_PLAIN = /["'>;&|]/;
const WHITESPACE_RUN = /\s+/;
const WHITESPACE = /\s/;
/** ASCII characters that end a run of a word's characters in the loop below: quotes, whitespace, > ; & |. */
const SPECIAL_ASCII = new Uint8Array(128);
for (const c of '"\'>;&| \t\n\v\f\r') SPECIAL_ASCII[c.charCodeAt(0)] = 1;

/** `\s` for one character: the ASCII ones looked up, the others (NBSP, U+2000..., U+FEFF) asked of the expression. */
function isWhitespace(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code < 0x80 ? code === 0x20 || (code >= 0x09 && code <= 0x0d) : WHITESPACE.test(text[at]!);
}

/** Where the run of characters that only add to a word (none of the loop's cases) ends, from `from`. */
function ordinaryRunEnd(text: string, from: number): number {
  let at = from;
  for (; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x80 ? SPECIAL_ASCII[code] === 1 : isWhitespace(text, at)) break;
  }
  return at;
}

/** Splits a command line into segments at ; && || | & (outside quotes), with words and redirects. */
export function splitCommandLine(line: string, depth = 0): Segment[] {
  const text = line.slice(0, MAX_TOKENISE_CHARS);
  // Most history lines have none of those: their one segment is the whitespace-separated words (what the loop below
  // gives them, at a fifth of its cost: a scan meets millions of such lines in a padded history).
  if (!NOT_PLAIN.test(text)) return plainSegments(text, depth);
  const segments: Segment[] = [];
  let words: string[] = [];
  let redirects: string[] = [];
  let word = '';
  let inWord = false;
  let redirectNext = false;
  const flushWord = () => {
    if (!inWord) return;
    if (redirectNext) redirects.push(word);
    else words.push(word);
    redirectNext = false;
    word = '';
    inWord = false;
  };
  const flushSegment = () => {
    flushWord();
    if (words.length > 0 || redirects.length > 0) segments.push({ words, redirects });
    words = [];
    redirects = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = findClosingQuote(text, i);
      word += text.slice(i + 1, end).replace(c === '"' ? /\\"|`"/g : /''/g, c === '"' ? '"' : "'");
      inWord = true;
      i = end;
    } else if (isWhitespace(text, i)) {
      flushWord();
    } else if (c === '>' ) {
      flushWord();
      if (text[i + 1] === '>') i++;
      if (text[i + 1] === '&') { i++; continue; } // 2>&1
      if (/\d/.test(words[words.length - 1] ?? '') && words[words.length - 1]!.length === 1) words.pop(); // 2>
      redirectNext = true;
    } else if (SEPARATORS.has(c) || (c === '&' && text[i + 1] === '&')) {
      const two = text.slice(i, i + 2);
      if (two === '&&' || two === '||') i++;
      if (c === '&' && !inWord && words.length === 0) continue; // PowerShell call operator `& "x.exe"`
      flushSegment();
    } else {
      // The whole run at once: a character at a time was most of a scan's time on long quoted history lines.
      const end = ordinaryRunEnd(text, i + 1);
      word += text.slice(i, end);
      inWord = true;
      i = end - 1;
    }
  }
  flushSegment();
  if (depth >= MAX_WRAPPER_DEPTH) return segments;
  // A loop, not flatMap: flatMap was a third of the time of a line with a few segments.
  const unwrapped: Segment[] = [];
  for (const s of segments) for (const inner of unwrap(s, depth)) unwrapped.push(inner);
  return unwrapped;
}

function plainSegments(text: string, depth: number): Segment[] {
  const words = text.split(WHITESPACE_RUN);
  if (words[words.length - 1] === '') words.pop();
  if (words[0] === '') words.shift();
  if (words.length === 0) return [];
  const segment: Segment = { words, redirects: [] };
  return depth < MAX_WRAPPER_DEPTH ? unwrap(segment, depth) : [segment];
}

function findClosingQuote(text: string, open: number): number {
  const q = text[open]!;
  for (let i = open + 1; i < text.length; i++) {
    if (q === '"' && (text[i] === '\\' || text[i] === '`') && text[i + 1] === '"') { i++; continue; }
    if (q === "'" && text[i] === "'" && text[i + 1] === "'") { i++; continue; }
    if (text[i] === q) return i;
  }
  return text.length;
}

/** Program name: base name, lower case, without .exe. */
export function programName(word: string | undefined): string {
  if (!word) return '';
  const name = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1).toLowerCase();
  return name.endsWith('.exe') ? name.slice(0, -4) : name;
}

const PREFIXES = new Set(['sudo', 'nohup', 'time', 'nice', 'doas', 'exec', 'start', 'start-process', 'call', '.']);

/** Drops wrapper programs that just run their arguments (sudo, nohup, ...). */
export function stripPrefixes(words: string[]): string[] {
  let i = 0;
  while (i < words.length - 1 && PREFIXES.has(programName(words[i]))) {
    i++;
    while (i < words.length - 1 && words[i]!.startsWith('-') && programName(words[i - 1]) === 'sudo') i++;
  }
  return words.slice(i);
}

/** `cmd /c X`, `powershell -c X`, `bash -c X`: re-tokenise X as its own command line. */
function unwrap(seg: Segment, depth: number): Segment[] {
  const words = stripPrefixes(seg.words);
  const prog = programName(words[0]);
  let inner: string | null = null;
  if (prog === 'cmd') {
    const at = words.findIndex((w) => /^\/[ck]$/i.test(w));
    if (at > 0) inner = words.slice(at + 1).join(' ');
  } else if (prog === 'powershell' || prog === 'pwsh') {
    const at = words.findIndex((w) => /^-(c|command)$/i.test(w));
    if (at > 0) inner = words.slice(at + 1).join(' ');
  } else if (['bash', 'sh', 'zsh', 'dash', 'ash'].includes(prog)) {
    const at = words.findIndex((w) => w === '-c');
    if (at > 0) inner = words[at + 1] ?? null;
  }
  if (inner === null) return [{ words, redirects: seg.redirects }];
  return splitCommandLine(inner, depth + 1);
}

export interface PsArgs {
  named: Map<string, string | true>;
  positional: string[];
}

/**
 * PowerShell-style arguments: `-Name value`, `-Name:value`, switches (names in `switches`), positionals.
 * Abbreviated names are kept as written; look them up with psParam().
 */
export function parsePsArgs(words: string[], switches: readonly string[] = []): PsArgs {
  const named = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^-([A-Za-z][\w]*)(?::(.*))?$/.exec(w);
    if (!m) {
      positional.push(w.replace(/,$/, ''));
      continue;
    }
    const name = m[1]!.toLowerCase();
    if (m[2] !== undefined) named.set(name, m[2]);
    else if (switches.some((s) => s.startsWith(name)) || i + 1 >= words.length || /^-[A-Za-z]/.test(words[i + 1]!)) named.set(name, true);
    else named.set(name, words[++i]!);
  }
  return { named, positional };
}

/** Looks up a parameter by its full name, accepting the abbreviations PowerShell accepts. */
export function psParam(args: PsArgs, fullName: string, aliases: readonly string[] = []): string | true | undefined {
  const full = fullName.toLowerCase();
  for (const [name, value] of args.named) {
    if (aliases.includes(name) || (name.length >= 2 && full.startsWith(name))) return value;
  }
  return undefined;
}

/** A comma-separated PowerShell list value ("a","b" or a,b) as separate paths. */
export function psList(value: string | true | undefined): string[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((v) => v.trim().replace(/^["']|["']$/g, '')).filter((v) => v.length > 0);
}
