/**
 * The registry of artifact parsers, in the order they are tried. Adding a parser:
 * docs/adding-a-parser.md (test/artifacts/registry.test.ts fails when a registered parser has no test).
 */
import { parsers as archiveParsers } from './archive/parsers.js';
import { parsers as auditdParsers } from './auditd/index.js';
import { parsers as evtxParsers } from './evtx/index.js';
import { parsers as historyParsers } from './history/index.js';
import { parsers as ntfsParsers } from './ntfs/index.js';
import { parsers as prefetchParsers } from './prefetch/index.js';
import { parsers as amcacheParsers } from './amcache/index.js';
import { parsers as appCompatCacheParsers } from './appcompatcache/index.js';
import { parsers as recycleBinParsers } from './recycle-bin/index.js';
import { parsers as regfParsers } from './regf/index.js';
import { parsers as trashParsers } from './trash/index.js';
import type { ArtifactContext, ArtifactParser } from './types.js';
import { ClaimIndex } from './claims.js';
// access artifacts (issue 15 part B)
import { parsers as lnkParsers } from './lnk/index.js';
import { parsers as jumpListParsers } from './jumplist/index.js';
import { parsers as shellBagsParsers } from './shellbags/index.js';
import { parsers as comDlg32Parsers } from './comdlg32/index.js';
import { parsers as registryListParsers } from './registry/parsers.js';

export const ARTIFACT_PARSERS: readonly ArtifactParser[] = [...archiveParsers, ...recycleBinParsers, ...trashParsers, ...historyParsers, ...amcacheParsers, ...regfParsers, ...ntfsParsers, ...evtxParsers, ...auditdParsers, ...prefetchParsers, ...appCompatCacheParsers, ...lnkParsers, ...jumpListParsers, ...shellBagsParsers, ...comDlg32Parsers, ...registryListParsers];

const CLAIMS = new ClaimIndex(ARTIFACT_PARSERS);

/**
 * The parsers whose claims fit a file, in registry order: the only ones worth asking `matches`
 * (a superset of the parsers that match; src/artifacts/claims.ts).
 */
export function claimingParsers(ctx: ArtifactContext): readonly ArtifactParser[] {
  return CLAIMS.candidates(ctx);
}

export function parserById(id: string): ArtifactParser | undefined {
  return ARTIFACT_PARSERS.find((p) => p.id === id);
}
