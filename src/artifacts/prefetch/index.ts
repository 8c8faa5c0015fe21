/** Windows Prefetch parser (versions 17, 23, 26, 30, 31; MAM-compressed on Windows 10+): one `prefetch` record per file. */
import type { ArtifactContext, ArtifactParser, ArtifactResult } from '../types.js';
import type { PrefetchRecord } from './parse.js';
import { detectPrefetch } from './detect.js';
import { looksLikePrefetch, parsePrefetch } from './parse.js';
import { HEADER } from './layout.js';
import { magicText } from '../claims.js';

/** The Prefetch file as a whole (`explain`, `parse --format json`). */
export interface PrefetchFacts {
  version: number;
  compression: 'MAM' | null;
  executable: string;
  runCount: number;
  lastRun: string | null;
  filesLoaded: number;
}

export const prefetchParser: ArtifactParser<PrefetchRecord, PrefetchFacts> = {
  id: 'prefetch',
  description: 'Windows Prefetch (.pf, versions 17-31, MAM/Xpress Huffman): executable, run count, last 8 run times, volumes, files touched',
  dataSources: ['DS0009', 'DS0022'],
  fuzzSeeds: ['prefetch'],
  // MAM alone is Windows' generic compressed-file header: it needs the .pf name; SCCA at 4 is specific enough.
  // looksLikePrefetch: SCCA at its offset, or a MAM container.
  claims: { magics: [magicText(HEADER.SIGNATURE, 'SCCA'), magicText(0, 'MAM')] },
  matches: (ctx: ArtifactContext) => looksLikePrefetch(ctx.head) && (/\.pf$/i.test(ctx.name) || ctx.head.toString('latin1', 4, 8) === 'SCCA'),
  async parse(src): Promise<ArtifactResult<PrefetchRecord, PrefetchFacts> | null> {
    const parsed = parsePrefetch(src);
    if (!parsed) return null;
    const r = parsed.record;
    return {
      parser: 'prefetch',
      records: [r],
      warnings: parsed.warnings,
      corrupted: parsed.corrupted,
      facts: { version: r.version, compression: r.compression, executable: r.executableName, runCount: r.runCount, lastRun: r.lastRun, filesLoaded: r.filesLoaded.length },
    };
  },
  detect: detectPrefetch,
};

export const parsers: readonly ArtifactParser[] = [prefetchParser];
