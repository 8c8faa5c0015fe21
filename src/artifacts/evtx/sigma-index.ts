/**
 * Rules indexed by what they need (sigma.ts `Needs`): a record meets only the rules one of whose
 * needed texts is in its field, found for all rules at once (util/aho-corasick.ts), plus the rules
 * with no known need. A SigmaHQ checkout gives a process-creation record over a thousand rules of
 * its category; the texts pass over each field once instead of each rule's tests over it, and the
 * result is the rules `matchesRecord` accepts, in the rule set's order, as without the index.
 */
import { TextSet } from '../../util/aho-corasick.js';
import type { EvtxEvent } from './record.js';
import { LIMITS } from '../../util/limits.js';
import { fieldsOf, RecordFields, type Need, type SigmaRule } from './sigma.js';
import { logSourcesOf, readsAsProcessCreation } from './sigma-logsource.js';

/** One field's needed texts and, per text, the rules (positions in the category's list) that need it. */
interface FieldTexts {
  field: string;
  texts: TextSet;
  rulesOf: number[][];
}

/** Whether a rule's new texts keep every field's automaton within LIMITS.maxSigmaIndexUnitsPerField. */
function withinBound(needs: readonly Need[], byField: ReadonlyMap<string, ReadonlyMap<string, number[]>>, units: ReadonlyMap<string, number>): boolean {
  const adding = new Map<string, number>();
  for (const need of needs) {
    if (byField.get(need.field)?.has(need.text)) continue;
    const total = (adding.get(need.field) ?? units.get(need.field) ?? 0) + need.text.length;
    if (total > LIMITS.maxSigmaIndexUnitsPerField) return false;
    adding.set(need.field, total);
  }
  return true;
}

/** The rules of one log source, those always tried and those tried when a field has one of their texts. */
class SourceIndex {
  private readonly always: Uint8Array;
  private readonly fields: FieldTexts[] = [];
  /** Per rule, the mark of the record whose field had one of its texts. */
  private readonly marked: Uint32Array;
  private record = 0;
  private readonly found: number[] = [];

  /** `rules`: the log source's, in the rule set's order; `positions`: where each is in the rule set. */
  constructor(private readonly rules: readonly SigmaRule[], readonly positions: readonly number[]) {
    this.always = new Uint8Array(rules.length);
    this.marked = new Uint32Array(rules.length);
    const byField = new Map<string, Map<string, number[]>>();
    const units = new Map<string, number>();
    rules.forEach((rule, position) => {
      if (rule.needs === null || !withinBound(rule.needs, byField, units)) {
        this.always[position] = 1;
        return;
      }
      for (const need of rule.needs) {
        let texts = byField.get(need.field);
        if (!texts) byField.set(need.field, (texts = new Map()));
        let needing = texts.get(need.text);
        if (!needing) {
          texts.set(need.text, (needing = []));
          units.set(need.field, (units.get(need.field) ?? 0) + need.text.length);
        }
        if (needing[needing.length - 1] !== position) needing.push(position);
      }
    });
    for (const [field, texts] of byField) this.fields.push({ field, texts: new TextSet([...texts.keys()]), rulesOf: [...texts.values()] });
  }

  /** Pushes to `out` the rule-set positions of the rules that match the record, in order. */
  matching(fields: RecordFields, out: number[]): void {
    if (++this.record === 0xffffffff) {
      this.marked.fill(0);
      this.record = 1;
    }
    const record = this.record;
    for (const f of this.fields) {
      const value = fields.folded(f.field);
      if (!value) continue;
      this.found.length = 0;
      f.texts.find(value, this.found);
      for (const text of this.found) for (const position of f.rulesOf[text]!) this.marked[position] = record;
    }
    for (let i = 0; i < this.rules.length; i++) {
      if ((this.always[i] === 1 || this.marked[i] === record) && this.rules[i]!.matchesRecord(fields)) out.push(this.positions[i]!);
    }
  }

  /** States of the texts' automata (bench/sigma.mjs: the index's size). */
  get states(): number {
    return this.fields.reduce((n, f) => n + f.texts.states, 0);
  }

  get alwaysTried(): number {
    return this.always.reduce((n, a) => n + a, 0);
  }

  get size(): number {
    return this.rules.length;
  }
}

/** A rule set's index by log source, each built on the first record of its source. */
export class SigmaIndex {
  private readonly sources = new Map<string, SourceIndex | null>();

  constructor(readonly rules: readonly SigmaRule[]) {}

  /** The index of one log-source key; null when no rule has it. */
  source(key: string): SourceIndex | null {
    let index = this.sources.get(key);
    if (index === undefined) {
      const positions: number[] = [];
      for (let i = 0; i < this.rules.length; i++) if (this.rules[i]!.logsource === key) positions.push(i);
      index = positions.length === 0 ? null : new SourceIndex(positions.map((i) => this.rules[i]!), positions);
      this.sources.set(key, index);
    }
    return index;
  }

  /** The rules that match the record, in the rule set's order: each of its log sources' rules read its fields as their source maps them. */
  matching(e: EvtxEvent): SigmaRule[] {
    const positions: number[] = [];
    let sources = 0;
    // At most two readings of a record's fields, shared by its log sources: as written, and (Security 4688 only) under Sysmon's names.
    let asWritten: RecordFields | null = null;
    let asProcess: RecordFields | null = null;
    for (const key of logSourcesOf(e)) {
      const index = this.source(key);
      if (!index) continue;
      const fields = readsAsProcessCreation(e, key) ? (asProcess ??= new RecordFields(fieldsOf(e, key))) : (asWritten ??= new RecordFields(fieldsOf(e, key)));
      index.matching(fields, positions);
      sources++;
    }
    // Each source's are in order; a record of several sources (Sysmon 13 is registry_set and registry_event) needs them merged.
    if (sources > 1) positions.sort((a, b) => a - b);
    return positions.map((p) => this.rules[p]!);
  }
}

const indexes = new WeakMap<readonly SigmaRule[], SigmaIndex>();

/** The rule set's index (one per rule array; rebuilt if the array's length changed since). */
export function sigmaIndexOf(rules: readonly SigmaRule[]): SigmaIndex {
  let index = indexes.get(rules);
  if (!index || index.rules.length !== rules.length) indexes.set(rules, (index = new SigmaIndex(rules)));
  return index;
}

/** The rules that match the event, in the rule set's order. */
export function sigmaMatches(rules: readonly SigmaRule[], e: EvtxEvent): SigmaRule[] {
  if (rules.length === 0) return [];
  return sigmaIndexOf(rules).matching(e);
}
