// Types for fuzz-structures.mjs (kept by hand; the comments in the .mjs are the source).
import type { FuzzCase } from './fuzz-runner.mjs';
export const STRUCTURE_GENERATORS: Record<string, { classes: string[]; relPath: string }>;
export function buildStructure(
  generator: string,
  seed: number,
  scale?: 'small' | 'full',
): { data: Buffer | { size: number; name: string; read(position: number, length: number): Buffer }; mutated: string | null };
export function structureCases(options: { perGenerator: number; baseSeed?: number; scale?: 'small' | 'full'; startIndex?: number }): Array<Omit<FuzzCase, 'parsers' | 'seed'> & { parsers: null; seed: null; structure: { generator: string; scale: 'small' | 'full' } }>;
