/**
 * The rule files below a directory the user gave (--sigma, --yara): sorted by name at each level,
 * symbolic links not followed, at most MAX_DIR_DEPTH levels and `maxFiles` files.
 */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Directory levels followed below a rule directory. */
const MAX_DIR_DEPTH = 16;

export function ruleFilesUnder(dir: string, name: RegExp, maxFiles: number): string[] {
  const out: string[] = [];
  const walk = (at: string, depth: number): void => {
    if (depth > MAX_DIR_DEPTH || out.length >= maxFiles) return;
    for (const entry of readdirSync(at).sort()) {
      const p = path.join(at, entry);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile() && name.test(entry) && out.length < maxFiles) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}
