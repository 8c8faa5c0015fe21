/**
 * The ZIP-head walk (src/fingerprint/zip-head.ts) must give file-type's own verdict on every
 * ZIP-like head it answers: corpus files, archives built here (OOXML, ODF, EPUB, jar, apk, xpi,
 * 3MF layouts; stored, deflated, data descriptors, zip64, encrypted) and by the zip CLI, 7-Zip and
 * python3's zipfile, every cut and many damaged variants of them, and every ZIP-like head of the
 * bench trees. Where it does not answer (null), the scan asks file-type as before.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileTypeFromBuffer } from 'file-type';
import { zipHeadType } from '../../src/fingerprint/zip-head.js';
import { fingerprint } from '../../src/fingerprint/index.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';
import { corpusAvailable, CORPUS_DIR, CORPUS_MISSING, testIf, toolAvailable, toolMissing } from '../helpers/corpus.js';
import { forEachFileHead } from '../helpers/file-heads.js';
import { xorshiftBytes } from '../helpers/random.js';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { buildZip, type ZipEntrySpec } from '../../fixtures/lib/zip-writer.mjs';

const HEAD = LIMITS.headBytes;
const LOCAL_SIGNATURE = 0x04034b50;

interface Tally { heads: number; answered: number; mismatches: string[] }

function newTally(): Tally {
  return { heads: 0, answered: 0, mismatches: [] };
}

/** Compares the walk with file-type on one head; file-type's errors are verdicts too (the walk must then not answer). */
async function compare(head: Buffer, label: string, tally: Tally): Promise<void> {
  const ours = zipHeadType(head);
  const theirs = await fileTypeFromBuffer(head).then((r) => r ?? null, (e: Error) => `error ${e.message}`);
  tally.heads++;
  if (ours === null) return;
  tally.answered++;
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) tally.mismatches.push(`${label}: ours ${JSON.stringify(ours)} file-type ${JSON.stringify(theirs)}`);
}

/** The head, every cut of its first bytes, and flipped bytes (seeded: the same variants every run). */
async function compareWithDamage(zip: Buffer, label: string, tally: Tally, seed: number): Promise<void> {
  const head = zip.subarray(0, HEAD);
  await compare(head, label, tally);
  const step = head.length > 700 ? 7 : 2;
  for (let cut = 4; cut < head.length; cut += step) await compare(head.subarray(0, cut), `${label} cut ${cut}`, tally);
  const noise = xorshiftBytes(512, seed);
  for (let i = 0; i + 2 < noise.length; i += 3) {
    const damaged = Buffer.from(head);
    const at = 4 + ((noise[i]! << 8) | noise[i + 1]!) % Math.max(1, Math.min(head.length - 4, 400));
    if (at >= damaged.length) continue;
    damaged[at] = damaged[at]! ^ (noise[i + 2]! | 1);
    await compare(damaged, `${label} byte ${at}`, tally);
  }
}

function contentTypes(main: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/x/main.xml" ContentType="${main}"/></Types>`;
}

const OOXML_MAINS = [
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  'application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml',
  'application/vnd.ms-word.document.macroEnabled.main+xml',
  'application/vnd.ms-word.template.macroEnabledTemplate.main+xml',
  'application/vnd.ms-excel.sheet.macroEnabled.main+xml',
  'application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml',
  'application/vnd.ms-visio.drawing.main+xml',
  'application/x-unknown.main+xml',
  'text/plain',
];
const MIMETYPES = [
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet-template', 'application/vnd.oasis.opendocument.graphics',
  'application/epub+zip', 'APPLICATION/EPUB+ZIP', ' application/vnd.oasis.opendocument.presentation\n', 'application/x-nothing', '',
];

