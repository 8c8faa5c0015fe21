/** The live registry of the Windows host stagehunt runs on, through the lazily imported adapter. */
import { correlate } from '../correlate/links.js';
import { scoreCandidates, type ScoredFindings } from './score.js';

export const LIVE_ROOT = 'live:registry';

export async function scanLiveRegistry(): Promise<ScoredFindings & { warnings: string[] }> {
  // Imported here only, so regedit-rs is never loaded off Windows or without --live.
  const { collectLiveRegistry, detectLiveRegistry } = await import('../live/registry.js');
  const { records, warnings } = await collectLiveRegistry();
  const candidates = detectLiveRegistry(records);
  correlate(candidates, { windows: true, exists: () => false });
  return { ...scoreCandidates(candidates, { root: LIVE_ROOT, rootLabel: 'live', hotspotOf: () => null }), warnings };
}
