/**
 * $I30 slack end to end through the built CLI (docs/ntfs.md "$I30 slack"): two archives deleted
 * from a folder whose index lives in an INDX block (test/ntfs/i30-image.ts). The one whose MFT
 * record was overwritten is found only through the name its folder's index keeps in slack (fls
 * lists nothing of it); the one whose deleted MFT record remains is one finding, not two, and says
 * that its name also remains in the index slack.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, runCli } from '../helpers/cli.js';
import { describeIf, testIf, toolAvailable, toolMissing } from '../helpers/corpus.js';
import { workDir } from './helpers.js';
import { buildI30Image, I30_TOOLS, type I30Image } from './i30-image.js';

const built = existsSync(path.join(process.cwd(), 'dist', 'pipeline', 'ntfs-traces.js')) && existsSync(BIN);
const ready = built && I30_TOOLS.every((t) => toolAvailable(t));

interface F {
  id: string;
  kind: string;
  path: string;
  level: string;
  mftEntry?: number;
  originalPath?: string;
  times?: { born: string | null };
  reasons: Array<{ rule: string; message: string }>;
  details?: { remains?: string[]; gone?: string[]; i30?: Record<string, unknown> };
}

describeIf(ready, built ? `tools ${I30_TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('archives deleted from a folder with an INDX block', () => {
  let dir: string;
  let img: I30Image;
  let findings: F[];
  let episodes: Array<{ findingIds: string[]; evidenceKinds: string[]; narrative: string }>;
  beforeAll(() => {
    dir = path.join(workDir(), 'i30');
    rmSync(dir, { recursive: true, force: true });
    img = buildI30Image(dir);
    const r = runCli(['scan', img.image, '--scope', 'all', '--format', 'json', '--quiet', '--min-level', 'info'], { timeoutMs: 120_000 });
    if (r.status !== 0) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { findings: F[]; episodes?: typeof episodes };
    findings = report.findings;
    episodes = report.episodes ?? [];
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the archive whose MFT record is gone is an i30-entry finding from the INDX slack', () => {
    const loot = findings.filter((f) => f.path === 'zz-loot.7z');
    expect(loot).toHaveLength(1);
    expect(loot[0]).toMatchObject({ kind: 'i30-entry', originalPath: 'C:\\zz-loot.7z', times: { born: '2024-05-01T01:50:00.0000000Z' } });
    expect(loot[0]!.reasons.map((r) => r.rule).sort()).toEqual(['named-in-history', 'ntfs-archive-deleted']);
    expect(loot[0]!.reasons.find((r) => r.rule === 'ntfs-archive-deleted')?.message).toMatch(/zz-loot\.7z is gone from \/: its name remains in the folder's \$I30 index slack/);
    expect(loot[0]!.details?.i30).toMatchObject({ where: 'INDX slack', directoryEntry: 5, size: 9008 });
    // the removal moved the end entry over its header: the key tells no MFT reference
    expect(loot[0]!.mftEntry).toBeUndefined();
  });

  test('the archive whose deleted MFT record remains is one finding, which names the slack too', () => {
    const out = findings.filter((f) => f.path === 'yy-out.rar');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'mft-record', mftEntry: img.out.entry });
    expect(out[0]!.details?.remains).toEqual([`its deleted MFT record (entry ${img.out.entry}-${img.out.sequence + 1})`, 'its name in the $I30 index slack of / (INDX slack)']);
  });

  test('in one episode with the PowerShell history that made and deleted it', () => {
    const loot = findings.find((f) => f.path === 'zz-loot.7z')!;
    const history = findings.find((f) => f.kind === 'history' && f.reasons.some((r) => r.rule === 'linked-ntfs-trace'));
    expect(history).toBeDefined();
    const episode = episodes.find((e) => e.findingIds.includes(loot.id));
    expect(episode?.findingIds).toContain(history!.id);
    expect(episode?.evidenceKinds).toEqual(expect.arrayContaining(['history', 'ntfs']));
    expect(episode?.narrative).toContain("its name in the $I30 index slack of / (INDX slack)");
  });

  test('no live document is reported', () => {
    expect(findings.filter((f) => /doc-\d+\.docx/.test(f.path))).toEqual([]);
  });

  testIf(toolAvailable('fls'), toolMissing('fls'))('The Sleuth Kit lists nothing of the overwritten archive', () => {
    expect(execFileSync('fls', ['-r', '-p', img.image], { encoding: 'utf8' })).not.toMatch(/loot/);
  });
});
