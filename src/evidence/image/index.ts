/**
 * A disk image end to end: container -> media -> partitions -> one EvidenceFs per readable file
 * system, labelled `<image name>#p<N>` (or the image name for a bare file system), and after each
 * NTFS volume its shadow copies, oldest first, labelled `<volume label>#vss<N>` (vss/index.ts).
 */
import path from 'node:path';
import { pushAll } from '../../util/arrays.js';
import type { AtimeAudit } from '../reader.js';
import type { EvidenceFs } from '../fs.js';
import { sliceSource } from './container/block-source.js';
import { openImage, type OpenedImage } from './container/index.js';
import { openCollection, looksLikeCollection } from './fs/collection-zip.js';
import { detectFs, openFileSystem, type FsKind } from './fs/index.js';
import { shadowCopyLabel } from '../../model/shadow-copy.js';
import { NtfsFs } from './fs/ntfs.js';
import { readVolumeLayout, type Partition, type VolumeLayout } from './volume/index.js';
import { readShadowCopies, type ShadowCopy } from './vss/index.js';

export interface ImageVolume {
  label: string;
  partition: Partition | null;
  /** Byte offset of the file system in the media. */
  offset: number;
  kind: FsKind | 'collection';
  fs: EvidenceFs | null;
  /** A shadow copy of the volume labelled `of`: what it is (its bytes are `fs`'s). */
  shadowCopy?: ShadowCopyVolume;
}

export type ShadowCopyVolume = Omit<ShadowCopy, 'source'> & { of: string };

export interface DiskImageOptions {
  /** Read each NTFS volume's shadow copies as volumes of their own (default true). */
  shadowCopies?: boolean;
}

export interface DiskImage {
  image: OpenedImage;
  layout: VolumeLayout;
  volumes: ImageVolume[];
  warnings: string[];
  close(): void;
}

export function openDiskImage(given: string, audit?: AtimeAudit, options: DiskImageOptions = {}): DiskImage {
  const image = openImage(given, audit);
  const name = path.basename(given);
  const warnings = [...image.warnings];
  const layout = readVolumeLayout(image.media);
  pushAll(warnings, layout.warnings);
  const volumes: ImageVolume[] = [];
  if (layout.scheme === 'none' && image.format === 'raw' && detectFs(image.media) === 'unknown' && looksLikeCollection(image.media)) {
    // a Velociraptor / CyLR / KAPE collection ZIP: one file system per collected drive
    for (const fs of openCollection(image.media, name, warnings)) volumes.push({ label: fs.label, partition: null, offset: 0, kind: 'collection', fs });
  } else if (layout.scheme === 'none') {
    const kind = detectFs(image.media);
    volumes.push({ label: name, partition: null, offset: 0, kind, fs: openFileSystem(image.media, name, warnings) });
  } else {
    for (const p of layout.partitions) {
      const offset = p.startSector * p.sectorSize;
      const label = `${name}#p${p.number}`;
      const part = sliceSource(image.media, offset, p.sectors * p.sectorSize, label);
      const kind = detectFs(part);
      volumes.push({ label, partition: p, offset, kind, fs: kind === 'unknown' ? null : openFileSystem(part, label, warnings) });
    }
  }
  if (options.shadowCopies !== false) {
    const withCopies: ImageVolume[] = [];
    for (const v of volumes) {
      withCopies.push(v);
      if (v.fs instanceof NtfsFs) pushAll(withCopies, shadowCopyVolumes(v, v.fs, warnings));
    }
    volumes.length = 0;
    pushAll(volumes, withCopies);
  }
  return {
    image,
    layout,
    volumes,
    warnings,
    close() {
      for (const v of volumes) v.fs?.close();
      image.close();
    },
  };
}

/** An NTFS volume's shadow copies, each a volume whose listings leave out the files it shares with the live one. */
function shadowCopyVolumes(v: ImageVolume, live: NtfsFs, warnings: string[]): ImageVolume[] {
  const copies: ImageVolume[] = [];
  for (const { source, ...copy } of readShadowCopies(live.source, v.label, warnings)) {
    const label = shadowCopyLabel(v.label, copy.number);
    let fs: EvidenceFs | null = null;
    try {
      fs = new NtfsFs(source, label, live);
    } catch (err) {
      warnings.push(`${label}: ${(err as Error).message}`);
    }
    copies.push({ label, partition: v.partition, offset: v.offset, kind: 'ntfs', fs, shadowCopy: { of: v.label, ...copy } });
  }
  return copies;
}
