/**
 * Archiver history in NTUSER.DAT (indicators.md C.3): 7-Zip, WinRAR, WinZip, and RecentDocs for
 * archive extensions. Every path named there becomes a finding scored by where it points, and a
 * NamedPath {role: 'mru'} so correlate/ can link it to what the scan found at that path.
 */
import type { Candidate, Hit } from '../../rules/types.js';
import { decodeMultiSz, decodeUtf16String } from '../regf/decode.js';
import type { ValueRecord } from '../regf/walk.js';
import { registryCandidate } from './candidate.js';
import { classifyPlace, type Place } from './locations.js';
import { valueBytes, valueNamed, type HiveView, type KeyNode } from './view.js';

export interface HistoryEntry {
  tool: '7-Zip' | 'WinRAR' | 'WinZip' | 'RecentDocs';
  /** What the list records: archives made or opened, extraction targets, browsed folders, ... */
  list: string;
  node: KeyNode;
  value: string;
  path: string;
}

const SEVEN_ZIP_VALUES: readonly [string, string, string][] = [
  ['Compression', 'ArcHistory', 'archives created (Add to archive)'],
  ['Extraction', 'PathHistory', 'extraction targets'],
  ['FM', 'PanelPath0', 'folder open in the file manager (left panel)'],
  ['FM', 'PanelPath1', 'folder open in the file manager (right panel)'],
  ['FM', 'CopyHistory', 'copy/move targets'],
  ['FM', 'FolderHistory', 'folders browsed'],
];

const SEVEN_ZIP_ROOTS = ['Software\\7-Zip', 'Software\\Wow6432Node\\7-Zip'];
const WINRAR_ROOT = 'Software\\WinRAR';
const WINZIP_MRU = 'Software\\Nico Mak Computing\\WinZip\\mru';
const RECENT_DOCS = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs';

/** The keys collectHistory reads (with what lies below them): a scan keeps only these of a hive (hive-pass.ts). */
export const HISTORY_KEYS: readonly string[] = [...SEVEN_ZIP_ROOTS, WINRAR_ROOT, WINZIP_MRU, RECENT_DOCS];

const ARCHIVE_EXTENSIONS = ['.zip', '.7z', '.rar', '.cab', '.tar', '.gz', '.tgz', '.bz2', '.xz', '.zst'];

/** REG_BINARY/MULTI_SZ lists of UTF-16 strings, or one REG_SZ. */
function pathsOf(v: ValueRecord): string[] {
  if (typeof v.data === 'string' && (v.dataType === 'REG_SZ' || v.dataType === 'REG_EXPAND_SZ')) return [v.data];
  if (Array.isArray(v.data)) return v.data;
  return decodeMultiSz(valueBytes(v));
}

export function collectHistory(view: HiveView): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const root of SEVEN_ZIP_ROOTS) {
    for (const [sub, name, list] of SEVEN_ZIP_VALUES) {
      const node = view.get(`${root}\\${sub}`);
      const v = valueNamed(node, name);
      if (node && v) for (const p of pathsOf(v)) out.push({ tool: '7-Zip', list, node, value: v.name, path: p });
    }
  }
  collectNumbered(view, `${WINRAR_ROOT}\\ArcHistory`, 'WinRAR', 'archives opened or created', out);
  for (const sub of view.subkeys(`${WINRAR_ROOT}\\DialogEditHistory`)) {
    const leaf = sub.key.slice(sub.key.lastIndexOf('\\') + 1);
    collectNumbered(view, sub.key, 'WinRAR', `dialog history ${leaf}`, out);
  }
  for (const [sub, list] of [['archives', 'archives opened or created'], ['extract', 'extraction targets'], ['filemenu', 'archives from the file menu']]) {
    collectNumbered(view, `${WINZIP_MRU}\\${sub}`, 'WinZip', list!, out);
  }
  for (const ext of ARCHIVE_EXTENSIONS) collectRecentDocs(view, ext, out);
  return out.filter((e) => e.path.trim() !== '');
}

/** Lists whose values are numbered or lettered entries (plus MRUList/MRUListEx order values). */
function collectNumbered(view: HiveView, key: string, tool: HistoryEntry['tool'], list: string, out: HistoryEntry[]): void {
  const node = view.get(key);
  if (!node) return;
  for (const v of node.values) {
    if (/^mrulist(ex)?$/i.test(v.name)) continue;
    for (const p of pathsOf(v)) out.push({ tool, list, node, value: v.name, path: p });
  }
}

/** RecentDocs\.zip values are shell items that start with the UTF-16 file name. */
function collectRecentDocs(view: HiveView, ext: string, out: HistoryEntry[]): void {
  const node = view.get(`${RECENT_DOCS}\\${ext}`);
  if (!node) return;
  for (const v of node.values) {
    if (/^mrulist(ex)?$/i.test(v.name)) continue;
    const name = decodeUtf16String(valueBytes(v));
    if (name) out.push({ tool: 'RecentDocs', list: `recently opened ${ext} files`, node, value: v.name, path: name });
  }
}

function placeHits(e: HistoryEntry, place: Place): Hit[] {
  const hits: Hit[] = [];
  if (e.tool === 'RecentDocs') hits.push({ rule: 'registry-recentdocs-archive', message: `${e.list}: ${e.path}` });
  else hits.push({ rule: 'registry-archiver-history', message: `${e.tool} ${e.list}: ${e.path}` });
  if (place.kind === 'staging') hits.push({ rule: 'registry-history-staging-location', message: `points into ${place.label}` });
  else if (place.kind === 'other-drive') hits.push({ rule: 'registry-history-other-drive', message: `points to ${place.label} (removable or secondary drive)` });
  else if (place.kind === 'network') hits.push({ rule: 'registry-history-network-share', message: 'points to a network share' });
  return hits;
}

export function detectArchiverHistory(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  return collectHistory(view).map((e) => {
    const place = e.tool === 'RecentDocs' ? { kind: 'other' as const, label: 'name only' } : classifyPlace(e.path);
    return registryCandidate({
      hivePath,
      node: e.node,
      value: e.value,
      user,
      hits: placeHits(e, place),
      names: [{ path: e.path, role: 'mru' }],
      details: { tool: e.tool, list: e.list, target: e.path, place: place.kind },
    });
  });
}
