/**
 * Sigma rules over event-log records (docs/eventlogs.md, "Sigma"): Windows log sources by category
 * (Sysmon's, Security 4688's, PowerShell's) and by service (channel), sigma-logsource.ts, with the
 * common field mapping of Security 4688 to Sysmon's names for process creation, the usual value
 * modifiers (numeric comparisons and `exists` included) and the condition language without
 * aggregations.
 * A rule using anything else is counted and listed as unsupported with the reason, never dropped
 * silently. Rules come from the user (trusted config), the events from evidence (hostile): matched
 * text is capped at MAX_FIELD_CHARS.
 */
import { linearRegExp } from '../../util/linear-regexp.js';
import { foldCase } from '../../util/case-fold.js';
import { cidrTest } from '../../util/cidr.js';
import { readFileSync, lstatSync } from 'node:fs';
import { ruleFilesUnder } from '../../rules/rule-files.js';
import path from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import type { EvtxEvent } from './record.js';
import { PROCESS_CREATION, readsAsProcessCreation, ruleLogSource } from './sigma-logsource.js';
import { aggregationOf, compileCorrelation, CorrelationUnsupported, timespanMsOf, linkCorrelations, type Feed, type SigmaCorrelation } from './sigma-correlation.js';

export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';

export interface SigmaRule {
  kind: 'rule';
  title: string;
  id: string | null;
  /** Sigma's `name`: what a correlation may call the rule by. */
  name: string | null;
  file: string;
  level: SigmaLevel;
  /** The rule's log source as a key of sigma-logsource.ts ('process_creation', 'service:security', ...). */
  logsource: string;
  /** ATT&CK technique ids from the rule's tags (attack.t1560.001 -> T1560.001). */
  attack: string[];
  matches(fields: FieldSource): boolean;
  /** `matches` over a record's fields shared by every rule it meets (`sigmaMatches`: each field capped and folded once). */
  matchesRecord(fields: RecordFields): boolean;
  /** What the rule cannot match without (sigma-index.ts tries it only on records that have one of these). */
  needs: Needs;
  /** Its matches are findings of their own: false for a rule only correlations read (sigma-correlation.ts). */
  standalone: boolean;
  /** The correlations that read its matches. */
  feeds: Feed[];
}

/**
 * A literal a matcher cannot be true without: the field, folded (`RecordFields.folded`), includes
 * `text`, folded. Every value test is a search for its value's pieces in the field, so the longest
 * piece of a value, folded, is in the folded field wherever the value matches (folding is unit for
 * unit, so it keeps what one text includes of another).
 */
export interface Need {
  field: string;
  text: string;
}

/** Any one of these needs must hold for the matcher to be true; null: none is known (a `not`, an expression, a null value). */
export type Needs = readonly Need[] | null;

/** Units of a value's piece kept as its need: any part of a piece is needed where the piece is; shorter keeps the index small. */
const NEED_UNITS = 24;

/** Why a rule is unsupported, in a word or two: the key of the per-reason counts on stderr. */
export type SigmaUnsupportedKind =
  | 'log source' | 'correlation rule' | 'aggregation' | 'timeframe' | 'modifier' | 'regular expression'
  | 'value' | 'selection' | 'condition' | 'not a rule' | 'YAML' | 'rule collection' | 'too large';

export interface SigmaUnsupported {
  file: string;
  title: string | null;
  kind: SigmaUnsupportedKind;
  /** The kind with its detail: "modifier 'cidr' (DestinationIp)". */
  reason: string;
}

export interface SigmaRuleSet {
  /** Every rule that matches records, those only correlations read included (their `feeds` reach the correlations). */
  rules: SigmaRule[];
  correlations: SigmaCorrelation[];
  unsupported: SigmaUnsupported[];
}

/** Field lookup for one event (mapped name first, then the raw EventData name). */
export type FieldSource = (name: string) => string | undefined;

class Unsupported extends Error {
  constructor(readonly kind: SigmaUnsupportedKind, message: string) {
    super(message);
  }
}

/** Files and sizes read from a rule directory (a user's checkout of SigmaHQ has ~3,500 rules). */
const MAX_RULE_FILES = 20_000;
const MAX_RULE_BYTES = 1024 * 1024;
/** Longest field text a rule is matched against (a 4104 block can be megabytes). */
const MAX_FIELD_CHARS = 1024 * 1024;

const LEVELS = new Set<string>(['informational', 'low', 'medium', 'high', 'critical']);
const SUPPORTED_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'windash', 'base64', 'base64offset', 'cased', 'wide', 'utf16le', 'cidr', 'fieldref']);

