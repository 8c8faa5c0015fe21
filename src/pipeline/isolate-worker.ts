/**
 * The isolated-parse worker (src/pipeline/isolate.ts): inspects one file per message with the same
 * `inspectFile` the main thread uses, on the file descriptor the main thread opened (descriptors
 * are shared by every thread of the process), and sends back only what the scan keeps.
 */
import { parentPort } from 'node:worker_threads';
import type { DirEntryInfo, ListedEntry } from '../model/evidence.js';
import { rootAccess } from '../evidence/listing.js';
import type { OpenedSource } from '../evidence/fs.js';
import { fdSource } from '../evidence/reader.js';
import { inspectFile } from './inspect.js';
import type { IsolatedReply, IsolatedRequest } from './isolate.js';
import { cachedLister } from './listing-cache.js';

let siblings: { key: string; entries: DirEntryInfo[] } = { key: '', entries: [] };
/** Per root (its real path): its directories listed, and its files opened for parsers that read a file's siblings, through one DirectoryFs. */
const roots = new Map<string, { listDirectory: (relPath: string) => ListedEntry[] | null; openFile: (relPath: string) => OpenedSource | null }>();

parentPort!.on('message', (req: IsolatedRequest) => {
  void handle(req).then((reply) => parentPort!.postMessage(reply));
});

async function handle(req: IsolatedRequest): Promise<IsolatedReply> {
  try {
    if (req.siblings) siblings = { key: req.siblingsKey, entries: req.siblings };
    let root = roots.get(req.rootAbs);
    if (!root) {
      const access = rootAccess(req.rootAbs, req.rootDev, req.crossMounts);
      roots.set(req.rootAbs, (root = { listDirectory: cachedLister(access.list), openFile: access.open }));
    }
    const head = Buffer.from(req.head.buffer, req.head.byteOffset, req.head.byteLength);
    const inspection = await inspectFile({
      src: fdSource(req.fd, req.size, req.relPath, head),
      head,
      relPath: req.relPath,
      name: req.name,
      size: req.size,
      times: req.times,
      hotspot: req.hotspot,
      os: req.os,
      siblings: siblings.key === req.siblingsKey ? siblings.entries : [],
      listDirectory: root.listDirectory,
      openFile: req.openSiblings ? root.openFile : undefined,
      codepage: req.codepage,
      skipParsers: req.skipParsers ? new Set(req.skipParsers) : undefined,
    });
    return {
      id: req.id,
      ok: true,
      result: { warnings: inspection.warnings, sidNames: inspection.sidNames, ...(inspection.system ? { system: inspection.system } : {}), ...(inspection.evtxLog ? { evtxLog: inspection.evtxLog } : {}), fileCandidate: inspection.fileCandidate, innerCandidates: inspection.innerCandidates, classification: inspection.fingerprint.classification },
    };
  } catch (err) {
    return { id: req.id, ok: false, error: (err as Error).message ?? String(err) };
  }
}
