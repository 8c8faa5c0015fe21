/**
 * The registry of artifact parsers, in the order they are tried. Adding a parser:
 * docs/adding-a-parser.md (a test fails when a registered parser has no test).
 */
import type { ArtifactParser } from './types.js';

export const ARTIFACT_PARSERS: readonly ArtifactParser[] = [];

export function parserById(id: string): ArtifactParser | undefined {
  return ARTIFACT_PARSERS.find((p) => p.id === id);
}