// ---- field mapping ---------------------------------------------------------------------------

/** Sigma's process_creation names (Sysmon's) from Security 4688 fields. */
const FROM_4688: Readonly<Record<string, string>> = {
  Image: 'NewProcessName',
  ParentImage: 'ParentProcessName',
  ProcessId: 'NewProcessId',
  ParentProcessId: 'ProcessId',
  LogonId: 'SubjectLogonId',
  IntegrityLevel: 'MandatoryLabel',
};

/**
 * A record's fields as the rules of one log source read them: Security 4688's under Sysmon's
 * names for process_creation rules only (a `service: security` rule reads 4688 as written), the
 * System fields everywhere, and `Data` the record's unnamed Data elements, one per line (classic
 * PowerShell's 400/600/800 carry their text there; Sigma rules search it with `contains`).
 */
export function fieldsOf(e: EvtxEvent, logsource: string = PROCESS_CREATION): FieldSource {
  const security = readsAsProcessCreation(e, logsource);
  return (name) => {
    if (name === 'EventID') return e.eventId === null ? undefined : String(e.eventId);
    if (name === 'Provider_Name') return e.provider ?? undefined;
    if (name === 'Channel') return e.channel ?? undefined;
    if (name === 'Computer') return e.computer ?? undefined;
    if (security) {
      if (name === 'User') {
        const user = e.data.SubjectUserName;
        const domain = e.data.SubjectDomainName;
        return user ? (domain ? `${domain}\\${user}` : user) : undefined;
      }
      const mapped = FROM_4688[name];
      if (mapped !== undefined) return e.data[mapped];
    }
    // Before the names the record gives: an EventData name is the evidence's and could be this one.
    if (name === ALL_DATA) return Object.values(e.data).join('\n');
    if (Object.hasOwn(e.data, name)) return e.data[name];
    return name === 'Data' ? unnamedData(e) : undefined;
  };
}

/** The record's unnamed Data elements (#1, #2, ...), one per line; undefined when it has none. */
function unnamedData(e: EvtxEvent): string | undefined {
  const parts: string[] = [];
  for (let i = 1; Object.hasOwn(e.data, `#${i}`); i++) parts.push(e.data[`#${i}`]!);
  return parts.length === 0 ? undefined : parts.join('\n');
}

// ---- values and modifiers --------------------------------------------------------------------

type Scalar = string | number | boolean | null;
type Test = (value: string | undefined) => boolean;

/** One piece of a Sigma value between its '*' wildcards: a regex source of fixed length ('?' one character, \* \? \\ escapes). */
interface WildcardPiece {
  source: string;
  /** Characters (UTF-16 units) every match of `source` spans. */
  length: number;
  /** The piece as plain text (escapes undone) when it has no '?', else null. */
  text: string | null;
}

/** A Sigma value cut at its '*' wildcards (one piece when it has none). */
function wildcardPieces(value: string): WildcardPiece[] {
  const pieces: WildcardPiece[] = [];
  let piece: WildcardPiece = { source: '', length: 0, text: '' };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) {
      const escaped = value[++i]!;
      piece.source += `\\${escaped}`;
      if (piece.text !== null) piece.text += escaped;
      piece.length++;
    } else if (c === '*') {
      pieces.push(piece);
      piece = { source: '', length: 0, text: '' };
    } else {
      piece.source += c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      piece.text = c === '?' || piece.text === null ? null : piece.text + c;
      piece.length++;
    }
  }
  pieces.push(piece);
  return pieces;
}

export type Anchoring = 'contains' | 'startswith' | 'endswith' | 'exact';

/**
 * A Sigma wildcard value as a test: what /^A.*B.*C$/ (anchored as the modifier says) matches, found
 * piece by piece. The first piece is at the start when anchored there, the last at the end, and
 * each other at its leftmost place after the one before: a '*' stands for any text, so a later
 * place could only leave less room for the rest. One expression with '.*' between the pieces,
 * tried from every start and retrying every star, was cubic in the field: a 16 KiB command line
 * took 100 s against `*\AppData\*.zip` (fields are matched up to MAX_FIELD_CHARS).
 */
