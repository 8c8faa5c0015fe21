/**
 * Every regular file under a folder with its head read as inspect reads it (read-only, no link
 * followed, LIMITS.headBytes): the walk the comparison tests over the corpus, the demo and the
 * bench trees share (fingerprint fast path, parser pre-filter).
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { fdSource } from '../../src/evidence/reader.js';
import { LIMITS } from '../../src/util/limits.js';
import type { ByteSource } from '../../src/util/byte-source.js';

export interface FileHead {
  /** '/'-separated path from `root`. */
  relPath: string;
  name: string;
  size: number;
  head: Buffer;
  /** Valid only during the callback: the file is closed after it. */
  src: ByteSource;
}

function* filesUnder(root: string): Generator<string> {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) yield p;
    }
  }
}

export async function forEachFileHead(root: string, visit: (f: FileHead) => Promise<void>): Promise<void> {
  for (const file of filesUnder(root)) {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, LIMITS.headBytes));
      readSync(fd, head, 0, head.length, 0);
      await visit({ relPath: path.relative(root, file).split(path.sep).join('/'), name: path.basename(file), size, head, src: fdSource(fd, size, file) });
    } finally {
      closeSync(fd);
    }
  }
}
