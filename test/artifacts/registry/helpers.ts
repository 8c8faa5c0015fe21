/** Shared helpers for the registry detector tests: parse writer-built hives, score with registry.json. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import type { HiveResult } from '../../../src/artifacts/registry/index.js';
import type { Candidate, RuleDef } from '../../../src/rules/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';

export const RULES: RuleDef[] = JSON.parse(readFileSync(new URL('../../../src/rules/data/registry.json', import.meta.url), 'utf8'));

/** The engine's model (docs in the brief): sum capped 0..100, medium cap without a strong hit. */
export function levelOf(c: Candidate): { score: number; level: string } {
  let score = 0;
  let strong = false;
  for (const h of c.hits) {
    const rule = RULES.find((r) => r.id === h.rule);
    if (!rule) throw new Error(`unknown rule ${h.rule}`);
    score += h.score ?? rule.score;
    strong ||= rule.strong;
  }
  score = Math.max(0, Math.min(100, score));
  if (!strong) score = Math.min(score, 59);
  const level = score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 40 ? 'medium' : score >= 20 ? 'low' : 'info';
  return { score, level };
}

export function detectContext(relPath: string, size = 0): DetectContext {
  const name = relPath.split('/').pop()!;
  return { relPath, name, head: Buffer.alloc(0), size, format: 'regf', os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

export async function parseHive(buf: Buffer, relPath: string): Promise<HiveResult> {
  const ctx = detectContext(relPath, buf.length);
  const res = await parseRegf(bufferSource(buf, relPath), ctx);
  if (!res) throw new Error('not a hive');
  return res;
}

/** A hive's bytes as a file for a reference tool (RegRipper reads paths), named NTUSER.DAT in a temporary folder removed after `fn`. */
export function hiveOnDisk<T>(bytes: Buffer, fn: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-hive-'));
  try {
    writeFileSync(path.join(dir, 'NTUSER.DAT'), bytes);
    return fn(path.join(dir, 'NTUSER.DAT'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
