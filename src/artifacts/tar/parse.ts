/** tar archives: the header walk over the file, bounded. */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveResult } from '../archive/summary.js';
import { emptySummary, entryRecord, withEntries } from '../archive/build.js';
import { volumeFromName } from '../archive/volume.js';
import { WindowReader } from '../archive/window.js';
import { looksLikeTar } from './layout.js';
import { walkTar } from './walk.js';

export async function parseTar(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  if (!looksLikeTar(src.read(0, 512))) return null;
  const reader = new WindowReader(src);
  const w = walkTar((pos, len) => reader.get(pos, len), src.size);
  const summary = withEntries(emptySummary('tar'), w.entries);
  summary.truncated = w.truncated;
  const byName = volumeFromName(ctx.name);
  summary.volume = w.multiVolume ? { index: null, multiVolume: true } : byName && byName.format === 'tar' ? byName.volume : null;
  summary.fields = { dialects: w.dialects, endMarker: w.endMarker };
  return {
    parser: 'tar',
    records: w.entries.map((e) => entryRecord(e)),
    warnings: w.warnings,
    corrupted: w.damaged,
    facts: summary,
  };
}