/** Local headers only, each with flag bit 3 and its sizes in a data descriptor after the data (a streaming writer's layout). */
function streamedZip(entries: Array<{ name: string; data: string; method: 0 | 8; descriptor?: 'signed' | 'unsigned' | 'zip64' }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const raw = Buffer.from(e.data);
    const body = e.method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_SIGNATURE, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0808, 6);
    header.writeUInt16LE(e.method, 8);
    header.writeUInt16LE(name.length, 26);
    const kind = e.descriptor ?? 'signed';
    const descriptor = Buffer.alloc(kind === 'zip64' ? 24 : kind === 'signed' ? 16 : 12);
    let at = 0;
    if (kind !== 'unsigned') at = descriptor.writeUInt32LE(0x08074b50, 0);
    at = descriptor.writeUInt32LE(0x12345678, at);
    if (kind === 'zip64') {
      descriptor.writeBigUInt64LE(BigInt(body.length), at);
      descriptor.writeBigUInt64LE(BigInt(raw.length), at + 8);
    } else {
      descriptor.writeUInt32LE(body.length, at);
      descriptor.writeUInt32LE(raw.length, at + 4);
    }
    parts.push(header, name, body, descriptor);
  }
  parts.push(Buffer.from([0x50, 0x4b, 1, 2]), Buffer.alloc(42));
  return Buffer.concat(parts);
}

