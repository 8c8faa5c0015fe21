/**
 * Opens a disk-image file as its logical media: detects the container from its bytes (then its
 * name, for split raw), finds sibling segments / extents / a VHD parent in the same directory, and
 * returns one ByteSource. The only file-system access of the image readers is here, read-only
 * through openEvidenceFile (O_NOATIME, O_NOFOLLOW, regular files only).
 */
import { fileErrorText } from '../../../util/errno.js';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { ByteSource } from '../../../util/byte-source.js';
import { pushAll } from '../../../util/arrays.js';
import { openEvidenceFile, type AtimeAudit, type OpenedFile } from '../../reader.js';
import { concatSources } from './block-source.js';
import { ewfSegmentName, isEwf, openEwf, type EwfInfo } from './ewf.js';
import { isQcow2, openQcow2, type Qcow2Info } from './qcow2.js';
import { isVhd, openVhd, vhdParentName, type VhdInfo } from './vhd.js';
import { isVhdx, openVhdx, type VhdxInfo } from './vhdx.js';
import { isSparseVmdk, isVmdkDescriptor, openSparseExtent, parseVmdkDescriptor, vmdkDescriptorText, type VmdkInfo } from './vmdk.js';

export type ContainerFormat = 'raw' | 'split-raw' | 'ewf' | 'vhd' | 'vhdx' | 'vmdk' | 'qcow2';

export interface RawInfo {
  format: 'raw' | 'split-raw';
  mediaSize: number;
  segments: number;
}
export type ContainerInfo = RawInfo | EwfInfo | VhdInfo | VhdxInfo | VmdkInfo | Qcow2Info;

export interface OpenedImage {
  format: ContainerFormat;
  media: ByteSource;
  info: ContainerInfo;
  /** Every file opened for it (segments, extents, parent). */
  files: string[];
  warnings: string[];
  close(): void;
}

/** Segments of a split raw image or EWF set looked for after the first. */
const MAX_SEGMENT_FILES = 10_000;
/** A VHD differencing chain longer than this is refused (loops through renamed parents). */
const MAX_PARENT_DEPTH = 16;

export class ImageError extends Error {}

/** Split raw: `x.000`/`x.001` first segment, followed by the next numbers of the same width. */
function splitRawNames(first: string): string[] | null {
  const m = /^(.*\.)(\d{3,})$/.exec(first);
  if (!m) return null;
  const start = Number(m[2]);
  if (start > 1) return null;
  const names = [first];
  for (let n = start + 1; names.length < MAX_SEGMENT_FILES; n++) {
    const next = `${m[1]}${String(n).padStart(m[2]!.length, '0')}`;
    if (!existsSync(next)) break;
    names.push(next);
  }
  return names.length > 1 ? names : null;
}

