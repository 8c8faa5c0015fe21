/**
 * An NTFS volume whose staged archives were deleted and their MFT records wiped (carving's test
 * image, docs/images.md "Carving"), built without mounting: mkntfs + ntfscp for the files, then the
 * records of the "wiped" ones zeroed and their clusters cleared in $Bitmap, as when a record is
 * reused after `del` or a wiper zeroes it. Their content stays where NTFS wrote it, unallocated:
 *   - collect.7z: documents packed by 7-Zip with encrypted headers (-mhe -p);
 *   - docs.7z: documents in a plain 7z (its names listable);
 *   - loot.zip: documents and a KeePass database in a ZIP (Info-ZIP);
 *   - corpus RAR5 with encrypted file names (libarchive's test file);
 *   - report.docx: a ZIP-based Office package (not an archive of collected files: no finding);
 * beside them holiday.jpg, a 7z under a picture's name deleted normally (record freed, not wiped:
 * it still names its clusters), and keep.7z, a live archive (allocated: never carved). The benign
 * background, deleted and wiped the same way: what a lived-in disk's free space holds (an embeddable
 * Python download, fonts, holiday photos, a source tree, rotated logs, a Java package).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { corpusPath } from '../helpers/corpus.js';
import { fileSource } from './helpers.js';
import { dataClusters, setClusterBits } from './staged-image.js';

export const CARVE_TOOLS = ['mkntfs', 'ntfscp', '7zz', 'zip'];
export const CARVE_RAR = 'archives/libarchive/test_read_format_rar5_encrypted_filenames.rar';

export interface CarvedFile {
  name: string;
  /** The bytes written (what a carve of the whole archive must hash to). */
  bytes: Buffer;
  /** First cluster of its content. */
  cluster: number;
  clusters: number[];
  entry: number;
}

export interface CarveImage {
  image: string;
  clusterSize: number;
  /** Deleted, records zeroed. */
  wiped: Record<'collect.7z' | 'docs.7z' | 'loot.zip' | 'encrypted.rar' | 'report.docx', CarvedFile>;
  /** Deleted, record freed but intact. */
  freed: CarvedFile;
  /** Live. */
  live: CarvedFile;
  /** Deleted, records zeroed: ordinary archives of a lived-in disk. */
  benign: CarvedFile[];
}

/** The benign background's archives: name, tool, and the files in them. */
const BENIGN: ReadonlyArray<{ name: string; files: string[] }> = [
  { name: 'python-3.12.1-embed-amd64.zip', files: ['python.exe', 'python312.dll', '_socket.pyd', 'LICENSE.txt', 'python312._pth'] },
  { name: 'fonts.zip', files: ['OpenSans-Regular.ttf', 'OpenSans-Bold.ttf', 'OFL.txt'] },
  { name: 'holiday-photos.zip', files: ['IMG_0001.jpg', 'IMG_0002.jpg', 'IMG_0003.jpg'] },
  { name: 'webapp-src.7z', files: ['index.js', 'package.json', 'README.md', 'app.css'] },
  { name: 'logs-2024-05.7z', files: ['app.log', 'app.log.1', 'error.log'] },
  { name: 'tool.jar', files: ['META-INF/MANIFEST.MF', 'com/example/Main.class'] },
];

const env = { ...process.env, TZ: 'UTC' };

