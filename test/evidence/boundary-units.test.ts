/** Unit checks behind issue 18: injective name escaping, inside-root by segments, hotspot expansion. */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkComponents } from '../../src/evidence/components.js';
import { isInside } from '../../src/evidence/root.js';
import { expandRoot, HotspotIndex } from '../../src/hotspots/expand.js';
import { expandBraces, matchHotspotDirs, pathMatches } from '../../src/hotspots/match.js';
import { DirectoryFs } from '../../src/evidence/directory-fs.js';
import { compactOf, type EvidenceFs } from '../../src/evidence/fs.js';
import type { Hotspot } from '../../src/hotspots/catalog.js';
import { decodeName, encodeName } from '../../src/util/text.js';

describe('decodeName / encodeName: an injective escape of raw name bytes', () => {
  const names = [
    Buffer.from('plain.zip'),
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0x2e, 0x7a, 0x69, 0x70]), // bad<ff>.zip
    Buffer.from('bad\\xff.zip'), // the decoy: backslash, x, f, f
    Buffer.from('bad\\\\xff.zip'),
    Buffer.from('a\\'),
    Buffer.from('\\'),
    Buffer.from([0x5c, 0xff]),
    Buffer.from('caf\u00e9 \ufffd real replacement char'),
    Buffer.from([0xef, 0xbf, 0xbd, 0xff]),
    Buffer.from([0xc3]), // truncated sequence
    Buffer.from([0xed, 0xa0, 0x80]), // encoded surrogate: not valid UTF-8
  ];

  test('every name round-trips to its exact bytes', () => {
    for (const n of names) expect(encodeName(decodeName(n)).equals(n)).toBe(true);
  });

  test('no two different names share a display text', () => {
    const shown = names.map((n) => decodeName(n));
    expect(new Set(shown).size).toBe(names.length);
    expect(decodeName(names[1]!)).toBe('bad\\xff.zip');
    expect(decodeName(names[2]!)).toBe('bad\\\\xff.zip');
  });

  test('valid names without a backslash are unchanged', () => {
    expect(decodeName(Buffer.from('Users/alice/Temp x.7z'))).toBe('Users/alice/Temp x.7z');
  });
});

describe('isInside compares path segments', () => {
  test('a directory named ..something inside the root is inside', () => {
    expect(isInside('/ev', '/ev/..evil/out.json')).toBe(true);
    expect(isInside('/ev', '/ev/...')).toBe(true);
    expect(isInside('/ev', '/ev')).toBe(true);
  });
  test('parents and siblings are outside', () => {
    expect(isInside('/ev', '/ev/../out.json')).toBe(false);
    expect(isInside('/ev', '/evil/out.json')).toBe(false);
    expect(isInside('/ev', '/')).toBe(false);
  });
});

function hotspot(id: string, pattern: string, exclude?: string[]): Hotspot {
  return { id, description: id, pattern, weight: 10, references: ['x'], os: 'windows', exclude };
}

