/**
 * Binary XML of one EVTX chunk to an element tree. Templates are parsed once per chunk (cached by
 * their definition offset) into nodes with substitution slots, then instantiated with each record's
 * values; a BinXml-typed value (an embedded fragment, e.g. UserData) is parsed in place.
 *
 * Bounds: the chunk buffer (64 KiB) bounds every offset and length; nesting of elements, templates
 * and embedded fragments together is capped at MAX_DEPTH; substitutions per instance at
 * MAX_SUBSTITUTIONS; a template that (directly or not) instantiates itself is refused. Every loop
 * advances through the buffer, so a record costs at most linear time in its size plus template work.
 */
import { NAME, TEMPLATE, TEMPLATE_INSTANCE, TOKEN, VALUE } from './layout.js';
import { arrayItems, renderValue } from './values.js';

/** An instantiated element. Attribute values and text are already rendered. */
export interface XmlElement {
  name: string;
  attrs: Array<[string, string]>;
  kids: XmlNode[];
}
export type XmlNode = XmlElement | string;

/** Nesting of elements + templates + embedded fragments a record may have (real logs need < 16). */
export const MAX_DEPTH = 64;
/** Substitution values per template instance (real templates have < 100). */
export const MAX_SUBSTITUTIONS = 4096;

export class BinXmlError extends Error {}


/**
 * The 16-bit hash a name structure stores of its UTF-16 text: hash = hash * 65599 + code unit, over
 * every code unit, kept to its low 16 bits (libfwevt's and python-evtx's name hash; every name of
 * every allocated record in the corpus has it).
 */
export function nameHash(buf: Buffer, text: number, chars: number): number {
  let hash = 0;
  for (let i = 0; i < chars; i++) hash = (Math.imul(hash, 65599) + buf.readUInt16LE(text + 2 * i)) >>> 0;
  return hash & 0xffff;
}

/**
 * `checked`: a record found in a chunk's slack or after a damaged record (`parse.ts`, recovered
 * records) points at names and templates that the chunk's newer records may have overwritten. So every name
 * it uses must hold its own hash and every template instance must name the template found at its
 * definition offset (the id is the GUID's first four bytes); else the record cannot be rebuilt from
 * this chunk and a BinXmlError says so. The chunk's own records always hold both (checked on the corpus).
 *
 * `lend`: a checked record whose template is overwritten in its own chunk is rebuilt with the
 * template of the same id that `lend` gives (the log's own, defined again elsewhere: EVTXtract's
 * approach, since after a clear the events logged since define the same templates at other offsets;
 * or a `parse --templates` log's), when the record's values fit it, slot by slot.
 *
 * `templates`: told of each template this chunk's records define (the log's index of them: parse.ts).
 */
export interface ChunkXmlOptions {
  checked?: boolean;
  lend?: (id: number) => LentTemplate | null;
  templates?: TemplateSink;
}

/** What is told of each template a chunk defines: its id (the GUID's first four bytes), the chunk and where it lies, and its parsed body. */
export interface TemplateSink {
  seen(id: number, chunk: Buffer, offset: number, body: TemplateBody): void;
}

interface TSub { k: 'sub'; id: number; optional: boolean; type: number }
interface TElement { k: 'el'; name: string; attrs: TAttr[]; kids: TNode[] }
/** A template instance met inside a fragment: already instantiated (its values were in the stream). */
interface TDone { k: 'done'; out: XmlNode[] }
interface TAttr { name: string; parts: Array<string | TSub | TDone> }
type TNode = string | TSub | TElement | TDone;
/** A template's parsed body: nodes with substitution slots, names already resolved in its own chunk. */
export type TemplateBody = readonly TNode[];

interface Value { type: number; off: number; size: number }

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** A template to lend: its body and the value type of each substitution slot (by id). */
export interface LentTemplate {
  guid: string;
  body: TemplateBody;
  slots: number[];
}

export function lentTemplate(chunk: Buffer, offset: number, body: TemplateBody): LentTemplate {
  return { guid: templateGuid(chunk, offset), body, slots: slotTypes(body) };
}

/** The GUID of the template defined at `offset` of `chunk`, as hex. */
export function templateGuid(chunk: Buffer, offset: number): string {
  return chunk.toString('hex', offset + TEMPLATE.guid, offset + TEMPLATE.guid + 16);
}

/**
 * Templates parsed and kept whole, by id: those of other logs (`parse --templates`), read before the
 * log they lend to. An id seen with two different GUIDs is ambiguous and never lent. At most
 * `MAX_KEPT_TEMPLATES` ids (a busy Security log has a few hundred).
 */
