/**
 * Expands hotspot and artifact patterns inside one root by descending pattern-directed through its
 * EvidenceFs (a mounted directory or a file system in an image: one implementation for both), one
 * path segment at a time, case-insensitively (the pattern language is in match.ts). Only the
 * directories a pattern names are listed, so hotspot scope never walks the whole tree. Every
 * component on the way is checked as it is met: a symbolic link is never entered (the listing is
 * link-free), a directory on another file system is not entered unless --cross-mounts; each one
 * that a pattern would have gone through is reported once (`skipped`), so
 * `ROOT/Windows -> ../OUTSIDE` can never make OUTSIDE/Temp a hotspot.
 */
import type { ArtifactLocation, Hotspot } from './catalog.js';
import { compactListing, type CompactListing, type EvidenceFs, type FsEntry } from '../evidence/fs.js';
import { compilePattern, MAX_GLOBSTAR_DEPTH } from './match.js';

export interface HotspotDir {
  hotspot: Hotspot;
  /** '/'-separated display path relative to the root. */
  relDir: string;
  /** The directory's entry in the root's EvidenceFs (the walk starts from it). */
  entry: FsEntry;
}

export interface ArtifactFile {
  relPath: string;
  entry: FsEntry;
}

/** A path component a pattern would have gone through but that was not entered. */
export interface SkippedComponent {
  /** Display path of the component, relative to the root. */
  relPath: string;
  code: 'ESYMLINK' | 'EXDEV';
  message: string;
}

export interface ExpandOptions {
  /** Enter directories on other devices (mount points inside a mounted root). */
  crossMounts: boolean;
}

/** The display path relative to the root of an entry ('' for the root itself). */
export const relPathOf = (e: FsEntry): string => e.path.replace(/^\/+/, '');

/** One expansion pass over a root: listings are read once and shared by all patterns. */
class Expander {
  /** Compact listings (DirectoryFs): a file's entry is built only when a pattern's last segment names it, not for every file of a large folder under a `**`. */
  private readonly listings = new Map<string, CompactListing>();
  private readonly skippedSeen = new Set<string>();
  readonly skipped: SkippedComponent[] = [];

  constructor(
    private readonly fs: EvidenceFs,
    private readonly opts: ExpandOptions,
  ) {}

  /** Live entries of a directory (deleted names in an image are not hotspots). */
  private list(dir: FsEntry): CompactListing {
    let listed = this.listings.get(dir.id);
    if (listed === undefined) {
      listed = compactListing(this.fs, dir);
      this.listings.set(dir.id, listed);
    }
    return listed;
  }

  private skip(relPath: string, code: SkippedComponent['code'], message: string): void {
    if (this.skippedSeen.has(relPath)) return;
    this.skippedSeen.add(relPath);
    this.skipped.push({ relPath, code, message });
  }

  /** 'dir' / 'file' when the entry can be used, null when it is a link, on another device, or special. */
  private kindOf(e: FsEntry): 'dir' | 'file' | null {
    if (e.type === 'symlink') {
      const target = e.linkTarget !== undefined ? ` (-> ${e.linkTarget})` : '';
      this.skip(relPathOf(e), 'ESYMLINK', `symbolic link on a hotspot path not followed${target}`);
      return null;
    }
    if (e.type === 'directory') {
      if (e.otherDevice && !this.opts.crossMounts) {
        this.skip(relPathOf(e), 'EXDEV', 'another file system mounted on a hotspot path; not entered (use --cross-mounts)');
        return null;
      }
      return 'dir';
    }
    return e.type === 'file' ? 'file' : null;
  }

  /** Every entry matching `pattern` whose kind is `want`, with every component on the way checked. */
  match(pattern: string, want: 'dir' | 'file', exclude: Set<string>): FsEntry[] {
    const found = new Map<string, FsEntry>();
    const root = this.fs.root();
    for (const segs of compilePattern(pattern)) {
      // Depth-first over (directory, next segment, levels consumed by the current **).
      const stack: Array<{ dir: FsEntry; i: number; starDepth: number }> = [{ dir: root, i: 0, starDepth: 0 }];
      const visited = new Set<string>();
      while (stack.length > 0) {
        const { dir, i, starDepth } = stack.pop()!;
        const seg = segs[i]!;
        const stateKey = `${i}\u0000${dir.id}`;
        if (visited.has(stateKey)) continue;
        visited.add(stateKey);
        if (seg.kind === 'globstar') {
          // Zero directories: the next segment applies here; one more: descend and stay on `**`.
          if (i + 1 < segs.length) stack.push({ dir, i: i + 1, starDepth: 0 });
          else if (want === 'dir' && dir !== root) found.set(relPathOf(dir), dir);
          if (starDepth >= MAX_GLOBSTAR_DEPTH) continue;
          const listed = this.list(dir);
          for (let k = 0; k < listed.count; k++) {
            if (listed.type(k) === 'file') continue; // kindOf: 'file', never entered
            const e = listed.entry(k);
            if (this.kindOf(e) === 'dir') stack.push({ dir: e, i, starDepth: starDepth + 1 });
          }
          continue;
        }
        const last = i === segs.length - 1;
        const listed = this.list(dir);
        for (let k = 0; k < listed.count; k++) {
          const name = listed.name(k);
          if (!seg.test(name)) continue;
          if (last && exclude.has(name.toLowerCase())) continue;
          const e = listed.entry(k);
          const kind = this.kindOf(e);
          if (kind === null) continue;
          if (last) {
            if (kind === want) found.set(relPathOf(e), e);
          } else if (kind === 'dir') stack.push({ dir: e, i: i + 1, starDepth: 0 });
        }
      }
    }
    return [...found.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, e]) => e);
  }
}