/** Archives of every layout file-type tells apart, built here. */
function builtArchives(): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  const zip = (label: string, entries: ZipEntrySpec[], extra: { zip64End?: boolean } = {}): void => {
    out.push([label, buildZip({ entries, ...extra })]);
  };
  const filler = 'lorem ipsum dolor sit amet '.repeat(40);
  for (const main of OOXML_MAINS) {
    for (const method of [8, 0] as const) {
      zip(`ooxml ${main} m${method}`, [{ name: '[Content_Types].xml', data: contentTypes(main), method }, { name: 'word/document.xml', data: '<w/>' }]);
    }
    zip(`ooxml late ${main}`, [{ name: '_rels/.rels', data: '<r/>' }, { name: 'docProps/app.xml', data: filler }, { name: '[Content_Types].xml', data: contentTypes(main) }]);
  }
  zip('ooxml folders first', [{ name: 'xl/workbook.xml', data: filler }, { name: 'ppt/p.xml', data: '<p/>' }, { name: '[Content_Types].xml', data: contentTypes(OOXML_MAINS[0]!) }]);
  zip('3mf', [{ name: '3D/3dmodel.model', data: '<model/>' }, { name: '[Content_Types].xml', data: '<Types><Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>' }]);
  for (const method of [12, 14, 99]) {
    // bzip2, LZMA, AES: methods file-type does not read (the method field of the first entry rewritten).
    const first = buildZip({ entries: [{ name: '[Content_Types].xml', data: contentTypes(OOXML_MAINS[0]!) }, { name: 'word/a.xml', data: 'x' }] });
    first.writeUInt16LE(method, 8);
    out.push([`content types with method ${method}`, first]);
    const odf = buildZip({ entries: [{ name: 'mimetype', data: 'application/epub+zip', method: 0 }] });
    odf.writeUInt16LE(method, 8);
    out.push([`mimetype with method ${method}`, odf]);
  }
  zip('content types too large', [{ name: '[Content_Types].xml', data: 'x', claimedSize: 2 * 1024 * 1024 }, { name: 'word/a.xml', data: 'x' }, { name: 'xl/b.xml', data: 'y' }]);
  for (const mimetype of MIMETYPES) {
    for (const method of [0, 8] as const) zip(`odf ${JSON.stringify(mimetype)} m${method}`, [{ name: 'mimetype', data: mimetype, method }, { name: 'content.xml', data: filler }]);
  }
  zip('mimetype too large, then jar', [{ name: 'mimetype', data: 'application/epub+zip', method: 0, claimedSize: 3 * 1024 * 1024 }, { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }]);
  zip('jar', [{ name: 'META-INF/', data: '' }, { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' }, { name: 'a/B.class', data: filler }]);
  zip('xpi', [{ name: 'install.rdf', data: filler }, { name: 'META-INF/mozilla.rsa', data: 'sig' }]);
  for (const dex of ['classes.dex', 'classes2.dex', 'lib/classes.dex.bak', 'xclasses12.dexy']) zip(`apk ${dex}`, [{ name: 'AndroidManifest.xml', data: filler }, { name: dex, data: 'dex\n035' }]);
  zip('plain', [{ name: 'a.txt', data: filler }, { name: 'b/c.txt', data: filler, method: 0 }]);
  zip('many small entries', Array.from({ length: 200 }, (_, i) => ({ name: `f${i}`, data: '', method: 0 as const })));
  zip('zip64', [{ name: 'a.txt', data: filler, zip64: true }, { name: 'mimetype', data: 'application/epub+zip', method: 0, zip64: true }], { zip64End: true });
  zip('zipcrypto', [{ name: 'secret.docx', data: filler, encrypt: 'zipcrypto' }, { name: 'META-INF/MANIFEST.MF', data: 'x', encrypt: 'zipcrypto' }]);
  zip('zipcrypto mimetype', [{ name: 'mimetype', data: 'application/epub+zip', method: 0, encrypt: 'zipcrypto' }]);
  zip('aes', [{ name: '[Content_Types].xml', data: contentTypes(OOXML_MAINS[0]!), encrypt: 'aes' }]);
  zip('unicode and BOM names', [{ name: 'ü/ä.txt', data: 'x' }, { name: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('mimetype')]), data: 'application/epub+zip', method: 0 }]);
  zip('invalid UTF-8 name', [{ name: Buffer.from([0xff, 0x77, 0x6f, 0x72, 0x64]), data: 'x' }, { name: Buffer.concat([Buffer.from('word/'), Buffer.from([0xc3])]), data: 'y' }, { name: '[Content_Types].xml', data: 'z', claimedSize: 2 * 1024 * 1024 }, { name: 'n', data: '' }]);
  for (const descriptor of ['signed', 'unsigned', 'zip64'] as const) {
    for (const method of [0, 8] as const) {
      out.push([`streamed ${descriptor} m${method} odf`, streamedZip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', method, descriptor }, { name: 'content.xml', data: filler, method, descriptor }])]);
      out.push([`streamed ${descriptor} m${method} ooxml`, streamedZip([{ name: '[Content_Types].xml', data: contentTypes(OOXML_MAINS[2]!), method, descriptor }])]);
      out.push([`streamed ${descriptor} m${method} jar`, streamedZip([{ name: 'a.txt', data: filler, method, descriptor }, { name: 'META-INF/MANIFEST.MF', data: 'x', method, descriptor }])]);
    }
  }
  return out;
}

describe('zipHeadType = file-type', () => {
  test('archives built here: every layout, each cut and damaged', async () => {
    const tally = newTally();
    const archives = builtArchives();
    let intactAnswered = 0;
    for (const [i, [label, zip]] of archives.entries()) {
      if (zipHeadType(zip.subarray(0, HEAD)) !== null) intactAnswered++;
      await compareWithDamage(zip, label, tally, 1000 + i);
    }
    expect(tally.mismatches).toEqual([]);
    // The walk answers the intact heads (only a content-types entry it cannot inflate cleanly is left to file-type).
    expect(intactAnswered).toBeGreaterThanOrEqual(archives.length - 2);
    expect(tally.answered / tally.heads).toBeGreaterThan(0.9);
  }, 300_000);

  test('verdicts the walk must reach: OOXML, ODF, EPUB, jar, apk, xpi, 3MF, folders, zip', () => {
    const verdict = (label: string): string | undefined => {
      const zip = builtArchives().find(([l]) => l === label)?.[1];
      return zip ? zipHeadType(zip.subarray(0, HEAD))?.ext : 'no such archive';
    };
    expect(verdict(`ooxml ${OOXML_MAINS[0]} m8`)).toBe('docx');
    expect(verdict(`ooxml ${OOXML_MAINS[6]} m0`)).toBe('xlsm');
    expect(verdict(`odf ${JSON.stringify(MIMETYPES[0])} m0`)).toBe('odt');
    expect(verdict(`odf ${JSON.stringify(MIMETYPES[4])} m8`)).toBe('epub');
    expect(verdict('jar')).toBe('jar');
    expect(verdict('apk classes2.dex')).toBe('apk');
    expect(verdict('xpi')).toBe('xpi');
    expect(verdict('3mf')).toBe('3mf');
    expect(verdict('content types too large')).toBe('zip');
    expect(verdict('plain')).toBe('zip');
    expect(verdict('streamed signed m8 odf')).toBe('odt');
    expect(zipHeadType(Buffer.from('PK\x05\x06'))).toBeNull();
  });

  test('a content-types entry with trailing junk after its deflate data is left to file-type', () => {
    const zip = buildZip({ entries: [{ name: '[Content_Types].xml', data: contentTypes(OOXML_MAINS[0]!) }] });
    const junk = Buffer.from(zip);
    junk.writeUInt32LE(junk.readUInt32LE(0x12) + 1, 0x12);
    expect(zipHeadType(junk)).toBeNull();
    expect(zipHeadType(zip)?.ext).toBe('docx');
  });

  test('remembered content-types verdicts: heads sharing the entry but nothing else get file-type\'s verdict on each', async () => {
    const tally = newTally();
    for (const main of OOXML_MAINS) {
      for (const extra of [[], [{ name: 'word/document.xml', data: '<w/>' }], [{ name: 'META-INF/MANIFEST.MF', data: 'x' }]]) {
        const zip = buildZip({ entries: [{ name: '[Content_Types].xml', data: contentTypes(main) }, ...extra] });
        const touched = Buffer.from(zip);
        touched.writeUInt32LE(0x12345678, 0x0a); // time and date
        touched.writeUInt32LE(0xdeadbeef, 0x0e); // CRC
        const streamed = Buffer.from(zip);
        streamed.writeUInt16LE(streamed.readUInt16LE(6) | 8, 6); // sizes said to follow: file-type then wants a descriptor
        // Twice each: the second answer comes from the remembered verdict.
        for (const head of [zip, touched, streamed, zip, touched, streamed]) await compare(head, main, tally);
      }
    }
    expect(tally.mismatches).toEqual([]);
    expect(tally.answered).toBe(tally.heads);
  });

  test('the fingerprint of a ZIP head names file-type\'s format', async () => {
    for (const [label, zip] of builtArchives()) {
      const head = zip.subarray(0, HEAD);
      const fp = await fingerprint(bufferSource(head), head, 'x.bin');
      const direct = await fileTypeFromBuffer(head);
      expect(`${label}: ${fp.format} ${fp.mime}`).toBe(`${label}: ${direct?.ext ?? null} ${direct?.mime ?? null}`);
    }
  });

  const corpus = corpusAvailable();
  testIf(corpus, CORPUS_MISSING)('every ZIP-like corpus file, each cut and damaged', async () => {
    const tally = newTally();
    let files = 0;
    await forEachFileHead(CORPUS_DIR, async ({ relPath, head }) => {
      if (head.length < 4 || head.readUInt32LE(0) !== LOCAL_SIGNATURE) return;
      files++;
      await compareWithDamage(head, relPath, tally, files);
    });
    expect(tally.mismatches).toEqual([]);
    expect(files).toBeGreaterThan(10);
  }, 300_000);

  const python = toolAvailable('python3');
  testIf(python, toolMissing('python3'))('python3 zipfile: seekable and streamed, stored, deflated, bzip2, lzma, zip64', async () => {
    const dir = tempDir('zip-head-py');
    try {
      const script = `
import io, sys, zipfile
out = sys.argv[1]
class Unseekable(io.RawIOBase):
    def __init__(self, f): self.f = f
    def writable(self): return True
    def write(self, b): return self.f.write(b)
layouts = {
  'odt': [('mimetype', b'application/vnd.oasis.opendocument.text', zipfile.ZIP_STORED), ('content.xml', b'<x/>' * 300, zipfile.ZIP_DEFLATED)],
  'epub': [('mimetype', b'application/epub+zip', zipfile.ZIP_STORED), ('OEBPS/a.xhtml', b'<p/>' * 300, zipfile.ZIP_DEFLATED)],
  'docx': [('[Content_Types].xml', b'<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>', zipfile.ZIP_DEFLATED), ('word/document.xml', b'<w/>', zipfile.ZIP_DEFLATED)],
  'jar': [('META-INF/MANIFEST.MF', b'Manifest-Version: 1.0\\n', zipfile.ZIP_DEFLATED)],
  'apk': [('AndroidManifest.xml', b'\\0' * 900, zipfile.ZIP_DEFLATED), ('classes.dex', b'dex\\n035', zipfile.ZIP_STORED)],
  'xpi': [('manifest.json', b'{}', zipfile.ZIP_DEFLATED), ('META-INF/mozilla.rsa', b'x', zipfile.ZIP_STORED)],
  'odt-bzip2': [('mimetype', b'application/vnd.oasis.opendocument.text', zipfile.ZIP_BZIP2)],
  'docx-lzma': [('[Content_Types].xml', b'<Types ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>', zipfile.ZIP_LZMA)],
}
for name, entries in layouts.items():
    for mode in ('seek', 'stream', 'zip64'):
        path = f'{out}/{name}-{mode}.zip'
        with open(path, 'wb') as f:
            target = Unseekable(f) if mode == 'stream' else f
            with zipfile.ZipFile(target, 'w') as z:
                for n, data, method in entries:
                    if mode == 'zip64':
                        with z.open(zipfile.ZipInfo(n), 'w', force_zip64=True) as w: w.write(data)
                    else:
                        z.writestr(n, data, compress_type=method)
`;
      writeFileSync(path.join(dir, 'make.py'), script);
      execFileSync('python3', [path.join(dir, 'make.py'), dir], { stdio: 'pipe' });
      await compareDirectory(dir, 20);
    } finally {
      removeTree(dir);
    }
  }, 300_000);

  const zipCli = toolAvailable('zip');
  testIf(zipCli, toolMissing('zip'))('zip CLI: deflated, stored, streamed to a pipe, zip64, encrypted', async () => {
    const dir = tempDir('zip-head-cli');
    try {
      const src = path.join(dir, 'src');
      execFileSync('mkdir', ['-p', path.join(src, 'word'), path.join(src, 'META-INF')]);
      writeFileSync(path.join(src, 'mimetype'), 'application/vnd.oasis.opendocument.spreadsheet');
      writeFileSync(path.join(src, '[Content_Types].xml'), contentTypes(OOXML_MAINS[1]!));
      writeFileSync(path.join(src, 'word', 'document.xml'), '<w/>'.repeat(500));
      writeFileSync(path.join(src, 'META-INF', 'MANIFEST.MF'), 'Manifest-Version: 1.0\n');
      const sets: Record<string, string[]> = { ods: ['mimetype', 'word/document.xml'], xlsx: ['[Content_Types].xml', 'word/document.xml'], jar: ['word/document.xml', 'META-INF/MANIFEST.MF'] };
      for (const [kind, files] of Object.entries(sets)) {
        for (const [variant, flags] of [['deflated', ['-X']], ['stored', ['-X', '-0']], ['zip64', ['-X', '-fz']], ['encrypted', ['-X', '-P', 'pw']]] as const) {
          execFileSync('zip', ['-q', ...flags, path.join(dir, `${kind}-${variant}.zip`), ...files], { cwd: src, stdio: 'pipe' });
        }
        // Written to a pipe: zip cannot seek back, so sizes go to data descriptors.
        const streamed = execFileSync('sh', ['-c', `zip -q -X - ${files.map((f) => `'${f}'`).join(' ')} | cat`], { cwd: src });
        writeFileSync(path.join(dir, `${kind}-streamed.zip`), streamed);
      }
      await compareDirectory(dir, 15);
    } finally {
      removeTree(dir);
    }
  }, 300_000);

  const sevenZip = toolAvailable('7zz');
  testIf(sevenZip, toolMissing('7zz'))('7-Zip: stored, deflate, deflate64, bzip2, LZMA, ZipCrypto, AES', async () => {
    const dir = tempDir('zip-head-7z');
    try {
      writeFileSync(path.join(dir, 'mimetype'), 'application/epub+zip');
      writeFileSync(path.join(dir, '[Content_Types].xml'), contentTypes(OOXML_MAINS[2]!));
      writeFileSync(path.join(dir, 'classes.dex'), 'dex\n035'.repeat(50));
      const methods: Array<[string, string[]]> = [
        ['stored', ['-mx0']], ['deflate', ['-mm=Deflate']], ['deflate64', ['-mm=Deflate64']], ['bzip2', ['-mm=BZip2']], ['lzma', ['-mm=LZMA']],
        ['zipcrypto', ['-ppw', '-mem=ZipCrypto']], ['aes', ['-ppw', '-mem=AES256']],
      ];
      for (const [label, flags] of methods) {
        for (const first of ['mimetype', '[Content_Types].xml', 'classes.dex']) {
          execFileSync('7zz', ['a', '-tzip', '-bd', '-y', ...flags, path.join(dir, `${label}-${first.replace(/\W/g, '')}.zip`), first], { cwd: dir, stdio: 'pipe' });
        }
      }
      await compareDirectory(dir, methods.length * 3);
    } finally {
      removeTree(dir);
    }
  }, 300_000);
});

/** Every ZIP head under `dir`, each cut and damaged; at least `min` heads. */
async function compareDirectory(dir: string, min: number): Promise<void> {
  const tally = newTally();
  let files = 0;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.zip') && !name.endsWith('.jar')) continue;
    const head = readFileSync(path.join(dir, name)).subarray(0, HEAD);
    files++;
    await compareWithDamage(head, name, tally, files);
  }
  expect(tally.mismatches).toEqual([]);
  expect(files).toBeGreaterThanOrEqual(min);
}

/**
 * The bench trees when `npm run bench` has made them; otherwise versions of them made here (10,000
 * files each, the same generator and seed), so that the comparison runs on every machine.
 */
const BENCH_TREES = ['tree-10k-findings', 'tree-100k'].map((t) => path.join('/tmp/stagehunt-bench', t));
const benchTreesPresent = BENCH_TREES.every((t) => existsSync(t));
describe('zipHeadType = file-type on the bench trees', () => {
  let made: string | null = null;
  const trees = benchTreesPresent ? BENCH_TREES : ['tree-10k-findings', 'tree-10k-mixed'];
  const treePath = (tree: string): string => (benchTreesPresent ? tree : path.join(made!, tree));
  beforeAll(async () => {
    if (benchTreesPresent) return;
    made = tempDir('zip-head-trees');
    const { generate } = (await import(path.resolve('bench/generate-tree.mjs'))) as { generate: (a: Record<string, unknown>, log?: (m: string) => void) => unknown };
    for (const [name, profile] of [['tree-10k-findings', 'findings'], ['tree-10k-mixed', 'mixed']] as const) {
      generate({ out: path.join(made, name), files: 10_000, uniform: 0, seed: 7401, force: true, profile }, () => undefined);
    }
  }, 300_000);
  afterAll(() => {
    if (made) removeTree(made);
  });
  for (const tree of trees) {
    test(`every ZIP-like head of ${path.basename(tree)}, and the fingerprint's format`, async () => {
      const tally = newTally();
      await forEachFileHead(treePath(tree), async ({ relPath, head, name }) => {
        if (head.length < 4 || head.readUInt32LE(0) !== LOCAL_SIGNATURE) return;
        await compare(head, relPath, tally);
        if (tally.heads % 97 === 0) {
          // A sample through the whole fingerprint: the format a scan reports is file-type's.
          const fp = await fingerprint(bufferSource(head), head, name);
          const direct = await fileTypeFromBuffer(head);
          if (fp.format !== direct?.ext) tally.mismatches.push(`${relPath}: fingerprint ${fp.format} file-type ${direct?.ext}`);
        }
      });
      expect(tally.mismatches).toEqual([]);
      expect(tally.heads).toBeGreaterThan(1000);
      expect(tally.answered).toBe(tally.heads);
    }, 900_000);
  }
});