export function openImage(given: string, audit: AtimeAudit = { preserved: 0, mayChange: 0 }, depth = 0): OpenedImage {
  let abs: string;
  try {
    abs = realpathSync(path.resolve(given));
  } catch (err) {
    throw new ImageError(`image not found: ${given} (${fileErrorText(err)})`);
  }
  /** What is closed with the image: its files, and a parent image. */
  const opened: Array<Pick<OpenedFile, 'close'>> = [];
  const files: string[] = [];
  const warnings: string[] = [];
  const open = (p: string): ByteSource => {
    const f = openEvidenceFile(p, path.basename(p), audit);
    opened.push(f);
    files.push(p);
    return f.source;
  };
  const closeAll = (): void => {
    for (const f of opened.splice(0)) {
      try {
        f.close();
      } catch {
        /* already closed */
      }
    }
  };
  const name = path.basename(abs);
  try {
    const first = open(abs);
    const head = first.read(0, 512);
    // A thread fetching the media's blocks ahead reads these files' descriptors: it ends before they are closed.
    const close = (media: ByteSource) => (): void => {
      media.fetchAhead?.stop();
      closeAll();
    };
    const done = (format: ContainerFormat, media: ByteSource, info: ContainerInfo): OpenedImage => ({ format, media, info, files, warnings, close: close(media) });
    if (isEwf(head)) {
      const segs = [first];
      for (let n = 2; n <= MAX_SEGMENT_FILES; n++) {
        const next = ewfSegmentName(abs, n);
        if (!next || !existsSync(next)) break;
        segs.push(open(next));
      }
      const { source, info } = openEwf(segs, name, warnings);
      return done('ewf', source, info);
    }
    if (isVhdx(head)) {
      const { source, info } = openVhdx(first, name, warnings);
      return done('vhdx', source, info);
    }
    if (isQcow2(head)) {
      const { source, info } = openQcow2(first, name, warnings);
      return done('qcow2', source, info);
    }
    if (isSparseVmdk(head) || isVmdkDescriptor(head)) {
      const text = vmdkDescriptorText(first);
      const desc = text ? parseVmdkDescriptor(text) : { extents: [] as never[], createType: undefined, parentHint: undefined };
      if (desc.parentHint) warnings.push(`VMDK ${name}: child of '${desc.parentHint}'; the parent is not read (its sectors read as zeros)`);
      let parts: ByteSource[];
      if (isSparseVmdk(head) && desc.extents.length <= 1) parts = [openSparseExtent(first, name, warnings)];
      else {
        parts = desc.extents.map((e) => {
          if (e.type === 'ZERO' || !e.file) return zeroSource(e.sectors * 512, 'zero extent');
          const p = path.join(path.dirname(abs), path.basename(e.file)); // extents live next to the descriptor
          if (p === abs && isSparseVmdk(head)) return openSparseExtent(first, name, warnings);
          const src = open(p);
          if (e.type === 'SPARSE' || e.type === 'VMFSSPARSE') return openSparseExtent(src, path.basename(p), warnings);
          return offsetSource(src, e.offset * 512, e.sectors * 512);
        });
        if (parts.length === 0) throw new ImageError(`VMDK ${name}: descriptor lists no extent`);
      }
      const media = concatSources(parts, name);
      return done('vmdk', media, { format: 'vmdk', kind: desc.createType ?? 'monolithicSparse', mediaSize: media.size, extents: parts.length, parentHint: desc.parentHint });
    }
    if (isVhd(first)) {
      let parent: ByteSource | undefined;
      const parentName = vhdParentName(first);
      if (parentName) {
        const base = parentName.split(/[\\/]/).pop() ?? '';
        const p = path.join(path.dirname(abs), base);
        if (base && depth < MAX_PARENT_DEPTH && existsSync(p) && p !== abs) {
          const sub = openImage(p, audit, depth + 1);
          opened.push({ close: sub.close });
          pushAll(files, sub.files.slice(0, 100));
          pushAll(warnings, sub.warnings.slice(0, 100));
          parent = sub.media;
        }
      }
      const { source, info } = openVhd(first, name, warnings, parent);
      return done('vhd', source, info);
    }
    const splits = splitRawNames(abs);
    if (splits) {
      const parts = [first, ...splits.slice(1).map(open)];
      const media = concatSources(parts, name);
      return done('split-raw', media, { format: 'split-raw', mediaSize: media.size, segments: parts.length });
    }
    return done('raw', first, { format: 'raw', mediaSize: first.size, segments: 1 });
  } catch (err) {
    closeAll();
    if (err instanceof ImageError) throw err;
    throw new ImageError(`${name}: ${(err as Error).message}`);
  }
}

function zeroSource(size: number, name: string): ByteSource {
  return { size, name, read: (p, n) => Buffer.alloc(Math.max(0, Math.min(n, size - p))) };
}

function offsetSource(src: ByteSource, offset: number, size: number): ByteSource {
  return {
    size,
    name: src.name,
    read(p: number, n: number): Buffer {
      if (p < 0 || p >= size || n <= 0) return Buffer.alloc(0);
      const want = Math.min(n, size - p);
      const got = src.read(offset + p, want);
      return got.length === want ? got : Buffer.concat([got, Buffer.alloc(want - got.length)]);
    },
  };
}