export class TemplateLibrary implements TemplateSink {
  private readonly byId = new Map<number, LentTemplate | null>();

  seen(id: number, chunk: Buffer, offset: number, body: TemplateBody): void {
    const known = this.byId.get(id);
    if (known === undefined) {
      if (this.byId.size < MAX_KEPT_TEMPLATES) this.byId.set(id, lentTemplate(chunk, offset, body));
    } else if (known !== null && known.guid !== templateGuid(chunk, offset)) this.byId.set(id, null);
  }

  lend(id: number): LentTemplate | null {
    return this.byId.get(id) ?? null;
  }

  /** Takes `other`'s templates too (several logs lending at once), an id the two hold with different GUIDs never lent. */
  absorb(other: TemplateLibrary): void {
    for (const [id, template] of other.byId) {
      const known = this.byId.get(id);
      if (known === undefined) {
        if (this.byId.size < MAX_KEPT_TEMPLATES) this.byId.set(id, template);
      } else if (known !== null && (template === null || known.guid !== template.guid)) this.byId.set(id, null);
    }
  }

  get size(): number {
    return this.byId.size;
  }
}

/** Template ids a TemplateLibrary keeps whole. */
const MAX_KEPT_TEMPLATES = 1024;

/** The value type of each substitution slot of a template body (-1 for an id not used). */
function slotTypes(body: readonly TNode[]): number[] {
  const slots: number[] = [];
  const visit = (nodes: ReadonlyArray<TNode | TAttr['parts'][number]>, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const n of nodes) {
      if (typeof n === 'string' || n.k === 'done') continue;
      if (n.k === 'sub') {
        while (slots.length <= n.id) slots.push(-1);
        if (slots[n.id] === -1) slots[n.id] = n.type;
      } else {
        for (const a of n.attrs) visit(a.parts, depth + 1);
        visit(n.kids, depth + 1);
      }
    }
  };
  visit(body, 0);
  return slots;
}

/**
 * Kinds of value a substitution slot declares, as Windows fills them: a slot declared SizeT holds a
 * HexInt64, one declared UInt8 a UInt16, and so on (corpus logs), so integers of any width are one
 * kind; strings (UTF-16 and ANSI) are one; the others stand alone, and an array only fits an array.
 */
function valueKind(type: number): number {
  const base = type & 0x7f;
  const array = type & 0x80;
  if (base === 1 || base === 2) return array | 1;
  if ((base >= 3 && base <= 10) || base === 16 || base === 20 || base === 21) return array | 3;
  return type;
}

/** A record's value fits a slot of a lent template: null fits any, as any fits a slot the template does not use. */
function valueFitsSlot(type: number, slot: number): boolean {
  return type === VALUE.null || slot === -1 || valueKind(type) === valueKind(slot);
}

/** Parses the binary XML of one chunk; create one per chunk (the caches are chunk-relative). */
export class ChunkXml {
  private readonly names = new Map<number, string>();
  /** Parsed template bodies by definition offset; null while one is being parsed (self-reference guard). */
  private readonly templates = new Map<number, TNode[] | null>();

  private readonly checked: boolean;
  private readonly lend: ((id: number) => LentTemplate | null) | null;
  private readonly sink: TemplateSink | null;
  /** Whether the last record parsed was rebuilt with a lent template (its own being overwritten). */
  usedLentTemplate = false;

  constructor(
    private readonly buf: Buffer,
    options: ChunkXmlOptions = {},
  ) {
    this.checked = options.checked ?? false;
    this.lend = options.lend ?? null;
    this.sink = options.templates ?? null;
  }

  /** The body of the template defined at `offset` (parsed once per chunk): what a lender lends. */
  templateBody(offset: number): TemplateBody {
    return this.template(offset, 0);
  }

  /** The root elements and text of one record's binary XML in buf[start, end). */
  parseRecord(start: number, end: number): XmlNode[] {
    this.usedLentTemplate = false;
    const { nodes } = this.content(start, end, 0, false);
    return this.instantiate(nodes, [], 0);
  }

  private u16(p: number, end: number): number {
    if (p + 2 > end) throw new BinXmlError(`truncated at 0x${p.toString(16)}`);
    return this.buf.readUInt16LE(p);
  }

  private u32(p: number, end: number): number {
    if (p + 4 > end) throw new BinXmlError(`truncated at 0x${p.toString(16)}`);
    return this.buf.readUInt32LE(p);
  }

