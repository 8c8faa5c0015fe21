// Node floor: what the pipeline minimally does with sync calls, no analysis. Per directory: a handle
// on it (open O_DIRECTORY|O_NOFOLLOW, fstat: the identity check) and its names with their types;
// per regular file: open through that handle (/proc/self/fd/N/name) O_NOATIME|O_NOFOLLOW|O_NONBLOCK,
// fstat, 4 KiB positioned read, close. Directories are lstat'ed (their device and inode); regular
// files are not, as in the walk since session 17 (src/evidence/fs.ts ListOptions). Without
// /proc/self/fd the walk lstats every file: so does this floor.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | (constants.O_NOATIME ?? 0);
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const HANDLES = existsSync('/proc/self/fd');
const buf = Buffer.allocUnsafe(4096);
let files = 0;
let bytes = 0;
const stack = [process.argv[2]];
while (stack.length) {
  const dir = stack.pop();
  const handle = openSync(dir, DIR_FLAGS);
  fstatSync(handle);
  const base = HANDLES ? `/proc/self/fd/${handle}` : dir;
  for (const d of readdirSync(base, { withFileTypes: true })) {
    if (d.isDirectory()) {
      lstatSync(`${base}/${d.name}`);
      stack.push(`${dir}/${d.name}`);
    } else if (d.isFile()) {
      const p = `${base}/${d.name}`;
      if (!HANDLES) lstatSync(p);
      const fd = openSync(p, FLAGS);
      fstatSync(fd);
      bytes += readSync(fd, buf, 0, 4096, 0);
      closeSync(fd);
      files++;
    }
  }
  closeSync(handle);
}
console.log(`${files} files ${bytes} bytes`);
