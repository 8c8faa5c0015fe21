/**
 * One pass over a hive's records as they are read, for the registry detectors (issue 10): the
 * subtrees the detectors look up by key path (LOOKED_UP_KEYS: archiver lists, UserAssist, BAM/DAM,
 * ShimCache, Amcache, ShellBags, ComDlg32, RunMRU, TypedPaths, WordWheelQuery, the SID sources, and the
 * keys of the machine's name, zone, shutdown and version, their values only) are kept in a HiveView; every other value is
 * examined for staged data as it passes (StagedCollector) and dropped. A scan then holds those few
 * subtrees, not the hive: a dense hive of 64 MiB no longer costs its records' weight in memory.
 */
import type { HiveRecord, RegistryRecord } from '../regf/walk.js';
import { AMCACHE_KEYS } from '../amcache/collect.js';
import { SHIMCACHE_KEY } from '../execution/registry.js';
import { BAG_MRU_ROOTS } from '../shellbags/collect.js';
import { COMDLG32_KEY } from '../comdlg32/collect.js';
import { RUN_MRU_KEY } from './run-mru.js';
import { TYPED_PATHS_KEY } from './typed-paths.js';
import { WORD_WHEEL_QUERY_KEY } from './word-wheel-query.js';
import { HISTORY_KEYS } from './archivers.js';
import { BAM_KEYS, USER_ASSIST_KEY } from './execution.js';
import { SID_KEYS, SID_SOURCE_KEYS } from './sids.js';
import { StagedCollector } from './staged.js';
import { CURRENT_VERSION_KEY, DYNAMIC_DST_KEY, SELECT_KEY, SYSTEM_INFO_CONTROL_SET_KEYS } from './system-info.js';
import { HiveView } from './view.js';

/** Keys (and everything below them) the detectors read through the view, from the hive's root. */
const LOOKED_UP_KEYS: readonly string[] = [...HISTORY_KEYS, USER_ASSIST_KEY, ...AMCACHE_KEYS, ...BAG_MRU_ROOTS, COMDLG32_KEY, RUN_MRU_KEY, TYPED_PATHS_KEY, WORD_WHEEL_QUERY_KEY, ...SID_KEYS];
/** The same, below each control set (ControlSet001\..., CurrentControlSet\...; view.ts controlSets). */
const CONTROL_SET_KEYS: readonly string[] = [...BAM_KEYS, SHIMCACHE_KEY];
const CONTROL_SET = /^(controlset\d{3}|currentcontrolset)$/;

/** Keys whose own values a detector reads, not what lies below them (system-info.ts: CurrentVersion's subtree is most of SOFTWARE). */
const EXACT_KEYS: readonly string[] = [SELECT_KEY, CURRENT_VERSION_KEY];
const CONTROL_SET_EXACT_KEYS: readonly string[] = SYSTEM_INFO_CONTROL_SET_KEYS;

const lookedUp = LOOKED_UP_KEYS.map((k) => k.toLowerCase());
const underControlSet = CONTROL_SET_KEYS.map((k) => k.toLowerCase());
const exact = new Set(EXACT_KEYS.map((k) => k.toLowerCase()));
const exactUnderControlSet = new Set(CONTROL_SET_EXACT_KEYS.map((k) => k.toLowerCase()));
const sidSources = new Set(SID_SOURCE_KEYS.map((k) => k.toLowerCase()));

function isUnder(path: string, keys: readonly string[]): boolean {
  for (const k of keys) {
    if (path.startsWith(k) && (path.length === k.length || path.charCodeAt(k.length) === 0x5c)) return true;
  }
  return false;
}

/** True when a detector may look the key (lower-cased path) up: it is one of the keys above or lies below one. */
export function isLookedUp(path: string): boolean {
  if (isUnder(path, lookedUp) || exact.has(path) || DYNAMIC_DST_KEY.test(path)) return true;
  const cut = path.indexOf('\\');
  if (cut <= 0 || !CONTROL_SET.test(path.slice(0, cut))) return false;
  const rest = path.slice(cut + 1);
  return isUnder(rest, underControlSet) || exactUnderControlSet.has(rest);
}

/** What the pass kept and counted; the detectors run over it (index.ts detectOverPass). */
export interface HivePass {
  /** The looked-up subtrees only. */
  view: HiveView;
  staged: StagedCollector;
  header: HiveRecord | null;
  keyCount: number;
  valueCount: number;
  /** The hive has SAM's Names or SOFTWARE's ProfileList key (hasSidSources). */
  hasSidSources: boolean;
}

/** Feeds records one at a time; the view gets only the looked-up ones. */
export class HivePassBuilder {
  private readonly kept: RegistryRecord[] = [];
  private readonly pass: Omit<HivePass, 'view'> = { staged: new StagedCollector(), header: null, keyCount: 0, valueCount: 0, hasSidSources: false };
  /** @param examineValues false when only the view and counts are wanted (a parse's facts): no staged check. */
  constructor(private readonly examineValues = true) {}

  /** The last key's path and verdict: its values follow it. */
  private lastKey = '';
  private lastKeyKept = false;

  add(r: RegistryRecord): void {
    if (r.type === 'registry-hive') {
      this.pass.header = r;
      return;
    }
    if (r.type === 'registry-key') {
      this.pass.keyCount++;
      this.pass.staged.key(r);
      const path = r.key.toLowerCase();
      if (sidSources.has(path)) this.pass.hasSidSources = true;
      if (this.keep(r.key, path)) this.kept.push(r);
      return;
    }
    this.pass.valueCount++;
    if (this.examineValues) this.pass.staged.value(r);
    if (this.keep(r.key, null)) this.kept.push(r);
  }

  private keep(key: string, lower: string | null): boolean {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastKeyKept = isLookedUp(lower ?? key.toLowerCase());
    }
    return this.lastKeyKept;
  }

  finish(): HivePass {
    return { ...this.pass, view: new HiveView(this.kept) };
  }
}

/** One pass over records already read (the live registry, tests). */
export function passOver(records: Iterable<RegistryRecord>, examineValues = true): HivePass {
  const b = new HivePassBuilder(examineValues);
  for (const r of records) b.add(r);
  return b.finish();
}