  /** The name at a chunk offset; returns where parsing goes on (past an inline name when it sits at `p`). */
  private name(offset: number, p: number, end: number): [string, number] {
    const chunkEnd = this.buf.length;
    if (offset + NAME.text > chunkEnd) throw new BinXmlError(`name offset 0x${offset.toString(16)} outside the chunk`);
    const chars = this.buf.readUInt16LE(offset + NAME.chars);
    const textEnd = offset + NAME.text + chars * 2;
    if (textEnd > chunkEnd) throw new BinXmlError(`name at 0x${offset.toString(16)} runs past the chunk`);
    let name = this.names.get(offset);
    if (name === undefined) {
      if (this.checked && nameHash(this.buf, offset + NAME.text, chars) !== this.buf.readUInt16LE(offset + NAME.hash)) throw new BinXmlError(`name at 0x${offset.toString(16)} does not hold its hash (overwritten)`);
      name = this.buf.toString('utf16le', offset + NAME.text, textEnd);
      this.names.set(offset, name);
    }
    if (offset !== p) return [name, p];
    const after = textEnd + 2; // NUL terminator
    if (after > end) throw new BinXmlError(`inline name at 0x${p.toString(16)} runs past its fragment`);
    return [name, after];
  }

  /**
   * Tokens from p until end of fragment (EOF token) or, inside an element, its end token.
   * Returns the nodes and the position after the terminator.
   */
  private content(p: number, end: number, depth: number, inElement: boolean): { nodes: TNode[]; pos: number } {
    if (depth > MAX_DEPTH) throw new BinXmlError(`nesting deeper than ${MAX_DEPTH}`);
    const nodes: TNode[] = [];
    while (p < end) {
      const token = this.buf[p]!;
      const base = token & ~TOKEN.moreBit;
      if (token === TOKEN.eof) return { nodes, pos: p + 1 };
      if (base === TOKEN.end) {
        if (!inElement) throw new BinXmlError(`end-element token outside an element at 0x${p.toString(16)}`);
        return { nodes, pos: p + 1 };
      }
      if (base === TOKEN.fragmentHeader) {
        p += 4;
        continue;
      }
      if (base === TOKEN.openStart) {
        const r = this.element(p, end, depth + 1);
        nodes.push(r.node);
        p = r.pos;
        continue;
      }
      if (base === TOKEN.templateInstance) {
        const r = this.templateInstance(p, end, depth + 1);
        nodes.push(r.node);
        p = r.pos;
        continue;
      }
      if (base === TOKEN.piTarget) {
        p = this.name(this.u32(p + 1, end), p + 5, end)[1];
        continue;
      }
      if (base === TOKEN.piData) {
        p += 3 + this.u16(p + 1, end) * 2;
        continue;
      }
      const r = this.leaf(p, end);
      if (r === null) throw new BinXmlError(`unknown token 0x${token.toString(16)} at 0x${p.toString(16)}`);
      nodes.push(r.node);
      p = r.pos;
    }
    throw new BinXmlError('fragment ends without its end token');
  }

  /** A value, substitution, character or entity reference, CDATA: null for any other token. */
  private leaf(p: number, end: number): { node: string | TSub; pos: number } | null {
    const base = this.buf[p]! & ~TOKEN.moreBit;
    switch (base) {
      case TOKEN.value: {
        const type = this.buf[p + 1];
        if (type === VALUE.string) {
          const chars = this.u16(p + 2, end);
          const stop = p + 4 + chars * 2;
          if (stop > end) throw new BinXmlError(`value at 0x${p.toString(16)} runs past its fragment`);
          return { node: this.buf.toString('utf16le', p + 4, stop), pos: stop };
        }
        if (type === VALUE.ansiString) {
          const len = this.u16(p + 2, end);
          if (p + 4 + len > end) throw new BinXmlError(`value at 0x${p.toString(16)} runs past its fragment`);
          return { node: this.buf.toString('latin1', p + 4, p + 4 + len), pos: p + 4 + len };
        }
        throw new BinXmlError(`value token of type 0x${(type ?? 0).toString(16)} at 0x${p.toString(16)}`);
      }
      case TOKEN.cdata: {
        const chars = this.u16(p + 1, end);
        const stop = p + 3 + chars * 2;
        if (stop > end) throw new BinXmlError(`CDATA at 0x${p.toString(16)} runs past its fragment`);
        return { node: this.buf.toString('utf16le', p + 3, stop), pos: stop };
      }
      case TOKEN.charRef:
        return { node: String.fromCharCode(this.u16(p + 1, end)), pos: p + 3 };
      case TOKEN.entityRef: {
        const [name, pos] = this.name(this.u32(p + 1, end), p + 5, end);
        return { node: ENTITIES[name] ?? `&${name};`, pos };
      }
      case TOKEN.normalSubstitution:
      case TOKEN.optionalSubstitution:
        if (p + 4 > end) throw new BinXmlError(`truncated substitution at 0x${p.toString(16)}`);
        return { node: { k: 'sub', id: this.buf.readUInt16LE(p + 1), optional: base === TOKEN.optionalSubstitution, type: this.buf[p + 3]! }, pos: p + 4 };
      default:
        return null;
    }
  }

