/**
 * The parser pre-filter (src/artifacts/claims.ts, issue 17) changes nothing: for every corpus file,
 * every demo file and a bench tree, the parsers whose `matches` is true when asked one by one (the
 * old loop over the whole registry) are exactly those the index offers and `matches` then accepts.
 * The index must also narrow: a file meets far fewer parsers than the registry holds.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACT_PARSERS, claimingParsers } from '../../src/artifacts/index.js';
import { ClaimIndex, magicText } from '../../src/artifacts/claims.js';
import type { ArtifactContext, ArtifactParser, ParserClaims } from '../../src/artifacts/types.js';
import { fingerprint } from '../../src/fingerprint/index.js';
import { CORPUS_DIR, CORPUS_MISSING, corpusAvailable, testIf } from '../helpers/corpus.js';
import { ensureDemoImage } from '../helpers/cli.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { forEachFileHead } from '../helpers/file-heads.js';

function matchesSafely(p: ArtifactParser, ctx: ArtifactContext): boolean {
  try {
    return p.matches(ctx);
  } catch {
    return false;
  }
}

interface Tally {
  files: number;
  /** matches() calls without and with the index. */
  callsAll: number;
  callsOffered: number;
  matched: number;
  differences: string[];
}

/** Builds each file's context as inspect does (head, fingerprint format) and compares both ways. */
async function compareAll(root: string): Promise<Tally> {
  const t: Tally = { files: 0, callsAll: 0, callsOffered: 0, matched: 0, differences: [] };
  await forEachFileHead(root, async ({ relPath, name, head, size, src }) => {
    const fp = await fingerprint(src, head, name);
    const ctx: ArtifactContext = { relPath, name, head, size, format: fp.format };
    const all = ARTIFACT_PARSERS.filter((p) => matchesSafely(p, ctx)).map((p) => p.id);
    const offered = claimingParsers(ctx);
    const accepted = offered.filter((p) => matchesSafely(p, ctx)).map((p) => p.id);
    t.files++;
    t.callsAll += ARTIFACT_PARSERS.length;
    t.callsOffered += offered.length;
    t.matched += all.length;
    if (all.join() !== accepted.join()) t.differences.push(`${ctx.relPath} (${fp.format}): every parser [${all}] index [${accepted}]`);
  });
  return t;
}

describe('the parser pre-filter offers every parser that matches', () => {
  testIf(corpusAvailable(), CORPUS_MISSING)('every corpus file', async () => {
    const t = await compareAll(CORPUS_DIR);
    expect(t.differences).toEqual([]);
    expect(t.files).toBeGreaterThan(1000);
    expect(t.matched).toBeGreaterThan(100);
    // Corpus files are mostly artifacts: still, most parsers are never asked.
    expect(t.callsOffered).toBeLessThan(t.callsAll / 3);
  }, 300_000);

  test('every demo file', async () => {
    const t = await compareAll(await ensureDemoImage());
    expect(t.differences).toEqual([]);
    expect(t.matched).toBeGreaterThan(10);
    expect(t.callsOffered).toBeLessThan(t.callsAll / 3);
  }, 120_000);

  let dir = '';
  afterAll(() => {
    if (dir) removeTree(dir);
  });

  // What the corpus, the demo and the trees lack: parsers claimed by name or place only.
  test('hand-made samples of name- and place-claimed artifacts', async () => {
    dir ||= tempDir('claims');
    const root = path.join(dir, 'samples');
    const dollarI = Buffer.alloc(64);
    dollarI.writeUInt32LE(2, 0);
    const info2 = Buffer.alloc(32);
    info2.writeUInt32LE(800, 12);
    const lzma = Buffer.alloc(64);
    lzma[0] = 0x5d;
    lzma.writeUInt32LE(1 << 16, 1);
    const files: Record<string, Buffer | string> = {
      'home/u/.bash_history': 'tar czf /tmp/x.tgz /home/u/docs\n',
      'home/u/.ZSH_HISTORY': ': 1700000000:0;zip -r a.zip b\n',
      'home/u/.local/share/fish/fish_history': '- cmd: ls\n',
      'home/u/.python_history': 'import os\n',
      'Users/u/AppData/HOST_history.txt': 'Compress-Archive x y\n',
      '$Recycle.Bin/S-1-5-21-1-2-3-1001/$IAB12CD.zip': dollarI,
      '$Recycle.Bin/S-1-5-21-1-2-3-1001/$RAB12CD.zip': 'x',
      'RECYCLER/S-1-5-21-1-2-3-1001/INFO2': info2,
      'home/u/.local/share/Trash/info/a.zip.trashinfo': '[Trash Info]\nPath=/home/u/a.zip\nDeletionDate=2024-01-01T00:00:00\n',
      'Users/u/.Trash/report.7z': 'x',
      'var/log/audit/audit.log.1': 'type=EXECVE msg=audit(1700000000.000:1): argc=1 a0="ls"\n',
      'C/$Extend/$UsnJrnl%3A$J': Buffer.alloc(64),
      'Users/u/AppData/Roaming/Microsoft/Windows/Recent/CustomDestinations/x.customDestinations-ms': Buffer.alloc(64),
      'tmp/set.7z.002': 'x',
      'tmp/set.z01': 'x',
      'tmp/set.zip.ab': 'x',
      'tmp/payload.lzma': lzma,
    };
    for (const [rel, body] of Object.entries(files)) {
      mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
      writeFileSync(path.join(root, rel), body);
    }
    const t = await compareAll(root);
    expect(t.differences).toEqual([]);
    expect(t.files).toBe(Object.keys(files).length);
    // Every sample is some parser's: the comparison above is not vacuous.
    expect(t.matched).toBeGreaterThanOrEqual(t.files);
  }, 60_000);

  for (const profile of ['default', 'findings']) {
    test(`the ${profile} bench tree, 2,500 files`, async () => {
      dir ||= tempDir('claims');
      const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate(a: Record<string, unknown>, log?: (m: string) => void): unknown };
      const out = path.join(dir, profile);
      generate({ out, files: 2500, uniform: 0, seed: 7402, force: true, ...(profile === 'findings' ? { profile } : {}) }, () => undefined);
      const t = await compareAll(out);
      expect(t.differences).toEqual([]);
      expect(t.files).toBe(2500);
      expect(t.matched).toBeGreaterThan(profile === 'findings' ? 500 : 10);
      expect(t.callsOffered).toBeLessThan(t.callsAll / 4);
    }, 300_000);
  }
});

