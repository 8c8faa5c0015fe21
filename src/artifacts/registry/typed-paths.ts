/**
 * TypedPaths (NTUSER.DAT, Software\Microsoft\Windows\CurrentVersion\Explorer\TypedPaths): what the
 * user typed into Explorer's address bar, `url1` the most recent ... `url25`. An operator going to
 * `C:\PerfLogs` or `\\fileserver\finance$` by hand leaves it here. Judged as access evidence, by the
 * judge LNK, Jump Lists, ShellBags and ComDlg32 share (a folder, or an archive when the path names
 * one). The key's last-written time is when `url1` was typed.
 */
import type { Candidate } from '../../rules/types.js';
import { LIMITS } from '../../util/limits.js';
import { accessCandidate } from '../access/candidate.js';
import { isArchiveName } from '../history/paths.js';
import type { HiveView } from './view.js';

export const TYPED_PATHS_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\TypedPaths';

export interface TypedPath {
  value: string;
  /** 1 for url1 (the most recent), null for a value not named urlN. */
  position: number | null;
  path: string;
}

/** The typed paths, most recent first (url1, url2, ...; other values after them). */
export function collectTypedPaths(view: HiveView): TypedPath[] {
  const node = view.get(TYPED_PATHS_KEY);
  if (!node) return [];
  const out: TypedPath[] = [];
  for (const v of node.values) {
    if (typeof v.data !== 'string' || v.data.trim() === '') continue;
    const m = /^url(\d{1,4})$/i.exec(v.name);
    out.push({ value: v.name, position: m ? Number(m[1]) : null, path: v.data.slice(0, LIMITS.maxPathChars) });
  }
  return out.sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity));
}

export function detectTypedPaths(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  const node = view.get(TYPED_PATHS_KEY);
  if (!node) return [];
  const out: Candidate[] = [];
  for (const t of collectTypedPaths(view)) {
    const c = accessCandidate({
      artifact: hivePath,
      target: { source: 'TypedPaths', path: t.path, folder: !isArchiveName(t.path) },
      user,
      key: node.key,
      value: t.value,
      opened: t.position === 1 && node.lastWritten ? [{ time: node.lastWritten, by: `key ${node.key} last written, ${t.value} the most recent` }] : [],
      details: { keyLastWritten: node.lastWritten, position: t.position },
    });
    if (c) out.push(c);
  }
  return out;
}