  private element(p: number, end: number, depth: number): { node: TElement; pos: number } {
    const token = this.buf[p]!;
    // u16 dependency id, u32 data size, u32 name offset. Some writers leave the dependency id out
    // (python-evtx and libevtx both handle it): then the name offset read after it is implausible.
    let q = p + 3;
    let nameOffset = this.u32(q + 4, end);
    if (nameOffset >= this.buf.length || (nameOffset > q + 8 && nameOffset !== q + 8)) {
      q = p + 1;
      nameOffset = this.u32(q + 4, end);
    }
    const [name, afterName] = this.name(nameOffset, q + 8, end);
    let pos = afterName;
    const attrs: TAttr[] = [];
    if (token & TOKEN.moreBit) {
      pos += 4; // attribute list size
      for (;;) {
        const at = this.buf[pos];
        if (at === undefined || (at & ~TOKEN.moreBit) !== TOKEN.attribute) break;
        const [attrName, afterName] = this.name(this.u32(pos + 1, end), pos + 5, end);
        pos = afterName;
        const parts: TAttr['parts'] = [];
        for (;;) {
          if (pos >= end) break;
          const next = this.buf[pos]! & ~TOKEN.moreBit;
          if (next === TOKEN.templateInstance) {
            const r = this.templateInstance(pos, end, depth + 1);
            parts.push(r.node);
            pos = r.pos;
            continue;
          }
          const r = this.leaf(pos, end);
          if (r === null) break;
          parts.push(r.node);
          pos = r.pos;
        }
        attrs.push({ name: attrName, parts });
        if (attrs.length > MAX_SUBSTITUTIONS) throw new BinXmlError('too many attributes');
      }
    }
    const close = this.buf[pos];
    if (close === TOKEN.closeEmpty) return { node: { k: 'el', name, attrs, kids: [] }, pos: pos + 1 };
    if (close !== TOKEN.closeStart) throw new BinXmlError(`element <${name}> not closed at 0x${pos.toString(16)}`);
    const kids = this.content(pos + 1, end, depth, true);
    return { node: { k: 'el', name, attrs, kids: kids.nodes }, pos: kids.pos };
  }

  /** The template body at a definition offset, parsed once per chunk. */
  private template(offset: number, depth: number): TNode[] {
    const cached = this.templates.get(offset);
    if (cached) return cached;
    if (cached === null) throw new BinXmlError(`template at 0x${offset.toString(16)} instantiates itself`);
    const size = this.u32(offset + TEMPLATE.bodySize, this.buf.length);
    const start = offset + TEMPLATE.body;
    if (start + size > this.buf.length) throw new BinXmlError(`template at 0x${offset.toString(16)} runs past the chunk`);
    this.templates.set(offset, null);
    try {
      const body = this.content(start, start + size, depth, false).nodes;
      this.templates.set(offset, body);
      this.sink?.seen(this.buf.readUInt32LE(offset + TEMPLATE.guid), this.buf, offset, body);
      return body;
    } catch (err) {
      this.templates.delete(offset);
      throw err;
    }
  }

