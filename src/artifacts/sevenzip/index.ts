/** The 7z artifact parser: records are archive entries, the summary is the archive contract. */
import type { ArtifactContext } from '../types.js';
import type { ArchiveParser, ArchiveResult } from '../archive/summary.js';
import type { ByteSource } from '../../util/byte-source.js';
import { archiveDetector } from '../archive/detect.js';
import { archiveResult } from '../archive/build.js';
import { volumeFromName } from '../archive/volume.js';
import { isSevenZipSignature, parseSevenZip } from './parse.js';
import { overlayFromHead } from './sfx.js';
import { SIGNATURE } from './layout.js';
import { magicText } from '../claims.js';

function matches(ctx: ArtifactContext): boolean {
  if (isSevenZipSignature(ctx.head) || ctx.format === '7z') return true;
  // A PE with data after its last section may be a 7z SFX: parse probes that one offset.
  if (overlayFromHead(ctx.head, ctx.size) !== null) return true;
  // Volumes after the first carry no signature: .7z.002, .7z.003, ...
  const v = volumeFromName(ctx.name);
  return v !== null && v.format === '7z' && (v.volume.index ?? 0) > 0;
}

async function parse(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  return archiveResult('7z', parseSevenZip(src, ctx.name));
}

export const sevenZipParser: ArchiveParser = {
  id: '7z',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: '7z archives: signature and end headers (LZMA/LZMA2-packed or AES-encrypted), entries, encrypted blocks, volumes',
  // 'MZ': an SFX (overlayFromHead needs a PE); later volumes carry no signature, only the .7z.NNN name.
  claims: { formats: ['7z'], magics: [{ at: 0, bytes: SIGNATURE }, magicText(0, 'MZ')], namePatterns: [/\.7z\.\d{3}$/] },
  matches,
  parse,
  detect: archiveDetector,
};

export const parsers: ArchiveParser[] = [sevenZipParser];
