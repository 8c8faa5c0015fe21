/**
 * An inspection-pool worker (src/pipeline/pool.ts): inspects the files of each batch, in order,
 * on descriptors the main thread opened (pool-inspect.ts), and sends back only what the scan keeps.
 * Batches are handled one at a time (a batch's groups may carry the sibling listing the following
 * groups use).
 */
import { parentPort } from 'node:worker_threads';
import type { DirEntryInfo } from '../model/evidence.js';
import { rootAccess } from '../evidence/listing.js';
import { cachedLister } from './listing-cache.js';
import type { PoolFileResult, PoolMessage, PoolReply } from './pool.js';
import { inspectPoolBatch, type PoolRootHere } from './pool-inspect.js';

const roots = new Map<number, PoolRootHere>();
let siblings: DirEntryInfo[] = [];
let siblingsKey = '';
let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (message: PoolMessage) => {
  if (message.type === 'root') {
    const f = message.facts;
    roots.set(message.root, { facts: f, listDirectory: cachedLister(rootAccess(f.rootAbs, f.rootDev, f.crossMounts).list) });
    return;
  }
  queue = queue.then(async () => {
    const groups = await inspectPoolBatch(roots.get(message.root)!, message.groups, (index) => {
      const group = message.groups[index]!;
      if (group.siblings) {
        siblings = group.siblings;
        siblingsKey = group.siblingsKey;
      }
      return siblingsKey === group.siblingsKey ? siblings : [];
    });
    try {
      parentPort!.postMessage({ id: message.id, groups } satisfies PoolReply);
    } catch {
      // Something a parser kept cannot be cloned: the main thread inspects these files itself.
      parentPort!.postMessage({ id: message.id, groups: message.groups.map((g) => g.files.map((): PoolFileResult => ({ k: 'defer' }))) } satisfies PoolReply);
    }
  });
});