  private templateInstance(p: number, end: number, depth: number): { node: TDone; pos: number } {
    // u8 unknown, u32 template id, u32 definition offset; the definition follows inline on first use.
    const defOffset = this.u32(p + TEMPLATE_INSTANCE.definition, end);
    const id = this.u32(p + TEMPLATE_INSTANCE.id, end);
    let lent: LentTemplate | null = null;
    if (this.checked && this.u32(defOffset + TEMPLATE.guid, this.buf.length) !== id) {
      lent = this.lend?.(id) ?? null;
      if (!lent) throw new BinXmlError(`template at 0x${defOffset.toString(16)} is not the one the record names (overwritten)`);
    }
    let pos = p + TEMPLATE_INSTANCE.after;
    if (defOffset === pos) pos += TEMPLATE.body + this.u32(pos + TEMPLATE.bodySize, end);
    const body = lent ? lent.body : this.template(defOffset, depth);
    const count = this.u32(pos, end);
    if (count > MAX_SUBSTITUTIONS) throw new BinXmlError(`${count} substitutions (limit ${MAX_SUBSTITUTIONS})`);
    pos += 4;
    if (pos + count * 4 > end) throw new BinXmlError('substitution descriptors run past the record');
    const values: Value[] = [];
    let data = pos + count * 4;
    for (let i = 0; i < count; i++) {
      const size = this.buf.readUInt16LE(pos + i * 4);
      const type = this.buf[pos + i * 4 + 2]!;
      values.push({ type, off: data, size });
      data += size;
    }
    if (data > end) throw new BinXmlError('substitution values run past the record');
    if (lent) {
      // The log's template must take this record's values as its own did: one per slot, each of the slot's type (or null).
      const fits = values.length === lent.slots.length && values.every((v, i) => valueFitsSlot(v.type, lent.slots[i]!));
      if (!fits) throw new BinXmlError(`template ${id.toString(16)} is overwritten here, and the log's template with its id does not fit the record's values`);
      this.usedLentTemplate = true;
    }
    return { node: { k: 'done', out: this.instantiate(body, values, depth) }, pos: data };
  }

  /** Template nodes plus values to rendered nodes. */
  private instantiate(nodes: readonly TNode[], values: readonly Value[], depth: number): XmlNode[] {
    const out: XmlNode[] = [];
    for (const n of nodes) {
      if (typeof n === 'string') out.push(n);
      else if (n.k === 'done') for (const x of n.out) out.push(x);
      else if (n.k === 'el') this.instantiateElementInto(out, n, values, depth);
      else {
        const v = values[n.id];
        if (!v || v.type === VALUE.null || v.size === 0) continue;
        if (v.type === VALUE.binXml) {
          if (depth + 1 > MAX_DEPTH) throw new BinXmlError(`nesting deeper than ${MAX_DEPTH}`);
          const inner = this.content(v.off, v.off + v.size, depth + 1, false).nodes;
          for (const x of this.instantiate(inner, [], depth + 1)) out.push(x);
        } else out.push(renderValue(this.buf, v.off, v.size, v.type));
      }
    }
    return out;
  }

  /**
   * An element whose only content is one substitution follows libevtx: left out when the
   * substitution is optional and empty and the element has no attribute left (<Data>, <Binary>;
   * <Data Name="Path"/> stays); repeated once per item when the value is an array.
   */
  private instantiateElementInto(out: XmlNode[], el: TElement, values: readonly Value[], depth: number): void {
    const only = el.kids.length === 1 ? el.kids[0]! : null;
    if (only !== null && typeof only !== 'string' && only.k === 'sub') {
      const v = values[only.id];
      const empty = !v || v.type === VALUE.null || v.size === 0;
      if (empty && only.optional) {
        const shell = this.instantiateElement({ ...el, kids: [] }, values, depth);
        if (shell.attrs.length > 0) out.push(shell);
        return;
      }
      if (v && !empty && (v.type & VALUE.arrayBit) !== 0) {
        const shell = this.instantiateElement({ ...el, kids: [] }, values, depth);
        for (const item of arrayItems(this.buf, v.off, v.size, v.type)) out.push({ name: shell.name, attrs: shell.attrs, kids: [item] });
        return;
      }
    }
    out.push(this.instantiateElement(el, values, depth));
  }

  private instantiateElement(el: TElement, values: readonly Value[], depth: number): XmlElement {
    const attrs: Array<[string, string]> = [];
    for (const a of el.attrs) {
      let text = '';
      let present = a.parts.length === 0;
      for (const part of a.parts) {
        if (typeof part === 'string') {
          text += part;
          present = true;
        } else if (part.k === 'done') {
          text += textOf(part.out);
          present = true;
        } else {
          const v = values[part.id];
          if (!v || v.type === VALUE.null || v.size === 0) {
            if (!part.optional) present = true;
            continue;
          }
          present = true;
          if (v.type !== VALUE.binXml) text += renderValue(this.buf, v.off, v.size, v.type);
        }
      }
      if (present) attrs.push([a.name, text]);
    }
    return { name: el.name, attrs, kids: this.instantiate(el.kids, values, depth + 1) };
  }
}

/** Concatenated text of nodes (element text content, depth-bounded by the tree itself). */
export function textOf(nodes: readonly XmlNode[]): string {
  let s = '';
  for (const n of nodes) s += typeof n === 'string' ? n : textOf(n.kids);
  return s;
}
