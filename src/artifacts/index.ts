/**
 * The registry of artifact parsers, in the order they are tried. Adding a parser:
 * docs/adding-a-parser.md (test/artifacts/registry.test.ts fails when a registered parser has no test).
 */
import { parsers as archiveParsers } from './archive/parsers.js';
import { parsers as auditdParsers } from './auditd/index.js';
import { parsers as evtxParsers } from './evtx/index.js';
import { parsers as historyParsers } from './history/index.js';
import { parsers as ntfsParsers } from './ntfs/index.js';
import { parsers as recycleBinParsers } from './recycle-bin/index.js';
import { parsers as regfParsers } from './regf/index.js';
import { parsers as trashParsers } from './trash/index.js';
import type { ArtifactParser } from './types.js';

export const ARTIFACT_PARSERS: readonly ArtifactParser[] = [...archiveParsers, ...recycleBinParsers, ...trashParsers, ...historyParsers, ...regfParsers, ...ntfsParsers, ...evtxParsers, ...auditdParsers];

export function parserById(id: string): ArtifactParser | undefined {
  return ARTIFACT_PARSERS.find((p) => p.id === id);
}
