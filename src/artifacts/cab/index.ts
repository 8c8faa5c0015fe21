/** The Microsoft Cabinet parser (makecab / expand staging). */
import type { ArchiveParser } from '../archive/summary.js';
import { archiveDetector } from '../archive/detect.js';
import { parseCab } from './parse.js';
import { magicText } from '../claims.js';

export const cabParser: ArchiveParser = {
  id: 'cab',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'Microsoft Cabinet: header, set/volume fields, CFFILE entries',
  claims: { formats: ['cab'], magics: [magicText(0, 'MSCF')] },
  matches: (ctx) => ctx.format === 'cab' || ctx.head.toString('latin1', 0, 4) === 'MSCF',
  parse: parseCab,
  detect: archiveDetector,
};
