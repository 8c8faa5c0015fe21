/**
 * A disk image end to end: container -> media -> partitions -> one EvidenceFs per readable file
 * system, labelled `<image name>#p<N>` (or the image name for a bare file system).
 */
import path from 'node:path';
import { pushAll } from '../../util/arrays.js';
import type { AtimeAudit } from '../reader.js';
import type { EvidenceFs } from '../fs.js';
import { sliceSource } from './container/block-source.js';
import { openImage, type OpenedImage } from './container/index.js';
import { openCollection, looksLikeCollection } from './fs/collection-zip.js';
import { detectFs, openFileSystem, type FsKind } from './fs/index.js';
import { readVolumeLayout, type Partition, type VolumeLayout } from './volume/index.js';

export interface ImageVolume {
  label: string;
  partition: Partition | null;
  /** Byte offset of the file system in the media. */
  offset: number;
  kind: FsKind | 'collection';
  fs: EvidenceFs | null;
}

export interface DiskImage {
  image: OpenedImage;
  layout: VolumeLayout;
  volumes: ImageVolume[];
  warnings: string[];
  close(): void;
}

export function openDiskImage(given: string, audit?: AtimeAudit): DiskImage {
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
