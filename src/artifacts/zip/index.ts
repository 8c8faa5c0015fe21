/** The ZIP parser (plain zip, zip64, SFX, split/spanned parts, ZIP-based packages). */
import { overlayFromHead } from '../sevenzip/sfx.js';
import { looksLikePe } from '../../util/pe.js';
import { hasBytesAt } from '../../util/bytes.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveParser } from '../archive/summary.js';
import { archiveDetector } from '../archive/detect.js';
import { volumeFromName } from '../archive/volume.js';
import { parseZip } from './parse.js';

const ZIP_MAGICS = [
  Buffer.from('PK\x03\x04', 'latin1'),
  Buffer.from('PK\x05\x06', 'latin1'), // empty archive
  Buffer.from('PK\x07\x08', 'latin1'), // spanned set, first part
];

function matches(ctx: ArtifactContext): boolean {
  if (ctx.format === 'zip') return true;
  if (ZIP_MAGICS.some((m) => hasBytesAt(ctx.head, m))) return true;
  // Self-extracting archives: a stub with a zip appended. Only .exe files with data after their
  // last PE section (or that are not PE at all) are probed, with one 64 KiB tail read; parse
  // returns null when no end record is found.
  if (/\.exe$/i.test(ctx.name)) return !looksLikePe(ctx.head) || overlayFromHead(ctx.head, ctx.size) !== null;
  const vol = volumeFromName(ctx.name);
  return vol !== null && (vol.format === 'zip' || (vol.format === 'unknown' && /\.zip\./i.test(ctx.name)));
}

export const zipParser: ArchiveParser = {
  id: 'zip',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'ZIP archives (yauzl central-directory listing + own walk and local-header cross-check)',
  // An SFX is an .exe; split parts end .z01 or sit after '.zip.' (volumeFromName's zip and unknown sets).
  claims: { formats: ['zip'], magics: ZIP_MAGICS.map((bytes) => ({ at: 0, bytes })), extensions: ['exe'], namePatterns: [/\.z\d{2,3}$|\.zip\./] },
  matches,
  parse: parseZip,
  detect: archiveDetector,
};
