// The regular files under a directory, for bench scripts that read a tree outside their timed part
// (bench/lib/node-floor.mjs keeps its own walk: the walk is what it times). Names sorted within each
// directory so that runs see files in the same order; links and special files are not followed.
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Yields `{ path, name }` of every regular file under `root`. */
export function* filesUnder(root) {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) yield { path: p, name: e.name };
    }
  }
}
