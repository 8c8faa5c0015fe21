#!/usr/bin/env node
// Node's floor for listing a directory tree, no analysis: readdirSync (withFileTypes) of every
// directory, names sorted by bytes, lstatSync of every entry; names read as Buffers (as DirectoryFs
// did before session 7) or as latin1 text (as DirectoryFs.listCompact does), the results either
// kept whole per directory (objects) or dropped. Compare one directory of 100,000 entries with the
// same files over 1,000 directories (docs/performance.md "One large directory").
//   node bench/listing-floor.mjs ROOT [--encoding buffer|latin1] [--runs N]
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2];
const arg = (name, dflt) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt);
const encoding = arg('--encoding', 'latin1');
const runs = Number(arg('--runs', '3'));
if (!root || !['buffer', 'latin1'].includes(encoding)) {
  process.stderr.write('usage: listing-floor.mjs ROOT [--encoding buffer|latin1] [--runs N]\n');
  process.exit(2);
}

function walk() {
  const stack = [root];
  let entries = 0;
  let largest = 0;
  while (stack.length > 0) {
    const dir = stack.pop();
    const dirents = readdirSync(dir, { encoding, withFileTypes: true });
    if (encoding === 'buffer') dirents.sort((a, b) => Buffer.compare(a.name, b.name));
    else dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    largest = Math.max(largest, dirents.length);
    for (const d of dirents) {
      entries++;
      if (d.isSymbolicLink()) continue;
      const name = encoding === 'buffer' ? d.name.toString('utf8') : Buffer.from(d.name, 'latin1').toString('utf8');
      const st = lstatSync(path.join(dir, name));
      if (st.isDirectory()) stack.push(path.join(dir, name));
    }
  }
  return { entries, largest };
}

for (let r = 0; r < runs; r++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const { entries, largest } = walk();
  const cpu = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${path.basename(root)} ${encoding}: ${entries} entries (largest directory ${largest}), ${wall.toFixed(2)} s wall, ${(cpu.user / 1e6).toFixed(2)} user ${(cpu.system / 1e6).toFixed(2)} sys, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB\n`,
  );
}
