/**
 * The carve stage (`scan --carve`, docs/images.md "Carving"): once per image root, after the NTFS
 * trace stage, the file system's free space is read for archives (src/artifacts/carve/carve.ts). A
 * deleted NTFS archive whose content the trace stage already recovered by its record is not carved
 * again. Directory roots and shadow copies are not carved (no free space of their own to read).
 */
import type { EvidenceFs } from '../evidence/fs.js';
import type { HashSettings } from '../evidence/hash-source.js';
import type { Candidate } from '../rules/types.js';
import { carveArchives } from '../artifacts/carve/carve.js';
import type { TraceStageResult } from './ntfs-traces.js';

export interface CarveStageOptions {
  /** --hash's algorithms and size cap (undefined with --hash none). */
  hash: HashSettings | undefined;
  /** Told as carving reads: bytes of free space read, of the volume's total. */
  onProgress?(read: number, total: number): void;
  yieldNow(): Promise<void>;
}

export async function carveFreeSpace(fs: EvidenceFs, traced: readonly Candidate[], opts: CarveStageOptions): Promise<TraceStageResult> {
  const space = fs.freeSpace?.() ?? null;
  if (!space) return { candidates: [], warnings: [] };
  // Content the trace stage recovered by its deleted record is reported there already.
  const reported = new Set<number>();
  for (const c of traced) {
    const mft = c.details?.mft as { entry?: number } | undefined;
    if (c.details?.recovered && typeof mft?.entry === 'number') reported.add(mft.entry);
  }
  const carved = await carveArchives(space, { volumeRel: '', reported, ...(opts.hash ? { hash: opts.hash } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), yieldNow: opts.yieldNow });
  return { candidates: carved.candidates, warnings: carved.warnings };
}
