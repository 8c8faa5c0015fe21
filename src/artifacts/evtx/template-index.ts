/**
 * Where a log's templates are defined, by template id (the GUID's first four bytes): the chunk and
 * the offset of each, noted while the chunks' current records are read, so that a slack record whose
 * own template is overwritten can be rebuilt after the last chunk with the same template parsed
 * again from its chunk (`lender`). Only places are kept (20 bytes an id, at most
 * LIMITS.maxEvtxTemplateIds ids), never parsed bodies: a log may define a template per record.
 * An id defined with two different GUIDs is ambiguous and never lent.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { ChunkXml, lentTemplate, type LentTemplate, type TemplateLibrary } from './binxml.js';
import { CHUNK, TEMPLATE } from './layout.js';

const AMBIGUOUS = 0xffffffff;
/** Parsed templates and chunks the lender keeps while it lends (the slack records of one log often share a few). */
const LENT_CACHE = 1024;
const CHUNK_CACHE = 16;

export class TemplateIndex {
  private readonly slotOf = new Map<number, number>();
  private chunks = new Uint32Array(64);
  private offsets = new Uint32Array(64);
  /** The GUID's other twelve bytes, as three words. */
  private guids = new Uint32Array(64 * 3);

  /** A template defined at `offset` of chunk `chunkIndex` (`chunk` its bytes). */
  note(id: number, chunkIndex: number, chunk: Buffer, offset: number): void {
    const at = offset + TEMPLATE.guid;
    const slot = this.slotOf.get(id);
    if (slot !== undefined) {
      if (this.chunks[slot] !== AMBIGUOUS && !this.sameGuid(slot, chunk, at)) this.chunks[slot] = AMBIGUOUS;
      return;
    }
    if (this.slotOf.size >= LIMITS.maxEvtxTemplateIds) return;
    const next = this.slotOf.size;
    if (next === this.chunks.length) this.grow();
    this.slotOf.set(id, next);
    this.chunks[next] = chunkIndex;
    this.offsets[next] = offset;
    for (let k = 0; k < 3; k++) this.guids[next * 3 + k] = chunk.readUInt32LE(at + 4 + 4 * k);
  }

  private sameGuid(slot: number, chunk: Buffer, at: number): boolean {
    for (let k = 0; k < 3; k++) if (this.guids[slot * 3 + k] !== chunk.readUInt32LE(at + 4 + 4 * k)) return false;
    return true;
  }

  private grow(): void {
    const more = (a: Uint32Array, n: number): Uint32Array<ArrayBuffer> => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    this.chunks = more(this.chunks, this.chunks.length * 2);
    this.offsets = more(this.offsets, this.offsets.length * 2);
    this.guids = more(this.guids, this.guids.length * 2);
  }

  /**
   * Lends the log's own template of an id (read again from its chunk in `src`), else `others`'
   * (`parse --templates`) when the log never defined that id; null when neither has it, or the log
   * defined it with two GUIDs.
   */
  lender(src: ByteSource, chunkStart: number, others: TemplateLibrary | null): (id: number) => LentTemplate | null {
    const lent = new Map<number, LentTemplate | null>();
    const chunks = new Map<number, { buf: Buffer; xml: ChunkXml }>();
    const chunkAt = (index: number): { buf: Buffer; xml: ChunkXml } => {
      let c = chunks.get(index);
      if (!c) {
        if (chunks.size >= CHUNK_CACHE) chunks.clear();
        const buf = src.read(chunkStart + index * CHUNK.size, CHUNK.size);
        c = { buf, xml: new ChunkXml(buf) };
        chunks.set(index, c);
      }
      return c;
    };
    return (id) => {
      const known = lent.get(id);
      if (known !== undefined) return known;
      let template: LentTemplate | null = null;
      const slot = this.slotOf.get(id);
      if (slot === undefined) template = others?.lend(id) ?? null;
      else if (this.chunks[slot] !== AMBIGUOUS) {
        const { buf, xml } = chunkAt(this.chunks[slot]!);
        const offset = this.offsets[slot]!;
        try {
          template = lentTemplate(buf, offset, xml.templateBody(offset));
        } catch {
          template = null; // read whole when noted: only a source that changed since could fail here
        }
      }
      if (lent.size >= LENT_CACHE) lent.clear();
      lent.set(id, template);
      return template;
    };
  }
}