describe('claim keys', () => {
  const ctx = (over: Partial<ArtifactContext>): ArtifactContext => ({ relPath: 'a/b/file.bin', name: 'file.bin', head: Buffer.alloc(0), size: 0, format: null, ...over });
  const parser = (id: string, claims: ParserClaims): ArtifactParser => ({ id, description: id, dataSources: [], fuzzSeeds: [], claims, matches: () => true, parse: async () => null });
  const index = new ClaimIndex([
    parser('format', { formats: ['zip'] }),
    parser('no-format', { formats: [null] }),
    parser('magic', { magics: [magicText(0, 'regf'), magicText(4, 'SCCA')] }),
    parser('name', { names: ['info2'] }),
    parser('prefix', { namePrefixes: ['$i'] }),
    parser('ext', { extensions: ['pf'] }),
    parser('suffix', { nameSuffixes: ['$mft'] }),
    parser('pattern', { namePatterns: [/\.7z\.\d{3}$/] }),
    parser('path', { pathHints: ['.Trash'] }),
    parser('nothing', {}),
  ]);
  const ids = (c: Partial<ArtifactContext>): string[] => index.candidates(ctx(c)).map((p) => p.id);

  test.each([
    ['a format', { format: 'zip' }, ['format']],
    ['no format', {}, ['no-format']],
    ['a magic at 0', { format: 'text', head: Buffer.from('regf....') }, ['magic']],
    ['a magic at 4', { format: 'text', head: Buffer.from('\0\0\0\0SCCA') }, ['magic']],
    ['a head shorter than the magic', { format: 'text', head: Buffer.from('reg') }, []],
    ['a magic differing in its last byte', { format: 'text', head: Buffer.from('regF') }, []],
    ['a whole name, any case', { format: 'text', name: 'INFO2' }, ['name']],
    ['a longer name', { format: 'text', name: 'INFO22' }, []],
    ['a name prefix', { format: 'text', name: '$IAB12CD.zip' }, ['prefix']],
    ['an extension, any case', { format: 'text', name: 'CALC.EXE-0A1B2C3D.PF' }, ['ext']],
    ['the extension without its dot', { format: 'text', name: 'pf' }, []],
    ['a name ending', { format: 'text', name: 'ntfs.raw.$MFT' }, ['suffix']],
    ['a name pattern', { format: 'text', name: 'x.7Z.002' }, ['pattern']],
    ['a path hint', { format: 'text', relPath: 'Users/u/.Trash/x' }, ['path']],
    ['a path hint in another case', { format: 'text', relPath: 'Users/u/.trash/x' }, []],
    ['two keys of two parsers, in registry order', { format: 'zip', name: 'INFO', head: Buffer.from('regf') }, ['format', 'magic']],
  ])('%s', (_label, c, expected) => {
    expect(ids(c as Partial<ArtifactContext>)).toEqual(expected);
  });

  test('keys that cannot be indexed are refused', () => {
    expect(() => new ClaimIndex([parser('upper', { extensions: ['PF'] })])).toThrow(/lower-case/);
    expect(() => new ClaimIndex([parser('short', { namePrefixes: ['$'] })])).toThrow(/two characters/);
    expect(() => new ClaimIndex([parser('empty', { magics: [{ at: 0, bytes: new Uint8Array(0) }] })])).toThrow(/empty magic/);
  });

  test('every registered parser declares its claims, and only the three that read hives through regf claim nothing', () => {
    const empty = ARTIFACT_PARSERS.filter((p) => Object.keys(p.claims).length === 0).map((p) => p.id);
    expect(empty.sort()).toEqual(['appcompatcache', 'comdlg32', 'runmru', 'shellbags', 'typedpaths', 'wordwheelquery']);
    expect(ARTIFACT_PARSERS.filter((p) => p.claims.anyFile).map((p) => p.id)).toEqual([]);
  });
});
