/**
 * The parser pre-filter: an index of every parser's `claims` (src/artifacts/types.ts), so a file
 * meets only the parsers that can want it instead of every parser's `matches`. The index only
 * narrows: `matches` stays the final say, and each claim key is a necessary condition of it
 * (test/artifacts/claims.test.ts compares both ways on the corpus, the demo and a bench tree).
 */
import type { ArtifactContext, ArtifactParser, HeadMagic } from './types.js';

/** A HeadMagic from latin1 text, for magics written as text ('regf', 'MSCF'). */
export function magicText(at: number, text: string): HeadMagic {
  return { at, bytes: Buffer.from(text, 'latin1') };
}

/** One-byte magics at `at` for every byte value from `from` to `to` (a range a matcher accepts). */
export function byteRange(at: number, from: number, to: number): HeadMagic[] {
  const out: HeadMagic[] = [];
  for (let b = from; b <= to; b++) out.push({ at, bytes: Uint8Array.of(b) });
  return out;
}

/** A key's text and the parser (its position in the registry) it offers the file to. */
interface Keyed {
  text: string;
  parser: number;
}

interface MagicEntry {
  bytes: Uint8Array;
  parser: number;
}

/** Magics at one offset, bucketed by their first byte. */
interface MagicsAt {
  at: number;
  byFirstByte: (MagicEntry[] | undefined)[];
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Two UTF-16 code units of `text` from `at` as one number: a key made without a two-character string per file. */
function charPair(text: string, at: number): number {
  return text.charCodeAt(at) * 0x10000 + text.charCodeAt(at + 1);
}

const NONE: readonly Keyed[] = [];
const NO_MAGICS: readonly MagicEntry[] = [];
const NO_PARSERS: readonly ArtifactParser[] = Object.freeze([]);

function magicFits(head: Buffer, at: number, bytes: Uint8Array): boolean {
  if (at + bytes.length > head.length) return false;
  for (let i = 1; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

export class ClaimIndex {
  private readonly parsers: readonly ArtifactParser[];
  private readonly anyFile: number[] = [];
  private readonly byFormat = new Map<string | null, number[]>();
  private readonly byName = new Map<string, number[]>();
  /** Prefixes by their first two characters, suffixes (extensions as '.ext') by their last two (charPair). */
  private readonly byPrefix = new Map<number, Keyed[]>();
  private readonly bySuffix = new Map<number, Keyed[]>();
  private readonly patterns: { re: RegExp; parser: number }[] = [];
  private readonly pathHints: Keyed[] = [];
  private readonly magics: MagicsAt[] = [];
  /** Scratch marks, one per parser: candidates() is synchronous, so one array serves every call. */
  private readonly offered: Uint8Array;

  constructor(parsers: readonly ArtifactParser[]) {
    this.parsers = parsers;
    this.offered = new Uint8Array(parsers.length);
    parsers.forEach((p, i) => this.add(p, i));
  }

  private add(p: ArtifactParser, i: number): void {
    const c = p.claims;
    if (c.anyFile) this.anyFile.push(i);
    for (const f of c.formats ?? []) addTo(this.byFormat, f, i);
    for (const n of c.names ?? []) addTo(this.byName, n, i);
    for (const text of c.namePrefixes ?? []) {
      if (text.length < 2 || text !== text.toLowerCase()) throw new Error(`${p.id}: name prefix '${text}' must be lower-case and two characters or more`);
      addTo(this.byPrefix, charPair(text, 0), { text, parser: i });
    }
    const suffixes = [...(c.extensions ?? []).map((e) => `.${e}`), ...(c.nameSuffixes ?? [])];
    for (const text of suffixes) {
      if (text.length < 2 || text !== text.toLowerCase()) throw new Error(`${p.id}: name ending '${text}' must be lower-case and two characters or more`);
      addTo(this.bySuffix, charPair(text, text.length - 2), { text, parser: i });
    }
    for (const re of c.namePatterns ?? []) this.patterns.push({ re, parser: i });
    for (const text of c.pathHints ?? []) this.pathHints.push({ text, parser: i });
    for (const m of c.magics ?? []) {
      if (m.bytes.length === 0) throw new Error(`${p.id}: empty magic at ${m.at}`);
      let group = this.magics.find((g) => g.at === m.at);
      if (!group) this.magics.push((group = { at: m.at, byFirstByte: new Array<MagicEntry[] | undefined>(256) }));
      const first = m.bytes[0]!;
      (group.byFirstByte[first] ??= []).push({ bytes: m.bytes, parser: i });
    }
  }

  private markAll(list: readonly number[] | undefined): void {
    if (list) for (const i of list) this.offered[i] = 1;
  }

  /** The parsers, in registry order, whose claims fit this file (a superset of those whose `matches` is true). */
  candidates(ctx: ArtifactContext): readonly ArtifactParser[] {
    const offered = this.offered;
    offered.fill(0);
    this.markAll(this.anyFile);
    this.markAll(this.byFormat.get(ctx.format));
    const name = ctx.name.toLowerCase();
    this.markAll(this.byName.get(name));
    if (name.length >= 2) {
      for (const k of this.byPrefix.get(charPair(name, 0)) ?? NONE) if (name.startsWith(k.text)) offered[k.parser] = 1;
      for (const k of this.bySuffix.get(charPair(name, name.length - 2)) ?? NONE) if (name.endsWith(k.text)) offered[k.parser] = 1;
    }
    for (const p of this.patterns) if (!offered[p.parser] && p.re.test(name)) offered[p.parser] = 1;
    for (const h of this.pathHints) if (!offered[h.parser] && ctx.relPath.includes(h.text)) offered[h.parser] = 1;
    const head = ctx.head;
    for (const g of this.magics) {
      const b = head[g.at];
      if (b === undefined) continue;
      for (const m of g.byFirstByte[b] ?? NO_MAGICS) if (!offered[m.parser] && magicFits(head, g.at, m.bytes)) offered[m.parser] = 1;
    }
    // Most files are offered to no parser: they share one empty list (callers only read it).
    let out: ArtifactParser[] | null = null;
    for (let i = 0; i < offered.length; i++) if (offered[i]) (out ??= []).push(this.parsers[i]!);
    return out ?? NO_PARSERS;
  }
}