export function wildcardTest(value: string, anchoring: Anchoring, flags: string): Test {
  const pieces = wildcardPieces(value);
  const atStart = anchoring === 'startswith' || anchoring === 'exact';
  const atEnd = anchoring === 'endswith' || anchoring === 'exact';
  if (pieces.length === 1) {
    const body = pieces[0]!.source;
    const re = new RegExp(`${atStart ? '^' : ''}${body}${atEnd ? '$' : ''}`, flags);
    return (x) => x !== undefined && re.test(x);
  }
  const last = pieces.length - 1;
  // Sticky where a piece must be at one place, global where it is looked for from one.
  const finders = pieces.map((p, i) => (p.length === 0 ? null : new RegExp(p.source, flags + ((i === 0 && atStart) || (i === last && atEnd) ? 'y' : 'g'))));
  return (x) => {
    if (x === undefined) return false;
    let pos = 0;
    for (let i = 0; i <= last; i++) {
      const re = finders[i];
      if (!re) continue;
      const length = pieces[i]!.length;
      if (i === 0 && atStart) {
        re.lastIndex = 0;
        if (!re.test(x)) return false;
        pos = length;
      } else if (i === last && atEnd) {
        const at = x.length - length;
        if (at < pos) return false;
        re.lastIndex = at;
        return re.test(x);
      } else {
        re.lastIndex = pos;
        const m = re.exec(x);
        if (!m) return false;
        pos = m.index + length;
      }
    }
    return true;
  };
}

/** Sigma windash: a leading dash of a word may also be written /, en dash, em dash or horizontal bar. */
function windash(value: string): string[] {
  if (!/(^|\s)-/.test(value)) return [value];
  return ['-', '/', '\u2013', '\u2014', '\u2015'].map((d) => value.replace(/(^|\s)-/g, `$1${d}`));
}

/** base64offset: the three base64 renderings of a value at byte offsets 0, 1, 2 (the Sigma specification). */
function base64Offsets(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i), bytes]).toString('base64');
    const start = [0, 2, 3][i]!;
    const endCut = [0, 3, 2][(bytes.length + i) % 3]!;
    out.push(enc.slice(start, enc.length - endCut));
  }
  return out;
}

/**
 * A case-insensitive value against a field folded as the value is (`foldCase`: unit for unit what
 * the `i` flag compares): a value without wildcards is a plain string search, not an expression per
 * rule per record. `value` is already folded.
 */
export function foldedTest(value: string, anchoring: Anchoring): Test {
  const text = literalOf(value);
  return text === null ? wildcardTest(value, anchoring, 's') : anyLiteral([text], anchoring);
}

/** A value as plain text when it has no wildcard (its escapes undone), else null. */
function literalOf(value: string): string | null {
  const pieces = wildcardPieces(value);
  return pieces.length === 1 ? pieces[0]!.text : null;
}

/** The longest wildcard-free text of a value, folded and cut to NEED_UNITS: what the value needs in the folded field; null when it has none. */
function neededText(value: string): string | null {
  let best = '';
  for (const p of wildcardPieces(value)) if (p.text !== null && p.text.length > best.length) best = p.text;
  return best.length === 0 ? null : foldCase(best.slice(0, NEED_UNITS));
}

/** Needs of "any of these is true": every one must have some (their union), else nothing is known. */
function anyNeeds(list: readonly Needs[]): Needs {
  const out = new Map<string, Need>();
  for (const n of list) {
    if (n === null) return null;
    for (const need of n) out.set(`${need.field}\u0000${need.text}`, need);
  }
  return out.size === 0 ? null : [...out.values()];
}

/** Needs of "all of these are true": the most selective one's (its shortest text the longest, then the fewest texts). */
function allNeeds(list: readonly Needs[]): Needs {
  let best: Needs = null;
  let bestShortest = 0;
  for (const n of list) {
    if (n === null || n.length === 0) continue;
    let shortest = Infinity;
    for (const x of n) shortest = Math.min(shortest, x.text.length);
    if (best === null || shortest > bestShortest || (shortest === bestShortest && n.length < best.length)) {
      best = n;
      bestShortest = shortest;
    }
  }
  return best;
}

/** Whether any of `texts` is in the field where `anchoring` says: one loop for a rule's list of values, not a closure per value. */
function anyLiteral(texts: readonly string[], anchoring: Anchoring): Test {
  if (anchoring === 'contains') {
    return (x) => {
      if (x === undefined) return false;
      for (const t of texts) if (x.includes(t)) return true;
      return false;
    };
  }
  if (anchoring === 'startswith') {
    return (x) => {
      if (x === undefined) return false;
      for (const t of texts) if (x.startsWith(t)) return true;
      return false;
    };
  }
  if (anchoring === 'endswith') {
    return (x) => {
      if (x === undefined) return false;
      for (const t of texts) if (x.endsWith(t)) return true;
      return false;
    };
  }
  return (x) => x !== undefined && texts.includes(x);
}

/** A value's test, whether it reads the field folded (case-insensitive values) or as written, and the folded texts one of which it needs (null: none known). */
interface ValueTest {
  folded: boolean;
  test: Test;
  needs: readonly string[] | null;
}