export interface Expansion {
  hotspotDirs: HotspotDir[];
  artifactFiles: ArtifactFile[];
  /** Links and mount points met on the way, each once. */
  skipped: SkippedComponent[];
}

/** Hotspot directories and artifact files of one root, never reached through a link or a mount. */
export function expandRoot(fs: EvidenceFs, hotspots: readonly Hotspot[], locations: readonly ArtifactLocation[], opts: ExpandOptions): Expansion {
  const ex = new Expander(fs, opts);
  const hotspotDirs: HotspotDir[] = [];
  for (const hotspot of hotspots) {
    const excluded = new Set((hotspot.exclude ?? []).map((e) => e.toLowerCase()));
    for (const entry of ex.match(hotspot.pattern, 'dir', excluded)) hotspotDirs.push({ hotspot, relDir: relPathOf(entry), entry });
  }
  const files = new Map<string, ArtifactFile>();
  for (const loc of locations) for (const entry of ex.match(loc.pattern, 'file', new Set())) files.set(relPathOf(entry), { relPath: relPathOf(entry), entry });
  const artifactFiles = [...files.values()].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { hotspotDirs, artifactFiles, skipped: ex.skipped };
}

/** Hotspot directories only (explain, tests). */
export function expandHotspots(fs: EvidenceFs, hotspots: readonly Hotspot[], opts: ExpandOptions): HotspotDir[] {
  return expandRoot(fs, hotspots, [], opts).hotspotDirs;
}

/**
 * Attributes a path to the deepest hotspot directory containing it.
 * Keys are lower-cased so Windows images of any case match.
 */
export class HotspotIndex {
  private readonly byDir = new Map<string, Hotspot>();
  /** Segments of the deepest hotspot directory: lookups never look further into a path. */
  private maxSegments = 0;
  /** The last directory `lookupFile` looked up, and its hotspot. */
  private lastDir: string | null = null;
  private lastHit: Hotspot | null = null;

  constructor(dirs: Array<Pick<HotspotDir, 'hotspot' | 'relDir'>>) {
    for (const { hotspot, relDir } of dirs) {
      const key = relDir.toLowerCase();
      this.maxSegments = Math.max(this.maxSegments, key.split('/').length);
      const existing = this.byDir.get(key);
      // Two patterns naming the same dir: keep the heavier.
      if (!existing || existing.weight < hotspot.weight) this.byDir.set(key, hotspot);
    }
  }

  /** The hotspot of a file or directory given its '/'-separated relative path. */
  lookup(relPath: string): Hotspot | null {
    // Only the first maxSegments segments can name a hotspot: cost stays flat in 5,000-level trees.
    let cut = -1;
    for (let n = 0; n < this.maxSegments && cut < relPath.length; n++) {
      const next = relPath.indexOf('/', cut + 1);
      cut = next < 0 ? relPath.length : next;
    }
    let p = relPath.slice(0, Math.max(cut, 0)).toLowerCase();
    for (;;) {
      const hit = this.byDir.get(p);
      if (hit) return hit;
      const cut = p.lastIndexOf('/');
      if (cut < 0) return null;
      p = p.slice(0, cut);
    }
  }

  /**
   * The hotspot of a walked file: its directory's (a file is no hotspot directory), remembered for
   * the next file of the same directory, since the walk gives a directory's files one after another.
   */
  lookupFile(relPath: string): Hotspot | null {
    const slash = relPath.lastIndexOf('/');
    if (slash < 0) return null;
    const dir = relPath.slice(0, slash);
    if (dir !== this.lastDir) {
      this.lastDir = dir;
      this.lastHit = this.lookup(dir);
    }
    return this.lastHit;
  }

  get size(): number {
    return this.byDir.size;
  }
}