export function buildCarveImage(dir: string): CarveImage {
  const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const src = path.join(dir, 'src');
  const docs = path.join(src, 'Documents');
  mkdirSync(docs, { recursive: true });
  // Documents with some body each (the archives then span several clusters).
  const body = (seed: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i} of document ${seed}: quarterly figures ${(i * 7919 + seed) % 1000}\n`).join(''));
  writeFileSync(path.join(docs, 'Q3-budget.xlsx'), body(1, 900));
  writeFileSync(path.join(docs, 'contract-draft.docx'), body(2, 700));
  writeFileSync(path.join(docs, 'board-minutes.pdf'), body(3, 800));
  writeFileSync(path.join(docs, 'Passwords.kdbx'), body(4, 300));
  run('7zz', ['a', '-bso0', '-bsp0', '-mhe=on', '-pS3cret!', '-mx=1', path.join(src, 'collect.7z'), 'Q3-budget.xlsx', 'contract-draft.docx', 'board-minutes.pdf'], docs);
  run('7zz', ['a', '-bso0', '-bsp0', '-mx=1', path.join(src, 'docs.7z'), 'Q3-budget.xlsx', 'contract-draft.docx', 'board-minutes.pdf'], docs);
  run('zip', ['-q', '-X', path.join(src, 'loot.zip'), 'Q3-budget.xlsx', 'contract-draft.docx', 'board-minutes.pdf', 'Passwords.kdbx'], docs);
  writeFileSync(path.join(src, 'encrypted.rar'), readFileSync(corpusPath(CARVE_RAR)));
  // An Office package: [Content_Types].xml first, as Word writes it.
  const pkg = path.join(src, 'pkg');
  mkdirSync(path.join(pkg, 'word'), { recursive: true });
  mkdirSync(path.join(pkg, '_rels'), { recursive: true });
  writeFileSync(path.join(pkg, '[Content_Types].xml'), '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  writeFileSync(path.join(pkg, '_rels', '.rels'), '<?xml version="1.0"?><Relationships/>');
  writeFileSync(path.join(pkg, 'word', 'document.xml'), body(5, 400));
  run('zip', ['-q', '-X', '-r', path.join(src, 'report.docx'), '[Content_Types].xml', '_rels', 'word'], pkg);
  run('7zz', ['a', '-bso0', '-bsp0', '-mx=1', path.join(src, 'holiday.jpg'), 'board-minutes.pdf', '-t7z'], docs);
  run('7zz', ['a', '-bso0', '-bsp0', '-mx=1', path.join(src, 'keep.7z'), 'Q3-budget.xlsx'], docs);
  for (const [i, b] of BENIGN.entries()) {
    const at = path.join(src, `benign-${i}`);
    for (const f of b.files) {
      mkdirSync(path.dirname(path.join(at, f)), { recursive: true });
      writeFileSync(path.join(at, f), body(10 + i, 200));
    }
    if (b.name.endsWith('.7z')) run('7zz', ['a', '-bso0', '-bsp0', '-mx=1', path.join(src, b.name), ...b.files], at);
    else run('zip', ['-q', '-X', path.join(src, b.name), ...b.files], at);
  }

  const image = path.join(dir, 'carve.img');
  writeFileSync(image, Buffer.alloc(0));
  run('truncate', ['-s', '24M', image]);
  run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'CARVE', '-q', image]);
  const names = ['collect.7z', 'docs.7z', 'loot.zip', 'encrypted.rar', 'report.docx', 'holiday.jpg', 'keep.7z'] as const;
  const all: string[] = [...names, ...BENIGN.map((b) => b.name)];
  for (const n of all) run('ntfscp', ['-f', image, path.join(src, n), `/${n}`]);

  const v = openNtfs(fileSource(image));
  const bytes = readFileSync(image);
  const mftAt = Number(bytes.readBigUInt64LE(0x30)) * v.clusterSize;
  const files = new Map<string, CarvedFile>();
  for (const n of all) {
    const ref = v.lookup(`/${n}`);
    if (!ref) throw new Error(`${n} not on the image`);
    const rec = bytes.subarray(mftAt + ref.entry * v.recordSize, mftAt + (ref.entry + 1) * v.recordSize);
    const clusters = dataClusters(rec, ref.entry);
    files.set(n, { name: n, bytes: readFileSync(path.join(src, n)), cluster: clusters[0]!, clusters, entry: ref.entry });
  }
  for (const n of all) {
    const f = files.get(n)!;
    if (n === 'keep.7z') continue;
    const at = mftAt + f.entry * v.recordSize;
    if (n === 'holiday.jpg') {
      // `del`: in-use flag cleared, sequence bumped; the record keeps its name and runs.
      bytes.writeUInt16LE(bytes.readUInt16LE(at + 0x16) & ~1, at + 0x16);
      bytes.writeUInt16LE((bytes.readUInt16LE(at + 0x10) + 1) & 0xffff, at + 0x10);
    } else bytes.fill(0, at, at + v.recordSize); // record reused or wiped: nothing names the content
    setClusterBits(bytes, f.clusters, false);
  }
  writeFileSync(image, bytes);
  const file = (n: (typeof names)[number]) => files.get(n)!;
  return {
    image,
    clusterSize: v.clusterSize,
    wiped: { 'collect.7z': file('collect.7z'), 'docs.7z': file('docs.7z'), 'loot.zip': file('loot.zip'), 'encrypted.rar': file('encrypted.rar'), 'report.docx': file('report.docx') },
    freed: file('holiday.jpg'),
    live: file('keep.7z'),
    benign: BENIGN.map((b) => files.get(b.name)!),
  };
}