function valueTest(field: string, modifiers: string[], raw: Scalar | Scalar[]): ValueTest {
  for (const m of modifiers) if (!SUPPORTED_MODIFIERS.has(m)) throw new Unsupported('modifier', `modifier '${m}' (${field})`);
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw new Unsupported('value', `empty value list (${field})`);
  const has = (m: string) => modifiers.includes(m);
  if (has('cidr')) {
    // An address in any of the ranges (one BlockList), or with |all in each of them.
    const ranges = values.map((v) => String(v));
    const inRanges = has('all') ? ranges.map((r) => cidrTest([r])) : [cidrTest(ranges)];
    if (inRanges.includes(null)) throw new Unsupported('value', `not an address range (${field})`);
    return { folded: false, test: (x) => x !== undefined && inRanges.every((t) => t!(x)), needs: null };
  }
  // Base64 text and expressions are read as written (an expression's |i is its own); everything else is case-insensitive unless |cased.
  const folded = !has('re') && !has('cased') && !has('base64') && !has('base64offset');
  const tests: Test[] = [];
  // Case-insensitive values without wildcards, tested together (any of them) unless |all asks for each.
  const literals: string[] = [];
  let literalAnchoring: Anchoring = 'exact';
  // Per value, the texts one of which it needs (any of its variants); null when a variant needs none.
  const valueNeeds: Array<readonly string[] | null> = [];
  for (const v of values) {
    if (v === null) {
      tests.push((x) => x === undefined || x === '');
      valueNeeds.push(null);
      continue;
    }
    if (typeof v === 'object') throw new Unsupported('value', `nested value (${field})`);
    let variants = [String(v)];
    if (has('windash')) variants = variants.flatMap(windash);
    if (has('base64') || has('base64offset')) {
      const encode = (s: string) => Buffer.from(s, has('wide') || has('utf16le') ? 'utf16le' : 'utf8');
      variants = variants.flatMap((s) => (has('base64offset') ? base64Offsets(encode(s)) : [encode(s).toString('base64')]));
    }
    const texts = has('re') ? [] : variants.map(neededText);
    valueNeeds.push(texts.length === 0 || texts.includes(null) ? null : (texts as string[]));
    for (const s of variants) {
      if (has('re')) {
        // A leading inline group of flags (`(?i)`, `(?is)`: PCRE's and Rust's, which SigmaHQ writes
        // for case-insensitivity; JavaScript has no inline flags) is the same as those flags.
        const inline = /^\(\?([ims]+)\)/.exec(s);
        const source = inline ? s.slice(inline[0].length) : s;
        const wanted = (m: string) => has(m) || (inline?.[1]!.includes(m) ?? false);
        const flags = `${wanted('i') ? 'i' : ''}${wanted('m') ? 'm' : ''}${wanted('s') ? 's' : ''}`;
        let re: RegExp | string;
        try {
          // Run in linear time, as Hayabusa's and Chainsaw's Rust expressions are: a field is the attacker's text.
          re = linearRegExp(source, flags);
        } catch {
          throw new Unsupported('regular expression', `regular expression not valid in JavaScript (${field})`);
        }
        if (typeof re === 'string') throw new Unsupported('regular expression', `regular expression not run: ${re} (${field})`);
        const linear = re;
        tests.push((x) => x !== undefined && linear.test(x));
        continue;
      }
      const anchoring: Anchoring = has('contains') || has('base64offset') ? 'contains' : has('startswith') ? 'startswith' : has('endswith') ? 'endswith' : 'exact';
      const value = folded ? foldCase(s) : s;
      const text = folded && !has('all') ? literalOf(value) : null;
      if (text !== null) {
        literals.push(text);
        literalAnchoring = anchoring;
      } else tests.push(folded ? foldedTest(value, anchoring) : wildcardTest(value, anchoring, 's'));
    }
  }
  if (literals.length > 0) tests.unshift(anyLiteral(literals, literalAnchoring));
  const needs = textNeeds(valueNeeds, has('all'));
  if (tests.length === 1) return { folded, test: tests[0]!, needs };
  return { folded, test: has('all') ? (x) => tests.every((t) => t(x)) : (x) => tests.some((t) => t(x)), needs };
}

/** A value list's needed texts: with |all each value's are needed (the most selective kept), else any value's. */
function textNeeds(valueNeeds: ReadonlyArray<readonly string[] | null>, all: boolean): readonly string[] | null {
  const asNeeds = valueNeeds.map((texts): Needs => (texts === null ? null : texts.map((text) => ({ field: '', text }))));
  const chosen = all ? allNeeds(asNeeds) : anyNeeds(asNeeds);
  return chosen === null ? null : chosen.map((n) => n.text);
}

