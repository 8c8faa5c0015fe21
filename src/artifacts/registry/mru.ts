/**
 * The two ways Explorer orders a list of values, most recent first: MRUListEx (REG_BINARY of u32
 * value numbers ended by 0xffffffff: ShellBags, ComDlg32's PIDL lists) and MRUList (REG_SZ of value
 * letters: RunMRU, XP's ComDlg32 lists). Each gives value name -> position (0 = most recent).
 */
import { valueBytes, valueNamed, type KeyNode } from './view.js';

/** MRUListEx: u32 entry numbers, most recent first, ended by 0xffffffff. */
export function mruListExOrder(node: KeyNode): Map<string, number> {
  const order = new Map<string, number>();
  const v = valueNamed(node, 'MRUListEx');
  if (!v) return order;
  const b = valueBytes(v);
  for (let o = 0; o + 4 <= b.length && order.size < 65536; o += 4) {
    const n = b.readUInt32LE(o);
    if (n === 0xffffffff) break;
    if (!order.has(String(n))) order.set(String(n), order.size);
  }
  return order;
}

/** MRUList: one value letter per character, most recent first. */
export function mruListOrder(node: KeyNode): Map<string, number> {
  const order = new Map<string, number>();
  const v = valueNamed(node, 'MRUList');
  if (typeof v?.data !== 'string') return order;
  for (const ch of v.data.slice(0, 256)) if (!order.has(ch)) order.set(ch, order.size);
  return order;
}

/** Whichever of the two the key has (MRUListEx first). */
export function mruOrderOf(node: KeyNode): Map<string, number> {
  const ex = mruListExOrder(node);
  return ex.size > 0 ? ex : mruListOrder(node);
}
