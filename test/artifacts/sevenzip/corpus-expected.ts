/** Readers for the corpus reference outputs (ARCHIVES_SUMMARY tsv, 7zz -slt, lsar -j, bsdtar -tv). */
import { existsSync, readFileSync } from 'node:fs';
import { corpusPath } from '../../helpers/corpus.js';

export type SummaryRow = Record<string, string>;

export function archivesSummary(): SummaryRow[] {
  const lines = readFileSync(corpusPath('archives', 'ARCHIVES_SUMMARY.expected.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  return lines.slice(1).map((line) => Object.fromEntries(line.split('\t').map((v, i) => [head[i]!, v])));
}

export interface RefEntry {
  name: string;
  size: number | null;
  encrypted: boolean;
  isDirectory: boolean;
  modified?: string | null;
}

/** `7zz l -slt` entries (the blocks after the "----------" line). */
export function sevenZzEntries(file: string): RefEntry[] {
  const text = readFileSync(corpusPath('archives', `${file}.expected.7zz-slt.txt`), 'utf8');
  const cut = text.indexOf('\n----------\n');
  if (cut < 0) return [];
  return text
    .slice(cut + 12)
    .split(/\n\s*\n/)
    .map((block) => Object.fromEntries(block.split('\n').map((l) => l.split(' = ') as [string, string]).filter((kv) => kv.length === 2)))
    .filter((kv) => kv.Path !== undefined)
    .map((kv) => ({
      name: kv.Path!,
      size: kv.Size ? Number(kv.Size) : null,
      encrypted: kv.Encrypted === '+',
      isDirectory: (kv.Attributes ?? '').startsWith('D') || kv.Folder === '+',
      modified: kv.Modified ? `${kv.Modified.replace(' ', 'T')}Z` : null,
    }));
}

/** `lsar -j` entries. */
export function lsarEntries(file: string): RefEntry[] | null {
  const p = corpusPath('archives', `${file}.expected.lsar.json`);
  if (!existsSync(p)) return null;
  let json: { lsarContents?: Record<string, unknown>[] };
  try {
    json = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null; // lsar wrote truncated JSON (password-protected listings)
  }
  return (json.lsarContents ?? []).map((e) => ({
    name: String(e.XADFileName),
    size: typeof e.XADFileSize === 'number' ? e.XADFileSize : null,
    encrypted: e.XADIsEncrypted === 1,
    isDirectory: e.XADIsDirectory === 1,
  }));
}

/** `bsdtar -tvf` lines: size (5th column) and name (after the date). */
export function bsdtarEntries(file: string): { name: string; size: number }[] {
  const p = corpusPath('archives', `${file}.expected.bsdtar.txt`);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = line.match(/^\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w{3}\s+\d+\s+\S+\s(.*?)(?: -> .*)?$/);
      return m ? { name: m[2]!, size: Number(m[1]) } : { name: line, size: -1 };
    });
}