/**
 * One record's fields as its rules read them: each capped at MAX_FIELD_CHARS once, and folded for
 * the case-insensitive values once, not once per rule (a record meets over a thousand rules of its
 * category in a SigmaHQ checkout).
 */
export class RecordFields {
  private readonly raws = new Map<string, string | undefined>();
  private readonly folds = new Map<string, string | undefined>();

  constructor(private readonly get: FieldSource) {}

  raw(name: string): string | undefined {
    if (this.raws.has(name)) return this.raws.get(name);
    const v = this.get(name);
    const capped = v !== undefined && v.length > MAX_FIELD_CHARS ? v.slice(0, MAX_FIELD_CHARS) : v;
    this.raws.set(name, capped);
    return capped;
  }

  folded(name: string): string | undefined {
    if (this.folds.has(name)) return this.folds.get(name);
    const v = this.raw(name);
    const f = v === undefined ? undefined : foldCase(v);
    this.folds.set(name, f);
    return f;
  }

  /** The field as a value test reads it. */
  of(name: string, t: ValueTest): string | undefined {
    return t.folded ? this.folded(name) : this.raw(name);
  }
}

type Matcher = (fields: RecordFields) => boolean;

/** A selection or condition: its test, and what it cannot be true without. */
interface Compiled {
  match: Matcher;
  needs: Needs;
}

/**
 * The field a keyword search reads (Sigma keywords: anywhere in the event's text): every EventData
 * value of the record, one per line (`fieldsOf`); no rule names it, it cannot be an EventData name.
 */
const ALL_DATA = '\u0000keywords';

/** A keyword list (`- 'text'`) or a keyword map with modifiers (`'|all': [...]`): searched in every value of the record. */
function keywords(modifiers: readonly string[], values: Scalar[]): Compiled {
  const test = valueTest('keywords', ['contains', ...modifiers.filter((m) => m !== 'contains')], values);
  return { match: (fields) => test.test(fields.of(ALL_DATA, test)), needs: fieldNeeds([ALL_DATA], test.needs) };
}

function fieldNeeds(fields: readonly string[], texts: readonly string[] | null): Needs {
  return texts === null ? null : fields.flatMap((field) => texts.map((text) => ({ field, text })));
}

function selection(name: string, def: unknown): Compiled {
  if (Array.isArray(def)) {
    if (def.every((x) => typeof x === 'string' || typeof x === 'number')) {
      return keywords([], def as Scalar[]);
    }
    if (def.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const alternatives = def.map((m, i) => selection(`${name}[${i}]`, m));
      return { match: (get) => alternatives.some((a) => a.match(get)), needs: anyNeeds(alternatives.map((a) => a.needs)) };
    }
    throw new Unsupported('selection', `selection '${name}' mixes maps and values`);
  }
  if (typeof def === 'string' || typeof def === 'number') return selection(name, [def]);
  if (!def || typeof def !== 'object') throw new Unsupported('selection', `selection '${name}' is empty`);
  const parts: Compiled[] = [];
  for (const [key, value] of Object.entries(def as Record<string, unknown>)) {
    const [field, ...modifiers] = key.split('|');
    if (!field) {
      // Keywords with modifiers (`'|all': [...]`): a map whose only key has no field.
      if (Object.keys(def as object).length !== 1 || modifiers.some((m) => m === 'fieldref' || m === 'cidr')) throw new Unsupported('selection', `keyword modifiers beside fields in '${name}'`);
      parts.push(keywords(modifiers, (Array.isArray(value) ? value : [value]) as Scalar[]));
      continue;
    }
    if (modifiers.includes('fieldref')) {
      parts.push(fieldRef(field, modifiers, value));
      continue;
    }
    if (modifiers.includes('exists')) {
      parts.push(fieldExists(field, modifiers, value));
      continue;
    }
    if (modifiers.some((m) => Object.hasOwn(COMPARISONS, m))) {
      parts.push(fieldCompare(field, modifiers, value));
      continue;
    }
    const test = valueTest(field, modifiers, value as Scalar | Scalar[]);
    parts.push({ match: (fields) => test.test(fields.of(field, test)), needs: fieldNeeds([field], test.needs) });
  }
  return { match: (fields) => parts.every((p) => p.match(fields)), needs: allNeeds(parts.map((p) => p.needs)) };
}

