/** Reading the regf corpus and its pyregf / reglookup expectations (shared by the regf tests). */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corpusPath } from '../../helpers/corpus.js';
import { walkHive, rawBytesOf, isInlineValue, type KeyRecord, type ValueRecord } from '../../../src/artifacts/regf/walk.js';

export interface PyregfKey { t: 'key'; path: string[]; last_written: string | null; class_name?: string }
export interface PyregfValue { t: 'value'; path: string[]; name: string | null; type: number; size: number; sha256: string }
export type PyregfLine = PyregfKey | PyregfValue | { t: string };

/** Every data file under regf/ (not the *.expected.* outputs). */
export function corpusHives(): string[] {
  const root = corpusPath('regf');
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (!name.includes('.expected.')) out.push(path.relative(root, p));
    }
  };
  visit(root);
  return out;
}

export function readPyregf(rel: string): PyregfLine[] {
  const text = gunzipSync(readFileSync(corpusPath('regf', `${rel}.expected.pyregf.jsonl.gz`))).toString('utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as PyregfLine);
}

export function readToolsJson(rel: string): { info: Record<string, unknown> } {
  return JSON.parse(readFileSync(corpusPath('regf', `${rel}.expected.tools.json`), 'utf8'));
}

/** The reference tools cut names at an embedded NUL (documented quirk): compare the same way. */
export function cutAtNul(s: string): string {
  const i = s.indexOf('\u0000');
  return i < 0 ? s : s.slice(0, i);
}

export interface Dump { keys: string[]; values: string[]; warnings: string[]; quirks: string[] }

/** One comparable line per key ("path|lastWritten") and value ("path|name|type|size|sha256"). */
/**
 * libregf's view of value data, for comparison only (docs/registry.md, "reference quirks"):
 * inline data shorter than 4 bytes is taken from the END of the 4-byte field (reglookup and
 * hivexml take the start, as Windows does), and REG_SZ/EXPAND_SZ data is cut after the first
 * NUL terminator. Returns the bytes and whether a quirk changed them.
 */
export function libregfView(hive: Buffer, v: ValueRecord): { bytes: Buffer; size: number; quirk: string | null } {
  const raw = rawBytesOf(v) ?? Buffer.alloc(0);
  if (isInlineValue(v) && v.size < 4 && v.size > 0) {
    const field = raw.byteOffset - hive.byteOffset;
    const bytes = hive.subarray(field + 4 - v.size, field + 4);
    return { bytes, size: v.size, quirk: bytes.equals(raw) ? null : 'inline-tail' };
  }
  if (v.dataType === 'REG_SZ' || v.dataType === 'REG_EXPAND_SZ') {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i] === 0 && raw[i + 1] === 0) {
        if (i + 2 < raw.length) return { bytes: raw.subarray(0, i + 2), size: i + 2, quirk: 'sz-cut-at-nul' };
        break;
      }
    }
  }
  return { bytes: raw, size: v.size, quirk: null };
}

export function ownDump(buf: Buffer): Dump {
  const keys: string[] = [];
  const values: string[] = [];
  const warnings: string[] = [];
  const quirks: string[] = [];
  for (const item of walkHive(buf)) {
    if (item.type === 'registry-key') keys.push(keyLine((item as KeyRecord).key, (item as KeyRecord).lastWritten));
    else if (item.type === 'registry-value') {
      const view = libregfView(buf, item as ValueRecord);
      if (view.quirk) quirks.push(`${(item as ValueRecord).key}|${(item as ValueRecord).name}|${view.quirk}`);
      values.push(ownValueLine(item as ValueRecord, view));
    }
    else if (item.type === 'warning') warnings.push(item.message);
  }
  return { keys, values, warnings, quirks };
}

const TYPE_NUMBERS: Record<string, number> = {
  REG_NONE: 0, REG_SZ: 1, REG_EXPAND_SZ: 2, REG_BINARY: 3, REG_DWORD: 4, REG_DWORD_BIG_ENDIAN: 5, REG_LINK: 6,
  REG_MULTI_SZ: 7, REG_RESOURCE_LIST: 8, REG_FULL_RESOURCE_DESCRIPTOR: 9, REG_RESOURCE_REQUIREMENTS_LIST: 10, REG_QWORD: 11,
};

function typeNumber(name: string): number {
  const m = /^REG_UNKNOWN_0x([0-9a-f]+)$/.exec(name);
  return m ? parseInt(m[1]!, 16) : TYPE_NUMBERS[name]!;
}

function keyLine(key: string, lastWritten: string | null): string {
  return `${key.split('\\').map(cutAtNul).join('\\')}|${lastWritten}`;
}

function ownValueLine(v: ValueRecord, view: { bytes: Buffer; size: number }): string {
  const sha = createHash('sha256').update(view.bytes).digest('hex');
  return `${v.key.split('\\').map(cutAtNul).join('\\')}|${cutAtNul(v.name)}|${typeNumber(v.dataType)}|${view.size}|${sha}`;
}

export function referenceDump(lines: PyregfLine[]): { keys: string[]; values: string[] } {
  const keys: string[] = [];
  const values: string[] = [];
  for (const l of lines) {
    if (l.t === 'key') {
      const k = l as PyregfKey;
      keys.push(`${k.path.slice(1).join('\\')}|${k.last_written}`);
    } else if (l.t === 'value') {
      const v = l as PyregfValue;
      values.push(`${v.path.slice(1).join('\\')}|${v.name ?? ''}|${v.type}|${v.size}|${v.sha256}`);
    }
  }
  return { keys, values };
}
