/**
 * Loads every rule file in src/rules/data/*.json into one catalog and validates it.
 * One file per area (files, fingerprint, archives, recyclebin, history, registry, correlation)
 * so rules are reviewed where they belong.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../util/package-root.js';
import type { RuleDef } from './types.js';

export class RuleCatalogError extends Error {}

export type RuleCatalog = ReadonlyMap<string, RuleDef & { file: string }>;

const ATTACK_ID = /^T\d{4}(\.\d{3})?$/;

export function validateRule(raw: unknown, file: string): RuleDef {
  const r = raw as Partial<RuleDef>;
  const where = `${file}: rule ${JSON.stringify(r?.id ?? '?')}`;
  if (!r || typeof r !== 'object') throw new RuleCatalogError(`${file}: each rule must be an object`);
  if (typeof r.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(r.id)) throw new RuleCatalogError(`${where}: id must be kebab-case`);
  if (typeof r.title !== 'string' || !r.title) throw new RuleCatalogError(`${where}: title missing`);
  if (typeof r.description !== 'string' || !r.description) throw new RuleCatalogError(`${where}: description missing`);
  if (typeof r.score !== 'number' || !Number.isInteger(r.score) || r.score < -100 || r.score > 100)
    throw new RuleCatalogError(`${where}: score must be an integer -100..100`);
  if (typeof r.strong !== 'boolean') throw new RuleCatalogError(`${where}: strong must be true or false`);
  if (!Array.isArray(r.attack) || !r.attack.every((a) => typeof a === 'string' && ATTACK_ID.test(a)))
    throw new RuleCatalogError(`${where}: attack must list technique ids like T1074.001`);
  if (!Array.isArray(r.references) || r.references.length === 0 || !r.references.every((x) => typeof x === 'string' && x.length > 0))
    throw new RuleCatalogError(`${where}: at least one public reference is required`);
  return { id: r.id, title: r.title, description: r.description, score: r.score, strong: r.strong, attack: r.attack, references: r.references };
}

let cached: RuleCatalog | null = null;

export function loadRuleCatalog(dir = dataDir('rules', 'data')): RuleCatalog {
  if (cached && dir === dataDir('rules', 'data')) return cached;
  const catalog = new Map<string, RuleDef & { file: string }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      throw new RuleCatalogError(`${file}: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new RuleCatalogError(`${file}: expected a JSON array of rules`);
    for (const raw of parsed) {
      const rule = validateRule(raw, file);
      const dup = catalog.get(rule.id);
      if (dup) throw new RuleCatalogError(`rule id ${rule.id} defined in both ${dup.file} and ${file}`);
      catalog.set(rule.id, { ...rule, file });
    }
  }
  if (dir === dataDir('rules', 'data')) cached = catalog;
  return catalog;
}