/** `field|fieldref: Other`: the field holds what another field holds (any of a list), case-insensitively unless |cased. */
function fieldRef(field: string, modifiers: readonly string[], value: unknown): Compiled {
  const other = modifiers.find((m) => m !== 'fieldref' && m !== 'cased');
  if (other !== undefined) throw new Unsupported('modifier', `modifier '${other}' with fieldref (${field})`);
  const names = Array.isArray(value) ? value : [value];
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) throw new Unsupported('value', `fieldref names no field (${field})`);
  const read = modifiers.includes('cased') ? (f: RecordFields, n: string) => f.raw(n) : (f: RecordFields, n: string) => f.folded(n);
  return {
    match: (fields) => {
      const mine = read(fields, field);
      return mine !== undefined && (names as string[]).some((n) => read(fields, n) === mine);
    },
    needs: null,
  };
}

/** `field|exists: true` (or false): the record has the field (or has not), whatever its value, empty included. */
function fieldExists(field: string, modifiers: readonly string[], value: unknown): Compiled {
  if (modifiers.length !== 1) throw new Unsupported('modifier', `modifier '${modifiers.find((m) => m !== 'exists')!}' with exists (${field})`);
  if (typeof value !== 'boolean') throw new Unsupported('value', `exists takes true or false (${field})`);
  return { match: (fields) => (fields.raw(field) !== undefined) === value, needs: null };
}

/** Sigma's numeric comparisons: the field's number against the value. */
const COMPARISONS: Readonly<Record<string, (field: number, value: number) => boolean>> = {
  lt: (f, v) => f < v,
  lte: (f, v) => f <= v,
  gt: (f, v) => f > v,
  gte: (f, v) => f >= v,
};

/** A field's text as a number: decimal (a sign, a fraction) or 0x hexadecimal, as event data writes them; anything else is no number. */
function numberOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (/^[-+]?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  return null;
}

/** `field|gt: 1000` (lt, lte, gt, gte): the field's number compared with the value (any of a list); a field that is no number never matches. */
function fieldCompare(field: string, modifiers: readonly string[], value: unknown): Compiled {
  if (modifiers.length !== 1) throw new Unsupported('modifier', `modifiers '${modifiers.join('|')}' together (${field})`);
  const name = modifiers[0]!;
  const compare = COMPARISONS[name]!;
  const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'number' ? v : typeof v === 'string' ? numberOf(v) : null));
  if (values.length === 0 || values.some((v) => v === null || !Number.isFinite(v))) throw new Unsupported('value', `${name} takes numbers (${field})`);
  return {
    match: (fields) => {
      const n = numberOf(fields.raw(field));
      return n !== null && (values as number[]).some((v) => compare(n, v));
    },
    needs: null,
  };
}

// ---- conditions ------------------------------------------------------------------------------

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Recursive descent over and / or / not / ( ) / "1 of x*" / "all of them"; depth-bounded by the text length. */
function compileCondition(text: string, selections: ReadonlyMap<string, Compiled>): Compiled {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const group = (pattern: string): Compiled[] => {
    const names = [...selections.keys()].filter((n) => (pattern === 'them' ? !n.startsWith('_') : globToRegExp(pattern).test(n)));
    if (names.length === 0) throw new Unsupported('condition', `condition names no selection: ${pattern}`);
    return names.map((n) => selections.get(n)!);
  };
  const every = (parts: Compiled[]): Compiled => ({ match: (get) => parts.every((p) => p.match(get)), needs: allNeeds(parts.map((p) => p.needs)) });
  const some = (parts: Compiled[]): Compiled => ({ match: (get) => parts.some((p) => p.match(get)), needs: anyNeeds(parts.map((p) => p.needs)) });
  const primary = (): Compiled => {
    const t = tokens[i++];
    if (t === undefined) throw new Unsupported('condition', 'condition ends early');
    if (t === '(') {
      const inner = or();
      if (tokens[i++] !== ')') throw new Unsupported('condition', 'unbalanced parentheses in condition');
      return inner;
    }
    const low = t.toLowerCase();
    if ((low === '1' || low === 'any' || low === 'all') && peek() === 'of') {
      i++;
      const target = tokens[i++];
      if (!target) throw new Unsupported('condition', '"of" without a target');
      const members = group(target);
      return low === 'all' ? every(members) : some(members);
    }
    if (/^\d+$/.test(low) && peek() === 'of') throw new Unsupported('condition', `"${t} of" (only 1 of / all of)`);
    const m = selections.get(t);
    if (!m) throw new Unsupported('condition', `condition names an unknown selection: ${t}`);
    return m;
  };
  const not = (): Compiled => {
    if (peek() === 'not') {
      i++;
      const inner = not();
      // What a negation needs is not known from what its operand needs.
      return { match: (get) => !inner.match(get), needs: null };
    }
    return primary();
  };
  const and = (): Compiled => {
    const parts = [not()];
    while (peek() === 'and') {
      i++;
      parts.push(not());
    }
    return parts.length === 1 ? parts[0]! : every(parts);
  };
  const or = (): Compiled => {
    const parts = [and()];
    while (peek() === 'or') {
      i++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : some(parts);
  };
  if (tokens.length > 10_000) throw new Unsupported('condition', 'condition too long');
  const m = or();
  if (i !== tokens.length) throw new Unsupported('condition', `condition has unexpected '${tokens[i]}'`);
  return m;
}

// ---- rules -----------------------------------------------------------------------------------

/** The header fields a rule and a correlation share. */
function headerOf(r: Record<string, unknown>, file: string): Pick<SigmaRule, 'title' | 'id' | 'name' | 'file' | 'level' | 'attack'> {
  const level = String(r.level ?? 'medium').toLowerCase();
  const tags = Array.isArray(r.tags) ? r.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    title: typeof r.title === 'string' ? r.title : path.basename(file),
    id: typeof r.id === 'string' ? r.id : null,
    name: typeof r.name === 'string' && r.name !== '' ? r.name : null,
    file,
    level: (LEVELS.has(level) ? level : 'medium') as SigmaLevel,
    attack: tags.map((t) => /^attack\.(t\d{4}(\.\d{3})?)$/i.exec(t)?.[1]?.toUpperCase()).filter((t): t is string => !!t),
  };
}

