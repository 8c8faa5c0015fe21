// Shared by the archive tests: a context for a buffer and a parse shortcut.
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import type { ArchiveParser } from '../../../src/artifacts/archive/summary.js';
import { NO_TIMES } from '../../../src/model/finding.js';

export function ctxFor(buf: Buffer, name: string, extra: Partial<ArtifactContext> = {}): ArtifactContext {
  return { relPath: `x/${name}`, name, head: buf.subarray(0, 4100), size: buf.length, format: null, ...extra };
}

export function detectCtx(buf: Buffer, name: string, extra: Partial<DetectContext> = {}): DetectContext {
  return { ...ctxFor(buf, name), os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES, ...extra };
}

export async function parseWith(p: ArchiveParser, buf: Buffer, name: string, extra: Partial<ArtifactContext> = {}) {
  const ctx = ctxFor(buf, name, extra);
  const r = await p.parse(bufferSource(buf, name), ctx);
  return { result: r, summary: r?.facts ?? null };
}
