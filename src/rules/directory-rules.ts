/**
 * Directory-level detectors: a staging burst (collected files written together) and hidden
 * directories in temp locations. They see one directory's files after the walk read them.
 */
import type { Hotspot } from '../hotspots/catalog.js';
import type { Hit } from './types.js';

export interface DirFileFact {
  name: string;
  /** ms since epoch */
  mtimeMs: number;
  /** ms since epoch, or null when the file system does not record birth. */
  birthMs: number | null;
  classification: string;
}

/**
 * One directory's file facts as the walk adds them, in typed arrays (a name, two times and a
 * classification index per file): a folder of 100,000 files holds about 24 bytes per file here,
 * not an object with two boxed numbers each. Read by index; the order is the order added.
 */
export class DirFacts {
  length = 0;
  private readonly names: string[] = [];
  private mtimes = new Float64Array(64);
  /** NaN: no birth time (DirFileFact.birthMs null). */
  private births = new Float64Array(64);
  private classes = new Uint32Array(64);
  private readonly classNames: string[] = [];
  private readonly classIndex = new Map<string, number>();

  static of(files: readonly DirFileFact[]): DirFacts {
    const out = new DirFacts();
    for (const f of files) out.add(f);
    return out;
  }

  add(f: DirFileFact): void {
    if (this.length === this.mtimes.length) {
      const size = this.length * 2;
      const mtimes = new Float64Array(size);
      mtimes.set(this.mtimes);
      this.mtimes = mtimes;
      const births = new Float64Array(size);
      births.set(this.births);
      this.births = births;
      const classes = new Uint32Array(size);
      classes.set(this.classes);
      this.classes = classes;
    }
    let c = this.classIndex.get(f.classification);
    if (c === undefined) {
      c = this.classNames.length;
      this.classNames.push(f.classification);
      this.classIndex.set(f.classification, c);
    }
    const i = this.length++;
    this.names.push(f.name);
    this.mtimes[i] = f.mtimeMs;
    this.births[i] = f.birthMs ?? NaN;
    this.classes[i] = c;
  }

  name(i: number): string {
    return this.names[i]!;
  }

  mtimeMs(i: number): number {
    return this.mtimes[i]!;
  }

  birthMs(i: number): number | null {
    const b = this.births[i]!;
    return Number.isNaN(b) ? null : b;
  }

  classification(i: number): string {
    return this.classNames[this.classes[i]!]!;
  }
}

const factsOf = (files: readonly DirFileFact[] | DirFacts): DirFacts => (files instanceof DirFacts ? files : DirFacts.of(files));

export interface BurstWindow {
  count: number;
  start: number;
  end: number;
  basis: 'modified' | 'born';
  types: string[];
}

/** Tunables, documented in docs/scoring.md. */
export const BURST = {
  minFiles: 8,
  windowMs: 10 * 60 * 1000,
  minDistinctTypes: 3,
  minCollectableShare: 0.5,
  /** Longest burst reported: a directory written to once a minute for days is not one burst. */
  maxClusterMs: 6 * 60 * 60 * 1000,
} as const;

/** Extensions of user data worth collecting (documents, mail, images, databases, keys); not config or code, which installers write in bursts. */
const COLLECTABLE = new Set(
  (
    'doc docx docm xls xlsx xlsm ppt pptx pdf rtf odt ods odp txt csv md msg eml pst ost vsdx one ' +
    'jpg jpeg png gif bmp tif tiff heic dwg dxf sql db sqlite mdb accdb kdbx key pem pfx p12 ppk cer crt zip'
  ).split(' '),
);

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

interface BurstItem {
  t: number;
  /** The type a file counts as: its extension, or its classification when it has none. */
  type: string;
  collectable: boolean;
}

/**
 * The type counts of a run of consecutive items, kept incrementally so a sliding window costs O(1)
 * per step: testing every window by re-counting its members was quadratic in the files of one
 * directory (issue 18 item 9: 40,000 files with close mtimes took minutes).
 */
