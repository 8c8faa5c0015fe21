// Node floor: what the pipeline minimally does per file with sync calls (readdir with types,
// lstat, open O_NOATIME|O_NOFOLLOW|O_NONBLOCK, fstat, 4 KiB positioned read, close), no analysis.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOATIME ?? 0);
const buf = Buffer.allocUnsafe(4096);
let files = 0;
let bytes = 0;
const stack = [process.argv[2]];
while (stack.length) {
  const dir = stack.pop();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${d.name}`;
    if (d.isDirectory()) stack.push(p);
    else if (d.isFile()) {
      lstatSync(p);
      const fd = openSync(p, FLAGS);
      fstatSync(fd);
      bytes += readSync(fd, buf, 0, 4096, 0);
      closeSync(fd);
      files++;
    }
  }
}
console.log(`${files} files ${bytes} bytes`);
