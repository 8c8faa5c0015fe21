/** The RAR artifact parser (RAR 4 and RAR 5): records are archive entries, the summary is the archive contract. */
import type { ArtifactContext } from '../types.js';
import type { ArchiveParser, ArchiveResult } from '../archive/summary.js';
import type { ByteSource } from '../../util/byte-source.js';
import { archiveDetector } from '../archive/detect.js';
import { archiveResult } from '../archive/build.js';
import { parseRar, rarVersion } from './parse.js';
import { overlayFromHead } from '../sevenzip/sfx.js';
import { RAR4_SIGNATURE, RAR5_SIGNATURE } from './layout.js';
import { magicText } from '../claims.js';

function matches(ctx: ArtifactContext): boolean {
  // Every RAR volume starts with the signature, so the head decides; a PE with an overlay may be
  // a WinRAR SFX, which parse probes at that one offset.
  return rarVersion(ctx.head) !== null || ctx.format === 'rar' || overlayFromHead(ctx.head, ctx.size) !== null;
}

async function parse(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  return archiveResult('rar', parseRar(src, ctx.name));
}

export const rarParser: ArchiveParser = {
  id: 'rar',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'RAR 4 and RAR 5 archives: archive flags, header encryption, entries with per-file encryption, volumes',
  claims: { formats: ['rar'], magics: [{ at: 0, bytes: RAR4_SIGNATURE }, { at: 0, bytes: RAR5_SIGNATURE }, magicText(0, 'MZ')] },
  matches,
  parse,
  detect: archiveDetector,
};

export const parsers: ArchiveParser[] = [rarParser];