class WindowCounts {
  private readonly byType = new Map<string, number>();
  private collectableCount = 0;
  size = 0;
  add(x: BurstItem): void {
    this.byType.set(x.type, (this.byType.get(x.type) ?? 0) + 1);
    if (x.collectable) this.collectableCount++;
    this.size++;
  }
  remove(x: BurstItem): void {
    const n = this.byType.get(x.type)! - 1;
    if (n === 0) this.byType.delete(x.type);
    else this.byType.set(x.type, n);
    if (x.collectable) this.collectableCount--;
    this.size--;
  }
  qualifies(): boolean {
    return this.size >= BURST.minFiles && this.byType.size >= BURST.minDistinctTypes && this.collectableCount / this.size >= BURST.minCollectableShare;
  }
  types(): string[] {
    return [...this.byType.keys()].sort();
  }
}

function countsOf(items: readonly BurstItem[], lo: number, hi: number): WindowCounts {
  const counts = new WindowCounts();
  for (let i = lo; i <= hi; i++) counts.add(items[i]!);
  return counts;
}

/**
 * A burst of collected files: the densest 10-minute window must qualify (enough files, varied
 * types, mostly user data); the burst reported is the whole cluster around it, where consecutive
 * files are at most BURST.windowMs apart (so 25 documents copied over 21 minutes read as one burst),
 * bounded by BURST.maxClusterMs. O(n log n) for the sort, then linear (one sliding window).
 */
export function findBurst(files: readonly DirFileFact[] | DirFacts, basis: 'modified' | 'born', plausibleBirthsOnly = false): BurstWindow | null {
  const facts = factsOf(files);
  const items: BurstItem[] = [];
  for (let i = 0; i < facts.length; i++) {
    const t = basis === 'modified' ? facts.mtimeMs(i) : plausibleBirthsOnly ? plausibleBirth(facts, i) : facts.birthMs(i);
    const classification = facts.classification(i);
    if (t === null || !(t > 0) || classification === 'executable') continue;
    const ext = extension(facts.name(i));
    items.push({ t, type: ext || classification, collectable: COLLECTABLE.has(ext) });
  }
  if (items.length < BURST.minFiles) return null;
  items.sort((a, b) => a.t - b.t);
  // The first widest qualifying window of BURST.windowMs (same choice as testing every window).
  let seed: { lo: number; hi: number } | null = null;
  const window = new WindowCounts();
  let lo = 0;
  for (let hi = 0; hi < items.length; hi++) {
    window.add(items[hi]!);
    while (items[hi]!.t - items[lo]!.t > BURST.windowMs) window.remove(items[lo++]!);
    if (window.size >= BURST.minFiles && (!seed || hi - lo > seed.hi - seed.lo) && window.qualifies()) seed = { lo, hi };
  }
  if (!seed) return null;
  let { lo: start, hi: end } = seed;
  while (start > 0 && items[start]!.t - items[start - 1]!.t <= BURST.windowMs && items[end]!.t - items[start - 1]!.t <= BURST.maxClusterMs) start--;
  while (end < items.length - 1 && items[end + 1]!.t - items[end]!.t <= BURST.windowMs && items[end + 1]!.t - items[start]!.t <= BURST.maxClusterMs) end++;
  const cluster = countsOf(items, start, end);
  // The cluster usually qualifies too; when it does not (diluted by the files around it), the seed's types are shown.
  const types = cluster.qualifies() ? cluster.types() : countsOf(items, seed.lo, seed.hi).types();
  return { count: cluster.size, start: items[start]!.t, end: items[end]!.t, basis, types };
}

function minutes(ms: number): string {
  const m = ms / 60000;
  return m < 1 ? `${Math.round(ms / 1000)} s` : `${m.toFixed(1)} min`;
}

/** Birth may trail modified by file-system rounding; a birth later than this is a copy or extraction time. */
const BIRTH_SLACK_MS = 2000;