/** One YAML document to a rule; Unsupported names the first feature it cannot honour. */
export function compileRule(doc: unknown, file: string): SigmaRule {
  const compiled = compileDocument(doc, file);
  if (!compiled.rule || compiled.correlation) throw new Unsupported('correlation rule', 'not a plain rule');
  return compiled.rule;
}

/**
 * One YAML document: a rule, a correlation (Sigma 2.0), or a rule whose condition ends in an
 * aggregation (`| count() by G > N`, Sigma 1.0), which is the rule (only the correlation reads it)
 * and its event_count or value_count correlation over `timeframe` (the whole of the logs without one).
 */
function compileDocument(doc: unknown, file: string): { rule?: SigmaRule; correlation?: SigmaCorrelation } {
  if (!doc || typeof doc !== 'object') throw new Unsupported('not a rule', 'not a Sigma rule (no mapping)');
  const r = doc as Record<string, unknown>;
  if (r.correlation !== undefined) {
    try {
      return { correlation: compileCorrelation(r, headerOf(r, file)) };
    } catch (err) {
      if (err instanceof CorrelationUnsupported) throw new Unsupported('correlation rule', err.message);
      throw err;
    }
  }
  const logsource = (r.logsource ?? {}) as Record<string, unknown>;
  const detection = r.detection as Record<string, unknown> | undefined;
  if (!detection || typeof detection !== 'object') throw new Unsupported('not a rule', 'no detection section');
  const source = ruleLogSource(logsource);
  if ('unsupported' in source) throw new Unsupported('log source', source.unsupported);
  const selections = new Map<string, Compiled>();
  for (const [name, def] of Object.entries(detection)) if (name !== 'condition' && name !== 'timeframe') selections.set(name, selection(name, def));
  const conditions = Array.isArray(detection.condition) ? detection.condition : [detection.condition];
  if (conditions.length === 0 || conditions.some((c) => typeof c !== 'string')) throw new Unsupported('condition', 'condition missing');
  const texts = conditions as string[];
  const piped = texts.findIndex((t) => t.includes('|'));
  if (piped >= 0 && texts.length > 1) throw new Unsupported('aggregation', 'an aggregation in a list of conditions');
  let aggregation: ReturnType<typeof aggregationOf> | null = null;
  let timespanMs = Infinity;
  try {
    if (piped >= 0) aggregation = aggregationOf(texts[0]!.slice(texts[0]!.indexOf('|') + 1));
    if (aggregation && detection.timeframe !== undefined) timespanMs = timespanMsOf(detection.timeframe);
  } catch (err) {
    if (err instanceof CorrelationUnsupported) throw new Unsupported(piped >= 0 && !aggregation ? 'aggregation' : 'timeframe', err.message);
    throw err;
  }
  // Without an aggregation a timeframe bounds nothing: the rule matches record by record either way.
  const compiled = texts.map((c) => compileCondition(piped >= 0 ? c.slice(0, c.indexOf('|')) : c, selections));
  const matchers = compiled.map((c) => c.match);
  const header = headerOf(r, file);
  const rule: SigmaRule = {
    kind: 'rule',
    ...header,
    ...(aggregation ? { id: null, name: null } : {}),
    logsource: source.key,
    matches: (get) => {
      const fields = new RecordFields(get);
      return matchers.some((c) => c(fields));
    },
    matchesRecord: (fields) => matchers.some((c) => c(fields)),
    needs: anyNeeds(compiled.map((c) => c.needs)),
    standalone: true,
    feeds: [],
  };
  if (!aggregation) return { rule };
  const correlation: SigmaCorrelation = { kind: 'correlation', ...header, type: aggregation.type, refs: [], inputs: [rule], groupBy: aggregation.groupBy, aliases: {}, timespanMs, condition: aggregation.condition, field: aggregation.field, generate: false, feeds: [] };
  return { rule, correlation };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `over` merged into `base`: maps key by key, down through maps; anything else from `over` replaces. */
function deepMerged(base: Record<string, unknown>, over: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) && depth < 16 ? deepMerged(b, v, depth + 1) : v;
  }
  return out;
}

