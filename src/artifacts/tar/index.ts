/** The tar parser (ustar, GNU, pax, v7). */
import type { ArchiveParser } from '../archive/summary.js';
import { archiveDetector } from '../archive/detect.js';
import { looksLikeTar, TAR_HEAD_MAGICS } from './layout.js';
import { parseTar } from './parse.js';


export const tarParser: ArchiveParser = {
  id: 'tar',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'tar archives (ustar/GNU/pax/v7) with checksum validation',
  claims: { formats: ['tar'], magics: TAR_HEAD_MAGICS },
  matches: (ctx) => ctx.format === 'tar' || looksLikeTar(ctx.head),
  parse: parseTar,
  detect: archiveDetector,
};
