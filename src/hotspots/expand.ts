/**
 * Expands hotspot and artifact patterns inside one root by matching them during our own walk,
 * one path segment at a time, case-insensitively. Every component on the way is checked as it
 * is met: a symbolic link is never entered (nor listed through), a directory on another file
 * system is not entered unless --cross-mounts; each one that a pattern would have gone through
 * is reported once (`skipped`), so `ROOT/Windows -> ../OUTSIDE` can never make OUTSIDE/Temp a
 * hotspot. (fast-glob was used before: it lists the static base of a pattern through links.)
 *
 * Syntax: `*`, `?`, `[abc]`/`[!abc]` inside a segment, `{a,b}` (may span segments, may nest),
 * `**` (zero or more directories, at most MAX_GLOBSTAR_DEPTH).
 */
import { lstatSync, readdirSync, readlinkSync, type Dirent } from 'node:fs';
import type { ArtifactLocation, Hotspot } from './catalog.js';
import { joinFsPath } from '../evidence/paths.js';
import { decodeName } from '../util/text.js';
import type { FsPath } from '../walk/walker.js';

export interface HotspotDir {
  hotspot: Hotspot;
  /** '/'-separated display path relative to the root. */
  relDir: string;
  /** The directory's file-system path (exact bytes when a name is not UTF-8). */
  abs: FsPath;
}

export interface ArtifactFile {
  rel: string;
  abs: FsPath;
}

/** A path component a pattern would have gone through but that was not entered. */
export interface SkippedComponent {
  rel: string;
  code: 'ESYMLINK' | 'EXDEV';
  message: string;
}

export interface ExpandOptions {
  /** Device of the root; directories elsewhere are not entered unless crossMounts. */
  rootDev: number;
  crossMounts: boolean;
}

/** Alternatives one pattern may expand to ({a,b} x {c,d} ...), and `**` levels searched. */
const MAX_BRACE_EXPANSIONS = 1024;
const MAX_GLOBSTAR_DEPTH = 16;

/** `{a,b}c` -> ['ac', 'bc'], innermost-first, bounded. */
export function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const pending = [pattern];
  while (pending.length > 0 && out.length < MAX_BRACE_EXPANSIONS) {
    const p = pending.pop()!;
    const close = p.indexOf('}');
    const open = close < 0 ? -1 : p.lastIndexOf('{', close);
    if (open < 0) {
      out.push(p);
      continue;
    }
    const head = p.slice(0, open);
    const tail = p.slice(close + 1);
    const alternatives = p.slice(open + 1, close).split(',');
    for (let i = alternatives.length - 1; i >= 0 && pending.length < MAX_BRACE_EXPANSIONS; i--) pending.push(head + alternatives[i]! + tail);
  }
  return [...new Set(out)];
}

type Segment = { kind: 'globstar' } | { kind: 'match'; test(name: string): boolean };

