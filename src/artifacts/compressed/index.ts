/** Single-stream compressors: gzip, bzip2, xz, zstd, lz4, lzip, lzma, compress (.Z). */
import type { ArchiveParser } from '../archive/summary.js';
import { archiveDetector } from '../archive/detect.js';
import { sniffStream, STREAM_CLAIMS } from './layout.js';
import { parseCompressed } from './parse.js';

export const compressedParser: ArchiveParser = {
  id: 'compressed',
  dataSources: ['DS0022'],
  fuzzSeeds: ['archives'],
  description: 'single-stream compressors (gzip with name/time, bzip2, xz, zstd, lz4, lzip, lzma, .Z) and a peek for tar inside',
  claims: STREAM_CLAIMS,
  matches: (ctx) => sniffStream(ctx.head, ctx.name) !== null,
  parse: parseCompressed,
  detect: archiveDetector,
};