describe('hotspot expansion during our own walk', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sh-expand-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'sh-expand-out-'));
  mkdirSync(path.join(outside, 'Temp'));
  mkdirSync(path.join(root, 'Users', 'alice', 'AppData', 'Local', 'Temp'), { recursive: true });
  mkdirSync(path.join(root, 'Users', 'bob', 'AppData'), { recursive: true });
  mkdirSync(path.join(root, 'Users', 'Public'), { recursive: true });
  mkdirSync(path.join(root, 'WINDOWS', 'System32', 'config'), { recursive: true });
  writeFileSync(path.join(root, 'WINDOWS', 'System32', 'config', 'SYSTEM'), 'regf');
  symlinkSync(outside, path.join(root, 'Users', 'bob', 'AppData', 'Local'));
  symlinkSync(outside, path.join(root, 'PerfLogs'));
  const dev = statSync(root).dev;
  const hs = [hotspot('temp', 'Users/*/AppData/Local/Temp'), hotspot('public', 'Users/Public'), hotspot('perf', 'PerfLogs'), hotspot('top', '*', ['Users', 'Windows'])];
  const locations = [{ id: 'hives', description: 'h', pattern: 'Windows/System32/config/{SYSTEM,SOFTWARE}', os: 'windows' as const, references: ['x'] }];

  test('matches case-insensitively, never through a link, and reports each link once', () => {
    const ex = expandRoot(new DirectoryFs(root), hs, locations, { crossMounts: false });
    expect(ex.hotspotDirs.map((h) => h.relDir).sort()).toEqual(['Users/Public', 'Users/alice/AppData/Local/Temp']);
    expect(ex.hotspotDirs.every((h) => h.entry.type === 'directory' && h.entry.path === `/${h.relDir}`)).toBe(true);
    expect(ex.artifactFiles.map((f) => f.relPath)).toEqual(['WINDOWS/System32/config/SYSTEM']);
    expect(ex.skipped.map((s) => [s.relPath, s.code]).sort()).toEqual([['PerfLogs', 'ESYMLINK'], ['Users/bob/AppData/Local', 'ESYMLINK']]);
    expect(ex.skipped.find((s) => s.relPath === 'PerfLogs')!.message).toContain(`(-> ${outside})`);
  });

  test('a directory on another device is not entered unless --cross-mounts', () => {
    // 'Users' as a mount point: the flag DirectoryFs sets when a directory's device differs from the root's.
    const mountedUsers = (crossMounts: boolean): EvidenceFs => {
      const base = new DirectoryFs(root, 'root', undefined, crossMounts);
      const list = (dir: Parameters<EvidenceFs['list']>[0]): ReturnType<EvidenceFs['list']> => {
        const l = base.list(dir);
        return { ...l, entries: l.entries.map((e) => (e.path === '/Users' ? { ...e, otherDevice: true } : e)) };
      };
      // The expansion reads compact listings: the same listing, marked the same way.
      return Object.assign(Object.create(base) as DirectoryFs, { list, listCompact: (dir: Parameters<EvidenceFs['list']>[0]) => compactOf(list(dir)) });
    };
    const other = expandRoot(mountedUsers(false), hs, locations, { crossMounts: false });
    expect(other.hotspotDirs).toEqual([]);
    expect(other.artifactFiles.map((f) => f.relPath)).toEqual(['WINDOWS/System32/config/SYSTEM']);
    expect(other.skipped.filter((s) => s.code === 'EXDEV').map((s) => s.relPath)).toEqual(['Users']);
    const crossing = expandRoot(mountedUsers(true), hs, locations, { crossMounts: true });
    expect(crossing.hotspotDirs.length).toBe(2);
  });

  test('one matcher: a known path matches as the descent finds it', () => {
    expect(pathMatches('Users/*/AppData/Local/Temp', 'users/ALICE/appdata/local/temp')).toBe(true);
    expect(pathMatches('Users/*/AppData/Local/Temp', 'Users/alice/AppData/Local')).toBe(false);
    expect(pathMatches('Users/*', 'Users/a/b')).toBe(false);
    expect(pathMatches('**/Temp', 'a/b/c/Temp')).toBe(true);
    expect(pathMatches('a/**', 'a')).toBe(true);
    expect(pathMatches('a/**', 'b/c')).toBe(false);
    expect(pathMatches('{home/*,root}/.local/share/Trash', 'root/.local/share/Trash')).toBe(true);
    expect(pathMatches('RECYCLER*.BIN', 'recycler.x.bin')).toBe(true);
    expect(pathMatches('log[0-9]', 'log7')).toBe(true);
    expect(matchHotspotDirs(['Users/alice/AppData/Local/Temp', 'Users/Public', 'Windows'], hs).map((m) => m.relDir)).toEqual(['Users/alice/AppData/Local/Temp', 'Users/Public']);
  });

  test('checkComponents names the first link or mount on a path', () => {
    expect(checkComponents(root, 'PerfLogs/Temp', { rootDev: dev, crossMounts: false, last: 'directory' })).toMatchObject({ relPath: 'PerfLogs', code: 'ESYMLINK' });
    expect(checkComponents(root, 'Users/alice', { rootDev: dev + 1, crossMounts: false, last: 'directory' })).toMatchObject({ relPath: 'Users', code: 'EXDEV' });
    expect(checkComponents(root, 'Users/alice/AppData', { rootDev: dev, crossMounts: false, last: 'directory' })).toBeNull();
  });

  test('braces expand across segments and nest; ** is bounded', () => {
    expect(expandBraces('{Users/*,Windows/{A,B}}/x').sort()).toEqual(['Users/*/x', 'Windows/A/x', 'Windows/B/x']);
    const star = expandRoot(new DirectoryFs(root), [hotspot('deep', '**/Temp')], [], { crossMounts: false });
    expect(star.hotspotDirs.map((h) => h.relDir)).toEqual(['Users/alice/AppData/Local/Temp']);
  });

  test('HotspotIndex looks only as deep as its deepest hotspot', () => {
    const index = new HotspotIndex([{ hotspot: hs[0]!, relDir: 'Users/alice/AppData/Local/Temp' }]);
    const deep = `Users/alice/AppData/Local/Temp/${Array<string>(5000).fill('d').join('/')}/x.zip`;
    expect(index.lookup(deep)?.id).toBe('temp');
    expect(index.lookup('users/ALICE/appdata/local/temp')?.id).toBe('temp');
    expect(index.lookup('Users/alice')).toBeNull();
  });

  test('HotspotIndex.lookupFile (one lookup per directory of the walk) answers as lookup does for every file', () => {
    const index = new HotspotIndex([
      { hotspot: hs[0]!, relDir: 'Users/alice/AppData/Local/Temp' },
      { hotspot: hs[1]!, relDir: 'Users/Public' },
      { hotspot: hs[2]!, relDir: 'PerfLogs' },
      { hotspot: hs[3]!, relDir: 'Users/Public/Downloads/x' },
    ]);
    const dirs = ['', 'Users', 'users/public', 'Users/Public/Downloads', 'Users/Public/Downloads/x', 'Users/Public/Downloads/x/y', 'Users/alice/AppData/Local/Temp', 'Users/alice/AppData/Local/Temp/t/u/v/w', 'PerfLogs', 'perflogs/Admin', 'Windows/Temp'];
    // Directories in a walk's order, and again out of it (the remembered directory changes back and forth).
    for (const dir of [...dirs, ...[...dirs].reverse(), ...dirs]) {
      for (const name of ['a.zip', 'B.7Z']) {
        const relPath = dir === '' ? name : `${dir}/${name}`;
        expect({ relPath, hotspot: index.lookupFile(relPath)?.id ?? null }).toEqual({ relPath, hotspot: index.lookup(relPath)?.id ?? null });
      }
    }
    expect(index.lookupFile('PerfLogs/a.zip')?.id).toBe('perf');
    expect(index.lookupFile('Users/Public/Downloads/x/y/z.rar')?.id).toBe('top');
  });
});
