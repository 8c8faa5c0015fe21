/** The mounted-directory EvidenceFs keeps the walker's safeguards: links listed not followed, special files never opened, non-UTF-8 names, ns times. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DirectoryFs } from '../../src/evidence/directory-fs.js';
import { walkFs } from '../../src/evidence/image/bodyfile.js';
import { removeTree, tempDir } from '../hazards/helpers.js';

describe('DirectoryFs', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    dir = tempDir('dirfs');
    outside = tempDir('dirfs-outside');
    writeFileSync(path.join(outside, 'secret.txt'), 'outside the root');
    mkdirSync(path.join(dir, 'Users', 'Bob', 'AppData'), { recursive: true });
    writeFileSync(path.join(dir, 'Users', 'Bob', 'loot.zip'), 'PK\u0003\u0004 not really');
    writeFileSync(path.join(dir, '.hidden'), 'h');
    symlinkSync(outside, path.join(dir, 'escape'));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'secret-link'));
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'latin');
    utimesSync(path.join(dir, '.hidden'), 1_600_000_000.5, 1_600_000_000.25);
  });
  afterAll(() => {
    removeTree(dir);
    removeTree(outside);
  });

  test('sorted link-free listing with types, hidden flags and ns times', () => {
    const fs = new DirectoryFs(dir, 'root');
    const names = fs.list(fs.root()).entries.map((e) => [e.name, e.type]);
    expect(names).toEqual([
      ['.hidden', 'file'],
      ['Users', 'directory'],
      ['bad-\\xff\\xfe.txt', 'file'],
      ['escape', 'symlink'],
      ['pipe', 'other'],
      ['secret-link', 'symlink'],
    ]);
    const hidden = fs.lookup('/.hidden')!;
    expect(hidden.hidden).toBe(true);
    expect(hidden.times.mtime).toEqual({ sec: 1_600_000_000, nsec: 250_000_000 });
    expect(fs.lookup('/escape')!.linkTarget).toBe(outside);
    fs.close();
  });

  test('walks without following links out of the root; special files are not opened', () => {
    const fs = new DirectoryFs(dir, 'root');
    const paths = [...walkFs(fs)].map((e) => e.path);
    expect(paths).toContain('/Users/Bob/loot.zip');
    expect(paths.some((p) => p.includes('secret.txt'))).toBe(false);
    expect(() => fs.open(fs.lookup('/pipe')!)).toThrow(/not a regular file/);
    expect(() => fs.open(fs.lookup('/secret-link')!)).toThrow(/not a regular file/);
    fs.close();
  });

  test('case-insensitive lookup and reading a non-UTF-8 name by entry', () => {
    const fs = new DirectoryFs(dir, 'root');
    expect(fs.lookup('/users/BOB/LOOT.ZIP')).toBeNull();
    const loot = fs.lookup('/users/BOB/LOOT.ZIP', true)!;
    const src = fs.open(loot);
    expect(src.read(0, 2).toString()).toBe('PK');
    src.close();
    const bad = fs.list(fs.root()).entries.find((e) => e.name.startsWith('bad-'))!;
    const b = fs.open(bad);
    expect(b.read(0, 10).toString()).toBe('latin');
    b.close();
    fs.close();
  });

  test('an entry kept for reopening (forReopen) opens as the entry does: same bytes, same identity check, non-UTF-8 names, after close()', () => {
    mkdirSync(path.join(dir, 'keep', 'deeper'), { recursive: true });
    writeFileSync(path.join(dir, 'keep', 'deeper', 'a.txt'), 'first file');
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/keep/deeper/odd-`), Buffer.from([0xc3, 0x28]), Buffer.from('.bin')]), 'odd bytes');
    writeFileSync(path.join(dir, 'keep', 'deeper', 'swap.txt'), 'original');
    const fs = new DirectoryFs(dir, 'root');
    const deeper = fs.lookup('/keep/deeper')!;
    const entries = fs.list(deeper).entries.filter((e) => e.type === 'file');
    expect(entries.map((e) => e.name)).toEqual(['a.txt', 'odd-\\xc3(.bin', 'swap.txt']);
    const kept = entries.map((e) => fs.forReopen(e));
    for (const k of kept) {
      expect(k.times).toEqual({});
      expect(k.uid).toBeUndefined();
    }
    const read = (e: (typeof entries)[number]): string => {
      const src = fs.open(e);
      try {
        return src.read(0, 64).toString();
      } finally {
        src.close();
      }
    };
    // While the walk's directory handles are open, and after they are closed (as hashing reopens them).
    expect(kept.map(read)).toEqual(entries.map(read));
    fs.close();
    expect(kept.map(read)).toEqual(entries.map(read));
    expect(kept.map(read)).toEqual(['first file', 'odd bytes', 'original']);
    // Replaced since it was listed: refused for both, not read.
    renameSync(path.join(dir, 'keep', 'deeper', 'swap.txt'), path.join(dir, 'keep', 'swapped-out.txt'));
    writeFileSync(path.join(dir, 'keep', 'deeper', 'swap.txt'), 'a replacement');
    expect(() => read(entries[2]!)).toThrow(/not the one listed/);
    expect(() => read(kept[2]!)).toThrow(/not the one listed/);
    fs.close();
  });

  test('many lookups into one folder list it once (followed names in a large folder)', () => {
    const big = path.join(dir, 'Users', 'Bob', 'AppData');
    for (let i = 0; i < 300; i++) writeFileSync(path.join(big, `doc${i}.txt`), 'x');
    const fs = new DirectoryFs(dir, 'root');
    const lists: string[] = [];
    const listCompact = fs.listCompact.bind(fs);
    fs.listCompact = (d) => (lists.push(d.path), listCompact(d));
    for (let i = 0; i < 300; i++) expect(fs.lookup(`/Users/Bob/AppData/DOC${i}.TXT`, true)?.path).toBe(`/Users/Bob/AppData/doc${i}.txt`);
    expect(fs.lookup('/Users/Bob/AppData/doc7.txt')?.name).toBe('doc7.txt');
    expect(fs.lookup('/Users/Bob/AppData/absent.txt', true)).toBeNull();
    // Each folder on the way listed once for the 302 lookups (each lookup starts from a fresh root entry of the same id).
    expect(lists).toEqual(['/', '/Users', '/Users/Bob', '/Users/Bob/AppData']);
    // The entry a lookup builds from the index is the one a listing gives (same identity, times and flags).
    const appData = fs.lookup('/Users/Bob/AppData')!;
    const listed = fs.list(appData).entries.find((e) => e.name === 'doc42.txt')!;
    expect(fs.lookup('/Users/Bob/AppData/doc42.txt')).toEqual(listed);
    // Once the scan lets the indexes go, a lookup lists again and still finds.
    lists.length = 0;
    fs.dropLookupIndexes();
    expect(fs.lookup('/Users/Bob/AppData/doc8.txt')?.path).toBe('/Users/Bob/AppData/doc8.txt');
    expect(lists).toEqual(['/', '/Users', '/Users/Bob', '/Users/Bob/AppData']);
    fs.close();
  });
});
