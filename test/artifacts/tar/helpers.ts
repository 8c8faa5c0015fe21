// Builds tar bytes for tests (ustar/GNU/v7 headers with correct checksums).
/** A ustar (or GNU, or v7) header block with a correct checksum. */
export function tarHeader(name: string, size: number, type = '0', opts: { magic?: 'ustar' | 'gnu' | 'v7'; mtime?: number } = {}): Buffer {
  const b = Buffer.alloc(512);
  b.write(name.slice(0, 100), 0, 'utf8');
  b.write('0000644\0', 100, 'latin1');
  b.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  b.write((opts.mtime ?? 1700000000).toString(8).padStart(11, '0') + '\0', 136, 'latin1');
  b.write(type, 156, 'latin1');
  if (opts.magic !== 'v7') b.write(opts.magic === 'gnu' ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}

export function tarFile(files: { name: string; data: string; type?: string }[], end = true): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.from(f.data);
    parts.push(tarHeader(f.name, data.length, f.type ?? '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (end) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
