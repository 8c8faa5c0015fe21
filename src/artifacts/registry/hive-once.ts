/**
 * One regf parse per file in an inspection: the regf parser (registry detectors) and the Amcache
 * parser (AmcacheParser-like records) both read Amcache.hve, and inspectFile hands both the same
 * ByteSource and context, so the second one gets the first one's result instead of reading and
 * walking the hive again. Keyed weakly by the source: nothing is kept once the inspection drops it.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext } from '../types.js';
import { parseRegf } from '../regf/parse.js';
import type { HiveResult } from './index.js';

const parsed = new WeakMap<ByteSource, { ctx: ArtifactContext; result: Promise<HiveResult | null> }>();

/** parseRegf, shared by the parsers that read the same source with the same context. */
export function parseHiveOnce(src: ByteSource, ctx: ArtifactContext): Promise<HiveResult | null> {
  const hit = parsed.get(src);
  if (hit && hit.ctx === ctx) return hit.result;
  const result = parseRegf(src, ctx);
  parsed.set(src, { ctx, result });
  return result;
}