/**
 * A Sigma 1.0 rule collection as the rules it stands for (sigmac's reading): `action: global` is
 * merged under every document after it, `action: reset` drops it, `action: repeat` is the document
 * before it with its own keys merged over. Documents without an action pass as they are; a string
 * says why the file cannot be read so.
 */
function expandCollection(docs: readonly unknown[]): unknown[] | string {
  if (!docs.some((d) => isMap(d) && 'action' in d)) return [...docs];
  let global: Record<string, unknown> = {};
  let previous: Record<string, unknown> | null = null;
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc === null) continue;
    if (!isMap(doc)) return 'a rule collection with a document that is not a mapping';
    const { action, ...rest } = doc;
    if (action === 'global') global = deepMerged(global, rest);
    else if (action === 'reset') global = {};
    else if (action === 'repeat') {
      if (!previous) return 'action: repeat with no document before it';
      previous = deepMerged(previous, rest);
      out.push(previous);
    } else if (action === undefined) {
      previous = deepMerged(global, rest);
      out.push(previous);
    } else return `action: ${String(action)} (only global, reset and repeat)`;
  }
  return out;
}

/** Every rule under the directories (recursively, links not followed); throws only when a directory cannot be read. */
export function loadSigmaRules(dirs: readonly string[]): SigmaRuleSet {
  const rules: SigmaRule[] = [];
  const correlations: SigmaCorrelation[] = [];
  const unsupported: SigmaUnsupported[] = [];
  for (const dir of dirs) {
    for (const file of ruleFilesUnder(dir, /\.ya?ml$/i, MAX_RULE_FILES)) {
      const ruleFile = path.relative(dir, file) || path.basename(file);
      const text = lstatSync(file).size > MAX_RULE_BYTES ? null : readFileSync(file, 'utf8');
      if (text === null) {
        unsupported.push({ file: ruleFile, title: null, kind: 'too large', reason: `larger than ${MAX_RULE_BYTES} bytes` });
        continue;
      }
      let docs: unknown[];
      try {
        // YAML 1.2's core schema (what SigmaHQ's rules are written in): js-yaml reads the checkout's
        // 3,141 files to the same values as the `yaml` package did, 6-8x faster (docs/eventlogs.md).
        docs = loadAll(text, null, { schema: CORE_SCHEMA, filename: ruleFile });
      } catch (err) {
        unsupported.push({ file: ruleFile, title: null, kind: 'YAML', reason: `YAML: ${(err as Error).message.split('\n')[0]}` });
        continue;
      }
      // Sigma 1.0's rule collections (action: global / reset / repeat) are merged into plain rules;
      // several plain documents are Sigma 2.0's way of keeping a correlation with its rules.
      const expanded = expandCollection(docs);
      if (typeof expanded === 'string') {
        unsupported.push({ file: ruleFile, title: null, kind: 'rule collection', reason: expanded });
        continue;
      }
      for (const doc of expanded) {
        if (doc === null && docs.length > 1) continue;
        const title = (doc as Record<string, unknown> | null)?.title;
        try {
          const compiled = compileDocument(doc, ruleFile);
          if (compiled.rule) rules.push(compiled.rule);
          if (compiled.correlation) correlations.push(compiled.correlation);
        } catch (err) {
          if (!(err instanceof Unsupported)) throw err;
          unsupported.push({ file: ruleFile, title: typeof title === 'string' ? title : null, kind: err.kind, reason: err.message });
        }
      }
    }
  }
  const { linked, failed } = linkCorrelations(rules, correlations);
  for (const f of failed) unsupported.push({ file: f.correlation.file, title: f.correlation.title, kind: 'correlation rule', reason: f.reason });
  return { rules, correlations: linked, unsupported };
}
