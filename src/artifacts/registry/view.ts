/**
 * A read-only index over registry records (from an offline hive or the live adapter), so the
 * detectors can ask for a key by path, case-insensitively, and for a value's raw bytes.
 */
import { encodeDecoded, regTypeNumber } from '../regf/decode.js';
import { rawBytesOf, type KeyRecord, type RegistryRecord, type ValueRecord } from '../regf/walk.js';

export interface KeyNode {
  key: string;
  lastWritten: string | null;
  values: ValueRecord[];
  /** The key's cell was read from a transaction log (KeyRecord.fromTransactionLog). */
  fromTransactionLog?: true;
}

export class HiveView {
  private readonly keys = new Map<string, KeyNode>();
  private readonly children = new Map<string, string[]>();

  constructor(records: readonly RegistryRecord[]) {
    for (const r of records) {
      if (r.type === 'registry-key') this.addKey(r);
      else if (r.type === 'registry-value') this.addValue(r);
    }
  }

  private node(path: string): KeyNode {
    const id = path.toLowerCase();
    let n = this.keys.get(id);
    if (!n) {
      n = { key: path, lastWritten: null, values: [] };
      this.keys.set(id, n);
      if (path !== '') {
        // Parents are created too, so partial record sets (live reads) still form a tree.
        const i = path.lastIndexOf('\\');
        const parentPath = i < 0 ? '' : path.slice(0, i);
        this.node(parentPath);
        const parent = parentPath.toLowerCase();
        const list = this.children.get(parent);
        if (list) list.push(id);
        else this.children.set(parent, [id]);
      }
    }
    return n;
  }

  private addKey(r: KeyRecord): void {
    const n = this.node(r.key);
    n.lastWritten = r.lastWritten;
    if (r.fromTransactionLog) n.fromTransactionLog = true;
  }

  private addValue(r: ValueRecord): void {
    this.node(r.key).values.push(r);
  }

  get(path: string): KeyNode | undefined {
    return this.keys.get(path.toLowerCase());
  }

  subkeys(path: string): KeyNode[] {
    return (this.children.get(path.toLowerCase()) ?? []).map((id) => this.keys.get(id)!);
  }

  all(): IterableIterator<KeyNode> {
    return this.keys.values();
  }

  get size(): number {
    return this.keys.size;
  }
}

/** A key's value by name, as Windows looks it up (case-insensitively). */
export function valueNamed(node: KeyNode | undefined, name: string): ValueRecord | undefined {
  const lower = name.toLowerCase();
  return node?.values.find((v) => v.name.toLowerCase() === lower);
}

/** A REG_DWORD value (or the first four bytes of another type), unsigned; null when the key lacks it or it is shorter. */
export function dwordValue(node: KeyNode | undefined, name: string): number | null {
  const v = valueNamed(node, name);
  if (!v) return null;
  if (typeof v.data === 'number') return v.data;
  const b = valueBytes(v);
  return b.length >= 4 ? b.readUInt32LE(0) : null;
}

/** The value's raw bytes: attached by the walk, else rebuilt from the decoded data. */
export function valueBytes(v: ValueRecord): Buffer {
  return rawBytesOf(v) ?? encodeDecoded(regTypeNumber(v.dataType) ?? 3, v.data);
}

/** Control sets present in a SYSTEM hive (ControlSet001, ...; CurrentControlSet on a live system). */
export function controlSets(view: HiveView): string[] {
  return view.subkeys('').map((k) => k.key).filter((k) => /^(ControlSet\d{3}|CurrentControlSet)$/i.test(k)).sort();
}
