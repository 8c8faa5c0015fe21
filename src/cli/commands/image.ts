/**
 * `stagehunt image <file>`: what a disk image holds, read in-process without mounting: the
 * container (EWF, VHD, VHDX, VMDK, QCOW2, raw, split raw), its partitions, the file system of each,
 * and with --list every entry as a bodyfile line (fls -r -p -m format, path prefixed by the volume
 * label). An NTFS volume's shadow copies are listed after it as volumes of their own (`#vss1` the
 * oldest). --verify recomputes the media MD5/SHA-1 of an E01 and compares them with the stored ones.
 */
import { createHash } from 'node:crypto';
import type { Argv } from 'yargs';
import { ImageError } from '../../evidence/image/container/index.js';
import { openDiskImage, type DiskImage } from '../../evidence/image/index.js';
import { bodyfileLine, walkFs } from '../../evidence/image/bodyfile.js';
import { escapeControls } from '../../util/text.js';
import { EXIT, UsageError } from '../errors.js';
import { typedArgs } from '../args.js';
import { writeStdout } from '../output.js';

export interface ImageArgs {
  file: string;
  list?: boolean;
  verify?: boolean;
  format: 'text' | 'json';
  shadowCopies: boolean;
  quiet?: boolean;
}

export function imageBuilder(y: Argv): Argv<ImageArgs> {
  return typedArgs<ImageArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'a disk image: .E01, .vhd, .vhdx, .vmdk, .qcow2, .raw/.dd/.img, .001/.000' })
    .option('list', { alias: 'l', type: 'boolean', default: false, describe: 'list every file of every readable file system (bodyfile lines, like fls -r -p -m)' })
    .option('verify', { type: 'boolean', default: false, describe: 'hash the whole media and compare with the MD5/SHA-1 stored in an E01 (exit 1 on mismatch)' })
    .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const })
    .option('shadow-copies', { type: 'boolean', default: true, describe: "list each NTFS volume's shadow copies (VSS) as volumes after it (default); --no-shadow-copies lists the live volumes only" }));
}

interface Verification {
  md5: string;
  sha1: string;
  storedMd5: string | null;
  storedSha1: string | null;
  ok: boolean | null;
}

function verify(img: DiskImage): Verification {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const media = img.image.media;
  const step = 4 * 1024 * 1024;
  for (let p = 0; p < media.size; p += step) {
    const b = media.read(p, step);
    md5.update(b);
    sha1.update(b);
  }
  const info = img.image.info as { storedMd5?: string; storedSha1?: string };
  const out: Verification = { md5: md5.digest('hex'), sha1: sha1.digest('hex'), storedMd5: info.storedMd5 ?? null, storedSha1: info.storedSha1 ?? null, ok: null };
  if (out.storedMd5 || out.storedSha1) out.ok = (!out.storedMd5 || out.storedMd5 === out.md5) && (!out.storedSha1 || out.storedSha1 === out.sha1);
  return out;
}

function* textReport(img: DiskImage, args: ImageArgs, v: Verification | null): Generator<string> {
  const info = img.image.info;
  yield `image: ${escapeControls(args.file)}\n`;
  yield `container: ${img.image.format}, media ${info.mediaSize} bytes${img.image.files.length > 1 ? `, ${img.image.files.length} files` : ''}\n`;
  yield `partitions: ${img.layout.scheme === 'none' ? 'none (bare file system)' : img.layout.scheme}\n`;
  for (const vol of img.volumes) {
    const p = vol.partition;
    const c = vol.shadowCopy;
    const where = c
      ? `shadow copy ${c.number} of ${escapeControls(c.of)}, made ${c.created ?? 'at an unknown time'}, store ${c.storeId}${c.operatingMachine ? `, machine ${escapeControls(c.operatingMachine)}` : ''}`
      : p
        ? `slot ${p.slot}, start ${p.startSector}, ${p.sectors} sectors, ${escapeControls(p.description)}`
        : 'whole media';
    yield `  ${escapeControls(vol.label)}: ${where}: ${vol.fs ? vol.fs.kind : vol.kind === 'unknown' ? 'no known file system' : `${vol.kind} (not readable yet)`}\n`;
  }
  if (v) {
    yield `media md5:  ${v.md5}${v.storedMd5 ? ` (stored ${v.storedMd5})` : ''}\n`;
    yield `media sha1: ${v.sha1}${v.storedSha1 ? ` (stored ${v.storedSha1})` : ''}\n`;
    yield `verify: ${v.ok === null ? 'no stored hash to compare' : v.ok ? 'SUCCESS' : 'MISMATCH'}\n`;
  }
  if (args.list) for (const vol of img.volumes) if (vol.fs) for (const e of walkFs(vol.fs)) yield `${escapeControls(bodyfileLine({ ...e, path: `${vol.label}${e.path}` }))}\n`;
}

export async function runImage(args: ImageArgs): Promise<number> {
  let img: DiskImage;
  try {
    img = openDiskImage(args.file, undefined, { shadowCopies: args.shadowCopies });
  } catch (err) {
    throw new UsageError(err instanceof ImageError ? err.message : `cannot open image ${args.file}: ${(err as Error).message}`);
  }
  try {
    const v = args.verify ? verify(img) : null;
    if (args.format === 'json') {
      const volumes = img.volumes.map((vol) => ({
        label: vol.label,
        partition: vol.partition,
        offset: vol.offset,
        fileSystem: vol.fs ? vol.fs.kind : vol.kind,
        readable: vol.fs !== null,
        ...(vol.shadowCopy ? { shadowCopy: vol.shadowCopy } : {}),
        entries: args.list && vol.fs ? [...walkFs(vol.fs)] : undefined,
        warnings: vol.fs ? vol.fs.warnings : [],
      }));
      await writeStdout(`${JSON.stringify({ image: args.file, container: img.image.info, files: img.image.files, partitions: img.layout, volumes, verify: v, warnings: img.warnings }, null, 2)}\n`);
    } else await writeStdout(textReport(img, args, v));
    if (!args.quiet) {
      const all = [...img.warnings, ...img.volumes.flatMap((vol) => vol.fs?.warnings ?? [])];
      for (const w of all.slice(0, 100)) process.stderr.write(`stagehunt: warning: ${escapeControls(w)}\n`);
    }
    return v && v.ok === false ? EXIT.findings : EXIT.ok;
  } finally {
    img.close();
  }
}
