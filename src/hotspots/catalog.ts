/**
 * The hotspot catalog: WHERE staging happens, as data (src/hotspots/data/<os>.json).
 * `artifacts.json` lists files read in every scan wherever hotspots are (hives, histories, trash info).
 */
import { fileErrorText } from '../util/errno.js';
import { readFileSync } from 'node:fs';
import { dataDir } from '../util/package-root.js';
import type { OsKind } from '../model/evidence.js';

export interface Hotspot {
  id: string;
  description: string;
  /** Pattern relative to the evidence root, matched case-insensitively: `* ? [..] {a,b} **` (hotspots/expand.ts). */
  pattern: string;
  /** Points a content finding gains for lying here (rule `in-staging-location`). */
  weight: number;
  references: string[];
  /** Directory names (case-insensitive) that the pattern's last segment must not match. */
  exclude?: string[];
  os: Exclude<OsKind, 'unknown'>;
}

export interface ArtifactLocation {
  id: string;
  description: string;
  pattern: string;
  os: Exclude<OsKind, 'unknown'> | 'any';
  references: string[];
}

export const HOTSPOT_OSES = ['windows', 'linux', 'macos'] as const;

export class CatalogError extends Error {}

function validateHotspot(raw: unknown, os: Hotspot['os'], source: string): Hotspot {
  const h = raw as Partial<Hotspot>;
  const where = `${source}: hotspot ${JSON.stringify(h?.id ?? '?')}`;
  if (!h || typeof h !== 'object') throw new CatalogError(`${source}: each hotspot must be an object`);
  if (typeof h.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(h.id)) throw new CatalogError(`${where}: id must be kebab-case`);
  if (typeof h.description !== 'string' || !h.description) throw new CatalogError(`${where}: description missing`);
  if (typeof h.pattern !== 'string' || !h.pattern || h.pattern.startsWith('/') || h.pattern.split('/').includes('..'))
    throw new CatalogError(`${where}: pattern must be relative to the root, without '..'`);
  if (typeof h.weight !== 'number' || h.weight < 0 || h.weight > 50) throw new CatalogError(`${where}: weight must be 0..50`);
  if (!Array.isArray(h.references) || h.references.length === 0 || !h.references.every((r) => typeof r === 'string'))
    throw new CatalogError(`${where}: at least one public reference is required`);
  if (h.exclude !== undefined && (!Array.isArray(h.exclude) || !h.exclude.every((e) => typeof e === 'string')))
    throw new CatalogError(`${where}: exclude must be a list of names`);
  const osField = (raw as { os?: unknown }).os;
  const hotspotOs = typeof osField === 'string' && (HOTSPOT_OSES as readonly string[]).includes(osField) ? (osField as Hotspot['os']) : os;
  return { id: h.id, description: h.description, pattern: h.pattern, weight: h.weight, references: h.references, exclude: h.exclude, os: hotspotOs };
}

function readJsonArray(file: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CatalogError(`cannot read hotspot file ${file}: ${fileErrorText(err)}`);
  }
  if (!Array.isArray(parsed)) throw new CatalogError(`${file}: expected a JSON array of hotspots`);
  return parsed;
}

export function loadBuiltinHotspots(): Hotspot[] {
  return HOTSPOT_OSES.flatMap((os) => readJsonArray(dataDir('hotspots', 'data', `${os}.json`)).map((h) => validateHotspot(h, os, `${os}.json`)));
}

/**
 * Extra definitions from --hotspots FILE...: same format; each entry may carry "os" (default windows).
 * Ids must stay unique across the built-in catalog and every file (a finding's reason names the id).
 */
export function loadHotspotFiles(files: readonly string[]): Hotspot[] {
  const extra = files.flatMap((file) => readJsonArray(file).map((h) => validateHotspot(h, 'windows', file)));
  if (extra.length) checkUniqueIds([...loadBuiltinHotspots(), ...extra]);
  return extra;
}

function validateArtifactLocation(raw: unknown, source: string): ArtifactLocation {
  const a = raw as Partial<ArtifactLocation>;
  const where = `${source}: artifact location ${JSON.stringify(a?.id ?? '?')}`;
  if (!a || typeof a !== 'object') throw new CatalogError(`${source}: each artifact location must be an object`);
  if (typeof a.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(a.id)) throw new CatalogError(`${where}: id must be kebab-case`);
  if (typeof a.description !== 'string' || !a.description) throw new CatalogError(`${where}: description missing`);
  if (typeof a.pattern !== 'string' || !a.pattern || a.pattern.startsWith('/') || a.pattern.split('/').includes('..'))
    throw new CatalogError(`${where}: pattern must be relative to the root, without '..'`);
  const os = a.os;
  if (os !== 'any' && !HOTSPOT_OSES.some((known) => known === os)) throw new CatalogError(`${where}: os must be any, ${HOTSPOT_OSES.join(', ')}`);
  if (!Array.isArray(a.references) || a.references.length === 0 || !a.references.every((r) => typeof r === 'string'))
    throw new CatalogError(`${where}: at least one public reference is required`);
  return { id: a.id, description: a.description, pattern: a.pattern, os: os as ArtifactLocation['os'], references: a.references };
}

/** Files read in every scan (hives, histories, trash info), validated like the hotspots. */
export function loadArtifactLocations(): ArtifactLocation[] {
  const locations = readJsonArray(dataDir('hotspots', 'data', 'artifacts.json')).map((a) => validateArtifactLocation(a, 'artifacts.json'));
  checkUniqueIds(locations);
  return locations;
}

/**
 * Hotspots that apply to a root of this OS. An unknown layout gets all of them except those that
 * judge the root's own top level (`*`): a folder that is not a system volume has no "drive root".
 */
export function hotspotsFor(all: Hotspot[], os: OsKind): Hotspot[] {
  return os === 'unknown' ? all.filter((h) => !h.pattern.startsWith('*')) : all.filter((h) => h.os === os);
}

export function checkUniqueIds(all: readonly { id: string }[]): void {
  const seen = new Set<string>();
  for (const h of all) {
    if (seen.has(h.id)) throw new CatalogError(`duplicate hotspot id ${h.id}`);
    seen.add(h.id);
  }
}
