/** Locates the installed package's root (the folder with stagehunt's package.json), from src/ or dist/. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if (JSON.parse(readFileSync(candidate, 'utf8')).name === 'stagehunt') return (cached = dir);
      } catch {
        /* keep looking upwards */
      }
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot locate the stagehunt package root');
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
}

/** A data folder shipped in the package (src/rules/data, src/hotspots/data). */
export function dataDir(...parts: string[]): string {
  return path.join(packageRoot(), 'src', parts.join('/'));
}
