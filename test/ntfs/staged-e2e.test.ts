/**
 * Issue 13's done-when, end to end through the built CLI: a staged archive created in PerfLogs,
 * grown, renamed to hide its extension and deleted with `del` (test/ntfs/staged-image.ts) is
 * reported at high or above from its MFT and USN traces, in one episode with the PowerShell command
 * that made it; the same traces from a KAPE-style collection (`C/$MFT`, `C/$Extend/$UsnJrnl%3A$J`)
 * give the same finding; the ADS archive, the Zone.Identifier and the timestomped file are seen; the
 * deleted archive's content, still in unallocated clusters, is fingerprinted (test/ntfs/deleted-content.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { scanTraces, workDir, type TraceFinding, type TraceReport } from './helpers.js';
import { buildStagedImage, HISTORY, HISTORY_REL, STAGED_TOOLS, type StagedImage } from './staged-image.js';

const built = existsSync(path.join(process.cwd(), 'dist', 'pipeline', 'ntfs-traces.js')) && existsSync(BIN);
const ready = built && STAGED_TOOLS.every((t) => toolAvailable(t));

const rules = (f: TraceFinding | undefined) => (f ? f.reasons.map((x) => x.rule).sort() : []);

describeIf(ready, built ? `tools ${STAGED_TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('a staged archive deleted with del: MFT and USN traces', () => {
  let dir: string;
  let img: StagedImage;
  beforeAll(() => {
    dir = path.join(workDir(), 'staged');
    rmSync(dir, { recursive: true, force: true });
    img = buildStagedImage(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('image scan', () => {
    let report: TraceReport;
    beforeAll(() => {
      report = scanTraces([img.image]);
    }, 120_000);

    test('the deleted archive is one usn-record finding at high or above, its whole life in the reasons', () => {
      const lives = report.findings.filter((f) => f.kind === 'usn-record' && f.path === 'PerfLogs/stage.log');
      expect(lives).toHaveLength(1);
      const f = lives[0]!;
      expect(['high', 'critical']).toContain(f.level);
      expect(f.originalPath).toBe('C:\\PerfLogs\\stage.7z');
      expect(f.deletedAt).toBe('2024-05-01T02:40:00.0000000Z');
      expect(typeof f.usn).toBe('number');
      expect(rules(f)).toEqual(expect.arrayContaining(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place', 'ntfs-archive-short-life', 'ntfs-archive-extension-hidden', 'named-in-history']));
      expect(f.details?.life).toBe(
        'stage.7z was created in /PerfLogs at 2024-05-01 02:14:05 UTC, written 3 times until 2024-05-01 02:31:10 UTC (300000 bytes), renamed stage.7z -> stage.log at 2024-05-01 02:38:00 UTC, deleted at 2024-05-01 02:40:00 UTC',
      );
      // The deleted MFT record (sequence bumped by the deletion) is merged into the journal finding, not reported twice.
      expect(f.details?.mft).toMatchObject({ entry: img.stage.entry, sequence: img.stage.sequence + 1, inUse: false, size: 300000 });
      expect(f.details?.remains).toEqual(['12 USN journal records', `its deleted MFT record (entry ${img.stage.entry}-${img.stage.sequence + 1}, 300000 bytes)`, `its content (74 unallocated clusters, none reused; recoverable by MFT entry ${img.stage.entry}, as icat reads it)`]);
      // The deletion freed the clusters and nothing was written over them: the archive itself is still there.
      expect(f.details?.gone).toEqual(['the file']);
      expect(f.details?.recovered).toMatchObject({ content: 'unallocated', clusters: 74, reusedClusters: 0, format: '7z' });
      // --hash findings (the default) hashes the recovered bytes too: the archive as it was written.
      expect((f.details?.recovered as { hashes?: Record<string, string> }).hashes).toEqual({ sha256: createHash('sha256').update(readFileSync(path.join(dir, 'src', 'stage.log'))).digest('hex') });
      expect(f.reasons.find((r) => r.rule === 'ntfs-deleted-content-recoverable')?.message).toMatch(/^its content is still on the volume \(74 unallocated clusters, none reused\): 7z\b.*\(7-zip archive data/i);
      expect(report.findings.filter((x) => x.kind === 'mft-record' && x.mftEntry === img.stage.entry)).toHaveLength(0);
    });

    test('in one episode with the PowerShell command that made it; the narrative says what is gone and what remains', () => {
      const life = report.findings.find((f) => f.kind === 'usn-record' && f.path === 'PerfLogs/stage.log')!;
      const history = report.findings.find((f) => f.kind === 'history' && f.path === HISTORY_REL && f.reasons.some((r) => r.rule === 'linked-ntfs-trace'));
      expect(history).toBeDefined();
      const episode = report.episodes?.find((e) => e.findingIds.includes(life.id));
      expect(episode?.findingIds).toContain(history!.id);
      expect(episode?.evidenceKinds).toEqual(expect.arrayContaining(['history', 'ntfs']));
      expect(episode?.narrative).toContain('stage.7z was created in /PerfLogs at 2024-05-01 02:14:05 UTC, written 3 times until 2024-05-01 02:31:10 UTC (300000 bytes), renamed stage.7z -> stage.log at 2024-05-01 02:38:00 UTC, deleted at 2024-05-01 02:40:00 UTC.');
      expect(episode?.narrative).toContain('Gone: the file; remains: 12 USN journal records, its deleted MFT record');
    });

    test('an archive hidden in an alternate data stream is a strong finding', () => {
      const ads = report.findings.find((f) => f.kind === 'mft-record' && f.originalPath === 'C:\\PerfLogs\\readme.txt:payload.7z');
      expect(rules(ads)).toEqual(['ntfs-archive-in-ads']);
      expect(['high', 'critical']).toContain(ads!.level);
      expect(ads!.reasons[0]!.message).toMatch(/^alternate data stream readme\.txt:payload\.7z holds 7-zip archive data \(40000 bytes\)$/i);
    });

    test('the timestomped file in PerfLogs is reported with its $SI and $FN times', () => {
      const t = report.findings.find((f) => f.kind === 'mft-record' && f.path === 'PerfLogs/notes.txt');
      expect(rules(t)).toEqual(['ntfs-timestomp-signs']);
      expect(t!.reasons[0]!.message).toMatch(/siCreatedBeforeFn, siModifiedBeforeFn\): \$SI created 2019-05-0\d .* UTC, \$FN created 2024-05-01 01:50:00 UTC$/);
    });

    test('parse prints the Zone.Identifier of readme.txt in its mft-record', () => {
      const mft = path.join(dir, 'mft-only', '$MFT');
      mkdirSync(path.dirname(mft), { recursive: true });
      writeFileSync(mft, img.mftBytes);
      const r = runCli(['parse', mft]);
      expect(r.status).toBe(0);
      const readme = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((x) => x.path === '/PerfLogs/readme.txt');
      expect(readme?.zoneIdentifier).toEqual({ zoneId: 3, referrerUrl: 'https://example.invalid/', hostUrl: 'https://example.invalid/readme.txt' });
      expect(readme?.streams).toEqual([{ name: 'payload.7z', size: 40000, resident: false }, { name: 'Zone.Identifier', size: 108, resident: true }]);
    });
  });

  test('a KAPE-style collection (C/$MFT, C/$Extend/$UsnJrnl%3A$J, the history) gives the same finding', () => {
    const kape = path.join(dir, 'kape');
    const c = path.join(kape, 'C');
    mkdirSync(path.join(c, '$Extend'), { recursive: true });
    mkdirSync(path.join(c, path.dirname(HISTORY_REL)), { recursive: true });
    writeFileSync(path.join(c, '$MFT'), img.mftBytes);
    writeFileSync(path.join(c, '$Extend', '$UsnJrnl%3A$J'), img.usnBytes);
    writeFileSync(path.join(c, HISTORY_REL), HISTORY);
    const report = scanTraces([kape, '--scope', 'all']);
    const f = report.findings.find((x) => x.kind === 'usn-record' && x.path === 'C/PerfLogs/stage.log');
    expect(f).toBeDefined();
    expect(['high', 'critical']).toContain(f!.level);
    expect(f!.details?.source).toBe('C/$Extend/$UsnJrnl%3A$J');
    expect(rules(f)).toEqual(expect.arrayContaining(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place', 'ntfs-archive-short-life', 'ntfs-archive-extension-hidden', 'named-in-history']));
    expect(f!.details?.mft).toMatchObject({ entry: img.stage.entry, inUse: false, size: 300000 });
    const episode = report.episodes?.find((e) => e.findingIds.includes(f!.id));
    expect(episode?.evidenceKinds).toEqual(expect.arrayContaining(['history', 'ntfs']));
  }, 120_000);
});
