// Evidence snapshots: every entry's type, size, mode, mtime and atime (ns) and a SHA-256 of
// every regular file, so a scan can be shown to leave a tree exactly as it found it.
// Reading for the hash uses O_NOATIME so the snapshot itself does not move atimes.
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';

const CHUNK = 1024 * 1024;

function hashFile(abs) {
  const fd = openSync(abs, constants.O_RDONLY | (constants.O_NOATIME ?? 0) | constants.O_NOFOLLOW);
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let n;
    while ((n = readSync(fd, buf, 0, CHUNK, null)) > 0) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** Map of relative path -> fingerprint string; directories carry no atime (readdir moves it). */
export function snapshotTree(root, { hash = true } = {}) {
  const out = new Map();
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop();
    const abs = rel ? path.join(root, rel) : root;
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = lstatSync(p, { bigint: true });
      if (st.isDirectory()) {
        out.set(r, `dir mode=${st.mode} mtime=${st.mtimeNs}`);
        stack.push(r);
      } else if (st.isFile()) {
        out.set(r, `file size=${st.size} mode=${st.mode} mtime=${st.mtimeNs} atime=${st.atimeNs}${hash ? ` sha256=${hashFile(p)}` : ''}`);
      } else {
        out.set(r, `other mode=${st.mode} mtime=${st.mtimeNs}`);
      }
    }
  }
  return out;
}

/** Differences between two snapshots, as readable lines (empty when identical). */
export function diffSnapshots(before, after) {
  const lines = [];
  for (const [k, v] of before) {
    if (!after.has(k)) lines.push(`removed ${k}`);
    else if (after.get(k) !== v) lines.push(`changed ${k}: ${v} -> ${after.get(k)}`);
  }
  for (const k of after.keys()) if (!before.has(k)) lines.push(`added ${k}`);
  return lines;
}