/**
 * Birth times only where they are plausible (not after the modification time): a copied,
 * extracted or generated tree gets birth = copy time for every file, which is no burst of
 * staging (the precision change of issue 11; findBurst itself is unchanged).
 */
function plausibleBirth(facts: DirFacts, i: number): number | null {
  const birth = facts.birthMs(i);
  return birth !== null && birth > facts.mtimeMs(i) + BIRTH_SLACK_MS ? null : birth;
}

/** Tunables of the single-type burst (screenshots, images), documented in docs/scoring.md. */
export const MEDIA_BURST = { minFiles: 20, windowMs: 10 * 60 * 1000, extensions: new Set(['png', 'jpg', 'jpeg', 'bmp', 'gif', 'webp']) } as const;

/** Many images of one type modified within minutes: screen captures or pictures collected in a burst. */
export function findMediaBurst(files: readonly DirFileFact[] | DirFacts): BurstWindow | null {
  const facts = factsOf(files);
  const byExt = new Map<string, number[]>();
  for (let i = 0; i < facts.length; i++) {
    const ext = extension(facts.name(i));
    const mtimeMs = facts.mtimeMs(i);
    if (!MEDIA_BURST.extensions.has(ext) || !(mtimeMs > 0)) continue;
    const key = ext === 'jpeg' ? 'jpg' : ext;
    const list = byExt.get(key);
    if (list) list.push(mtimeMs);
    else byExt.set(key, [mtimeMs]);
  }
  let best: BurstWindow | null = null;
  for (const [ext, times] of byExt) {
    if (times.length < MEDIA_BURST.minFiles) continue;
    times.sort((a, b) => a - b);
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! > MEDIA_BURST.windowMs) lo++;
      const count = hi - lo + 1;
      if (count >= MEDIA_BURST.minFiles && (!best || count > best.count)) best = { count, start: times[lo]!, end: times[hi]!, basis: 'modified', types: [ext] };
    }
  }
  return best;
}

export function burstHits(files: readonly DirFileFact[] | DirFacts, hotspot: Hotspot | null = null): { hits: Hit[]; window: BurstWindow | null } {
  const facts = factsOf(files);
  // Modified first: birth times of copied or extracted images are often the copy time for every file.
  const window = findBurst(facts, 'modified') ?? findBurst(facts, 'born', true);
  if (!window) {
    const media = hotspot ? findMediaBurst(facts) : null;
    if (!media) return { hits: [], window: null };
    return { hits: [{ rule: 'single-type-burst', message: `${media.count} ${media.types[0]} images written within ${minutes(media.end - media.start)}` }], window: media };
  }
  const span = minutes(window.end - window.start);
  const shown = window.types.slice(0, 8).join(', ') + (window.types.length > 8 ? ', ...' : '');
  return {
    hits: [{ rule: 'staging-burst', message: `${window.count} files (${shown}) ${window.basis === 'born' ? 'created' : 'written'} within ${span}` }],
    window,
  };
}

/** Hotspots that are temporary or shared drop zones, where a dot-directory is out of place. */
const TEMP_HOTSPOTS = /^(win-user-temp|win-user-temp-xp|win-windows-temp|win-users-public|win-programdata|lin-tmp|lin-var-tmp|lin-dev-shm|mac-private-tmp|mac-private-var-tmp|mac-users-shared)$/;
const SYSTEM_DOT_DIRS = /^\.(X11-unix|ICE-unix|font-unix|XIM-unix|Test-unix|com\.google\.Chrome\..*|org\.chromium\..*|com\.apple\..*|vbox.*|snapshots?|git|cache|config|local)$/i;

export function hiddenDirHits(relDir: string, name: string, hotspot: Hotspot | null): Hit[] {
  if (!hotspot || !TEMP_HOTSPOTS.test(hotspot.id)) return [];
  if (!name.startsWith('.') || name === '.' || name === '..' || SYSTEM_DOT_DIRS.test(name)) return [];
  return [{ rule: 'hidden-dir-in-temp', message: `hidden directory '${name}' in ${hotspot.id}` }];
}
