/**
 * One batch of the inspection pool (src/pipeline/pool.ts), inspected file by file with the same
 * `inspectFile` the scan uses, keeping only what the scan keeps. Shared by the pool's workers and
 * the main thread, which inspects a batch itself when every worker already has its share.
 */
import { hasEvtxMagic } from '../artifacts/evtx/layout.js';
import type { DirEntryInfo, ListedEntry } from '../model/evidence.js';
import { fdSource, readSourceHead } from '../evidence/reader.js';
import { LIMITS } from '../util/limits.js';
import { entryTimes, inspectFile, keepsFileCandidate, settledTimes } from './inspect.js';
import type { Candidate } from '../rules/types.js';
import { needsIsolation } from './isolate.js';
import type { PoolFile, PoolFileResult, PoolRoot } from './pool.js';

/** A root as the thread inspecting its files holds it. */
export interface PoolRootHere {
  facts: PoolRoot;
  listDirectory(relPath: string): ListedEntry[] | null;
}

/** Inspects a batch's groups in order; `listing` gives each group's sibling listing. */
export async function inspectPoolBatch(root: PoolRootHere, groups: ReadonlyArray<{ files: PoolFile[] }>, listing: (groupIndex: number) => readonly DirEntryInfo[]): Promise<PoolFileResult[][]> {
  const results: PoolFileResult[][] = [];
  for (const [index, group] of groups.entries()) {
    const siblings = listing(index);
    const out: PoolFileResult[] = [];
    for (const file of group.files) out.push(await inspectPoolFile(root, file, siblings));
    results.push(out);
  }
  return results;
}

async function inspectPoolFile(root: PoolRootHere, file: PoolFile, listing: readonly DirEntryInfo[]): Promise<PoolFileResult> {
  const src = fdSource(file.fd, file.size, file.relPath);
  let head: Buffer;
  try {
    head = readSourceHead(src, LIMITS.headBytes);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { k: 'error', code: e.code ?? 'ERROR', message: e.message };
  }
  // The scan's own routing (pipeline/scan.ts): heavy artifacts go to the isolated worker, event logs to the Sigma rules.
  if (needsIsolation(file.name, file.size, head) || (root.facts.sigmaHere && hasEvtxMagic(head)) || root.facts.leftToTraces.includes(file.relPath)) return { k: 'defer' };
  try {
    const inspection = await inspectFile({
      src,
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
    if (inspection.system) result.system = inspection.system;
    if (inspection.evtxLog) result.evtxLog = inspection.evtxLog;
    if (keepsFileCandidate(fc)) result.file = crossing(fc);
    if (inspection.innerCandidates.length > 0) result.inner = inspection.innerCandidates.map(crossing);
    return result;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { k: 'error', head: head.length, code: e.code ?? 'ERROR', message: e.message };
  }
}

/** A candidate as it crosses to the main thread: its times plain (a structured clone sees no getters on a prototype, inspect.ts LazyFileTimes). */
function crossing(c: Candidate): Candidate {
  return c.times ? { ...c, times: settledTimes(c.times) } : c;
}
