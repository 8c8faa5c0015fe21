/**
 * A scan of an NTFS image reads its folders as compact listings (NtfsFs.listCompact): the walk, the
 * hotspot expander and the file ids of trace findings (scan.ts setFileIds) alike, so that no folder's
 * every FsEntry is built at once (docs/performance.md "NTFS listings built when asked"). Only the
 * OS-layout check lists the root with list(). The staged image (test/ntfs/staged-image.ts) has trace
 * findings for a deleted archive in PerfLogs, whose folder setFileIds looks into.
 */
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { FsEntry } from '../../src/evidence/fs.js';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { scan } from '../../src/pipeline/scan.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { workDir } from './helpers.js';
import { buildStagedImage, STAGED_TOOLS, type StagedImage } from './staged-image.js';

const ready = STAGED_TOOLS.every((t) => toolAvailable(t));

describeIf(ready, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('folders of an NTFS image in a scan', () => {
  let dir: string;
  let img: StagedImage;
  beforeAll(() => {
    dir = path.join(workDir(), 'listings-in-scan');
    rmSync(dir, { recursive: true, force: true });
    img = buildStagedImage(dir);
  }, 180_000);
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(['all', 'hotspots'] as const)('--scope %s: compact listings only, the root excepted; trace findings keep their file ids', async (scope) => {
    const list = jest.spyOn(NtfsFs.prototype, 'list');
    const compact = jest.spyOn(NtfsFs.prototype, 'listCompact');
    try {
      const report = await scan({ roots: [img.image], os: 'auto', scope, minLevel: 'info', isolation: false, hash: { mode: 'all', algorithms: ['sha256'], maxSize: 1e9 }, now: () => new Date(0) });
      const traced = report.findings.filter((f) => f.path.startsWith('PerfLogs/') && (f.kind === 'usn-record' || f.kind === 'mft-record'));
      // The deleted archive, known from the journal only: setFileIds looks for it in PerfLogs and finds no live file.
      const deleted = traced.find((f) => f.path === 'PerfLogs/stage.log' && f.kind === 'usn-record');
      expect(deleted).toBeDefined();
      expect(deleted!.fileId).toBeUndefined();
      // The live files the MFT traces name (the ADS carrier, the timestomped file) carry their entry ids.
      const live = traced.filter((f) => f.kind === 'mft-record');
      expect(live.map((f) => f.path).sort()).toEqual(['PerfLogs/notes.txt', 'PerfLogs/readme.txt']);
      for (const f of live) expect(f.fileId).toBe(`${f.mftEntry}-1`);
      const listed = list.mock.calls.map(([d]) => (d as FsEntry).path);
      expect(listed.every((p) => p === '/')).toBe(true);
      // PerfLogs: listed by the walk or the expander, and again for the file ids of its trace findings.
      expect(compact.mock.calls.filter(([d]) => (d as FsEntry).path === '/PerfLogs').length).toBeGreaterThanOrEqual(2);
    } finally {
      list.mockRestore();
      compact.mockRestore();
    }
  }, 120_000);
});
