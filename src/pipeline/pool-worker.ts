/**
 * An inspection-pool worker (src/pipeline/pool.ts): inspects the files of each batch, in order,
 * with the same `inspectFile` the main thread uses, on descriptors the main thread opened, and
 * sends back only what the scan keeps. Batches are handled one at a time (a batch's groups may
 * carry the sibling listing the following groups use).
 */
import { parentPort } from 'node:worker_threads';
import { hasEvtxMagic } from '../artifacts/evtx/layout.js';
import type { DirEntryInfo } from '../model/evidence.js';
import { rootLister } from '../evidence/listing.js';
import { fdSource, readHead } from '../evidence/reader.js';
import { LIMITS } from '../util/limits.js';
import { entryTimes, inspectFile, keepsFileCandidate } from './inspect.js';
import { needsIsolation } from './isolate.js';
import { cachedLister } from './listing-cache.js';
import type { PoolFile, PoolFileResult, PoolMessage, PoolReply, PoolRoot } from './pool.js';

interface RootHere {
  facts: PoolRoot;
  listDirectory(relPath: string): DirEntryInfo[] | null;
}

const roots = new Map<number, RootHere>();
let siblings: DirEntryInfo[] = [];
let siblingsKey = '';
let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (message: PoolMessage) => {
  if (message.type === 'root') {
    const f = message.facts;
    roots.set(message.root, { facts: f, listDirectory: cachedLister(rootLister(f.rootAbs, f.rootDev, f.crossMounts)) });
    return;
  }
  queue = queue.then(async () => {
    const reply: PoolReply = { id: message.id, groups: [] };
    const root = roots.get(message.root)!;
    for (const group of message.groups) {
      if (group.siblings) {
        siblings = group.siblings;
        siblingsKey = group.siblingsKey;
      }
      const listing = siblingsKey === group.siblingsKey ? siblings : [];
      const results: PoolFileResult[] = [];
      for (const file of group.files) results.push(await inspectOne(root, file, listing));
      reply.groups.push(results);
    }
    try {
      parentPort!.postMessage(reply);
    } catch {
      // Something a parser kept cannot be cloned: the main thread inspects these files itself.
      parentPort!.postMessage({ id: message.id, groups: message.groups.map((g) => g.files.map((): PoolFileResult => ({ k: 'defer' }))) } satisfies PoolReply);
    }
  });
});

async function inspectOne(root: RootHere, file: PoolFile, listing: DirEntryInfo[]): Promise<PoolFileResult> {
  let head: Buffer;
  try {
    head = readHead(file.fd, LIMITS.headBytes, file.size);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { k: 'error', code: e.code ?? 'ERROR', message: e.message };
  }
  // The scan's own routing (pipeline/scan.ts): heavy artifacts go to the isolated worker, event logs to the Sigma rules.
  if (needsIsolation(file.name, file.size, head) || (root.facts.sigmaHere && hasEvtxMagic(head))) return { k: 'defer' };
  try {
    const inspection = await inspectFile({
      src: fdSource(file.fd, file.size, file.relPath),
      head,
      relPath: file.relPath,
      name: file.name,
      size: file.size,
      times: entryTimes({ times: file.times }),
      hotspot: file.hotspot >= 0 ? root.facts.hotspots[file.hotspot]! : null,
      os: root.facts.os,
      siblings: listing,
      listDirectory: root.listDirectory,
      codepage: root.facts.codepage,
    });
    const fc = inspection.fileCandidate;
    const result: PoolFileResult = { k: 'done', head: head.length, cls: inspection.fingerprint.classification };
    if (inspection.warnings.length > 0) result.warnings = inspection.warnings;
    if (Object.keys(inspection.sidNames).length > 0) result.sidNames = inspection.sidNames;
    if (keepsFileCandidate(fc)) result.file = fc;
    if (inspection.innerCandidates.length > 0) result.inner = inspection.innerCandidates;
    return result;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { k: 'error', head: head.length, code: e.code ?? 'ERROR', message: e.message };
  }
}
