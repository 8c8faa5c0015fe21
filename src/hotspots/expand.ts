/**
 * Expands hotspot and artifact patterns inside one root with fast-glob (case-insensitive,
 * never following symlinks), then double-checks each hit with lstat so a link can never
 * lead the walk out of the root.
 */
import fg from 'fast-glob';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { ArtifactLocation, Hotspot } from './catalog.js';

export interface HotspotDir {
  hotspot: Hotspot;
  /** '/'-separated path relative to the root. */
  relDir: string;
}

const GLOB_OPTIONS = {
  caseSensitiveMatch: false,
  followSymbolicLinks: false,
  dot: true,
  suppressErrors: true, // unreadable dirs are reported by the walker, which visits them itself
  unique: true,
} as const;

function isRealDirectory(abs: string): boolean {
  try {
    return lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function isRealFile(abs: string): boolean {
  try {
    return lstatSync(abs).isFile();
  } catch {
    return false;
  }
}

export function expandHotspots(rootAbs: string, hotspots: Hotspot[]): HotspotDir[] {
  const out: HotspotDir[] = [];
  for (const hotspot of hotspots) {
    const excluded = new Set((hotspot.exclude ?? []).map((e) => e.toLowerCase()));
    const dirs = fg.sync(hotspot.pattern, { ...GLOB_OPTIONS, cwd: rootAbs, onlyDirectories: true, deep: hotspot.pattern.split('/').length });
    for (const relDir of dirs.sort()) {
      const base = relDir.split('/').pop()!.toLowerCase();
      if (excluded.has(base)) continue;
      if (!isRealDirectory(path.join(rootAbs, relDir))) continue;
      out.push({ hotspot, relDir });
    }
  }
  return out;
}

export function expandArtifactFiles(rootAbs: string, locations: ArtifactLocation[]): string[] {
  const files = new Set<string>();
  for (const loc of locations) {
    for (const rel of fg.sync(loc.pattern, { ...GLOB_OPTIONS, cwd: rootAbs, onlyFiles: true })) {
      if (isRealFile(path.join(rootAbs, rel))) files.add(rel);
    }
  }
  return [...files].sort();
}

/**
 * Attributes a path to the deepest hotspot directory containing it.
 * Keys are lower-cased so Windows images of any case match.
 */
export class HotspotIndex {
  private readonly byDir = new Map<string, Hotspot>();

  constructor(dirs: HotspotDir[]) {
    for (const { hotspot, relDir } of dirs) {
      const key = relDir.toLowerCase();
      const existing = this.byDir.get(key);
      // Two patterns naming the same dir: keep the heavier.
      if (!existing || existing.weight < hotspot.weight) this.byDir.set(key, hotspot);
    }
  }

  /** The hotspot of a file or directory given its '/'-separated relative path. */
  lookup(relPath: string): Hotspot | null {
    let p = relPath.toLowerCase();
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