function segmentMatcher(seg: string): Segment {
  if (seg === '**') return { kind: 'globstar' };
  if (!/[*?[]/.test(seg)) {
    const lower = seg.toLowerCase();
    return { kind: 'match', test: (name) => name.toLowerCase() === lower };
  }
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  const regex = new RegExp(`^${re}$`, 'is');
  return { kind: 'match', test: (name) => regex.test(name) };
}

interface Entry {
  name: string;
  abs: FsPath;
  rel: string;
  dirent: Dirent<Buffer>;
}

/** One expansion pass over a root: listings are read once and shared by all patterns. */
class Expander {
  private readonly listings = new Map<string, Entry[] | null>();
  private readonly skippedSeen = new Set<string>();
  readonly skipped: SkippedComponent[] = [];

  constructor(
    private readonly rootAbs: string,
    private readonly opts: ExpandOptions,
  ) {}

  private list(abs: FsPath, rel: string): Entry[] {
    const key = typeof abs === 'string' ? abs : `\u0000${abs.toString('hex')}`;
    let entries = this.listings.get(key);
    if (entries === undefined) {
      try {
        const dirents = readdirSync(abs, { encoding: 'buffer', withFileTypes: true });
        dirents.sort((a, b) => Buffer.compare(a.name, b.name));
        entries = dirents.map((d) => {
          const name = decodeName(d.name);
          const fsName = name === d.name.toString('utf8') ? name : d.name;
          return { name, abs: joinFsPath(abs, fsName), rel: rel ? `${rel}/${name}` : name, dirent: d };
        });
      } catch {
        entries = null; // unreadable here; the walker reports what it visits itself
      }
      this.listings.set(key, entries);
    }
    return entries ?? [];
  }

  private skip(rel: string, code: SkippedComponent['code'], message: string): void {
    if (this.skippedSeen.has(rel)) return;
    this.skippedSeen.add(rel);
    this.skipped.push({ rel, code, message });
  }

  /** 'dir' / 'file' when the entry can be used, null when it is a link, elsewhere, or special. */
  private kindOf(e: Entry): 'dir' | 'file' | null {
    let st;
    try {
      st = lstatSync(e.abs);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      let target = '';
      try {
        target = ` (-> ${decodeName(readlinkSync(e.abs, { encoding: 'buffer' }).subarray(0, 1024))})`;
      } catch {
        /* unreadable target */
      }
      this.skip(e.rel, 'ESYMLINK', `symbolic link on a hotspot path not followed${target}`);
      return null;
    }
    if (st.isDirectory()) {
      if (st.dev !== this.opts.rootDev && !this.opts.crossMounts) {
        this.skip(e.rel, 'EXDEV', 'another file system mounted on a hotspot path; not entered (use --cross-mounts)');
        return null;
      }
      return 'dir';
    }
    return st.isFile() ? 'file' : null;
  }

  /** Every path matching `pattern` whose last component is of kind `want`, with every component checked. */
  match(pattern: string, want: 'dir' | 'file', exclude: Set<string>): Array<{ rel: string; abs: FsPath }> {
    const found = new Map<string, { rel: string; abs: FsPath }>();
    for (const alt of expandBraces(pattern)) {
      const segs = alt.split('/').filter((s) => s !== '' && s !== '.').map(segmentMatcher);
      if (segs.length === 0) continue;
      // Depth-first over (directory, next segment, levels consumed by the current **).
      const stack: Array<{ abs: FsPath; rel: string; i: number; starDepth: number }> = [{ abs: this.rootAbs, rel: '', i: 0, starDepth: 0 }];
      const visited = new Set<string>();
      while (stack.length > 0) {
        const { abs, rel, i, starDepth } = stack.pop()!;
        const seg = segs[i]!;
        const stateKey = `${i}\u0000${rel}`;
        if (visited.has(stateKey)) continue;
        visited.add(stateKey);
        if (seg.kind === 'globstar') {
          // Zero directories: the next segment applies here; one more: descend and stay on `**`.
          if (i + 1 < segs.length) stack.push({ abs, rel, i: i + 1, starDepth: 0 });
          else if (want === 'dir' && rel !== '') found.set(rel, { rel, abs });
          if (starDepth >= MAX_GLOBSTAR_DEPTH) continue;
          for (const e of this.list(abs, rel)) if (this.kindOf(e) === 'dir') stack.push({ abs: e.abs, rel: e.rel, i, starDepth: starDepth + 1 });
          continue;
        }
        const last = i === segs.length - 1;
        for (const e of this.list(abs, rel)) {
          if (!seg.test(e.name)) continue;
          if (last && exclude.has(e.name.toLowerCase())) continue;
          const kind = this.kindOf(e);
          if (kind === null) continue;
          if (last) {
            if (kind === want) found.set(e.rel, { rel: e.rel, abs: e.abs });
          } else if (kind === 'dir') stack.push({ abs: e.abs, rel: e.rel, i: i + 1, starDepth: 0 });
        }
      }
    }
    return [...found.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }
}

export interface Expansion {
  hotspotDirs: HotspotDir[];
  artifactFiles: ArtifactFile[];
  /** Links and mount points met on the way, each once. */
  skipped: SkippedComponent[];
}

/** Hotspot directories and artifact files of one root, never reached through a link or a mount. */
export function expandRoot(rootAbs: string, hotspots: Hotspot[], locations: ArtifactLocation[], opts: ExpandOptions): Expansion {
  const ex = new Expander(rootAbs, opts);
  const hotspotDirs: HotspotDir[] = [];
  for (const hotspot of hotspots) {
    const excluded = new Set((hotspot.exclude ?? []).map((e) => e.toLowerCase()));
    for (const { rel, abs } of ex.match(hotspot.pattern, 'dir', excluded)) hotspotDirs.push({ hotspot, relDir: rel, abs });
  }
  const files = new Map<string, ArtifactFile>();
  for (const loc of locations) for (const f of ex.match(loc.pattern, 'file', new Set())) files.set(f.rel, f);
  const artifactFiles = [...files.values()].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { hotspotDirs, artifactFiles, skipped: ex.skipped };
}

/** Hotspot directories only (explain, tests). */
export function expandHotspots(rootAbs: string, hotspots: Hotspot[], opts: ExpandOptions): HotspotDir[] {
  return expandRoot(rootAbs, hotspots, [], opts).hotspotDirs;
}

/**
 * Attributes a path to the deepest hotspot directory containing it.
 * Keys are lower-cased so Windows images of any case match.
 */
export class HotspotIndex {
  private readonly byDir = new Map<string, Hotspot>();
  /** Segments of the deepest hotspot directory: lookups never look further into a path. */
  private maxSegments = 0;

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

  get size(): number {
    return this.byDir.size;
  }
}
