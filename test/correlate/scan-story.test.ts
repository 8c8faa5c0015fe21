/**
 * Correlation end to end: the demo image's staging story is told back as linked reasons, and a
 * deleted folder ($R directory) is summarised in its $I finding without false "$R without $I".
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import type { Finding } from '../../src/model/finding.js';
import { makeDollarI } from '../../fixtures/lib/recyclebin-writers.mjs';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { describeIf } from '../helpers/corpus.js';

const DEMO = path.join(process.cwd(), 'fixtures', 'demo', 'image');
const ALICE = 'S-1-5-21-3623811015-3361044348-30300820-1001';
const BOB = 'S-1-5-21-3623811015-3361044348-30300820-1002';
const reason = (f: Finding | undefined, rule: string) => f?.reasons.find((r) => r.rule === rule)?.message ?? '';

const demoAvailable = existsSync(DEMO);
if (!demoAvailable) console.warn('NOTICE: fixtures/demo/image missing (run `node fixtures/demo/generate.mjs`); demo story test skipped');

describeIf(demoAvailable, 'fixtures/demo/image missing (run node fixtures/demo/generate.mjs)')('demo image: the staging story connects', () => {
  let findings: Finding[] = [];
  beforeAll(async () => {
    findings = (await scan({ roots: [DEMO], os: 'auto', scope: 'hotspots', now: () => new Date(0) })).findings;
  });
  const history = (line: number) => findings.find((f) => f.kind === 'history' && f.line === line);
  const dollarI = () => findings.find((f) => f.path === `$Recycle.Bin/${ALICE}/$IK3J9QZ.rar`);

  test('the renamed rar line (3) names the volumes, the deleted part3 and the ArcHistory value', () => {
    const h = history(3)!;
    expect(reason(h, 'history-archiver-renamed')).toMatch(/r\.exe takes rar arguments/);
    expect(reason(h, 'linked-file-found')).toMatch(/bk\.part1\.rar found by the scan.*bk\.part2\.rar found by the scan/);
    expect(reason(h, 'linked-recycle-bin')).toMatch(/^deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC .*\$IK3J9QZ\.rar, original C:\\Users\\Public\\Libraries\\bk\.part3\.rar/);
    expect(reason(h, 'named-in-registry')).toMatch(/WinRAR\\ArcHistory\\0/);
    expect(h.level).toBe('critical');
  });
  test('the $I for bk.part3.rar names the history line, the registry value, the surviving volumes and its $R', () => {
    const i = dollarI()!;
    expect(reason(i, 'named-in-history')).toMatch(/alice's PowerShell history at line 3/);
    expect(reason(i, 'named-in-registry')).toMatch(/WinRAR\\ArcHistory\\0/);
    expect(reason(i, 'recycle-bin-pair')).toMatch(/\$RK3J9QZ\.rar is still in the Recycle Bin/); // one deletion: named, no points
    expect(reason(i, 'linked-file-found')).toMatch(/another volume of the set remains: Users\/Public\/Libraries\/bk\.part1\.rar/);
    expect(i.reasons.map((r) => r.rule)).not.toContain('recyclebin-time-anomaly');
  });
  test('the surviving volumes name the command, the registry and the deleted volume', () => {
    for (const p of ['Users/Public/Libraries/bk.part1.rar', 'Users/Public/Libraries/bk.part2.rar']) {
      const f = findings.find((x) => x.kind === 'file' && x.path === p)!;
      expect(reason(f, 'named-in-history')).toMatch(/line 3/);
      expect(reason(f, 'named-in-registry')).toMatch(/WinRAR\\ArcHistory/);
      expect(reason(f, 'linked-recycle-bin')).toMatch(/volume bk\.part3\.rar of the same set was deleted to the Recycle Bin at 2025-03-15 05:06:41 UTC/);
    }
  });
  test('the 7z line (4) and the 7-Zip ArcHistory name each other', () => {
    expect(reason(history(4), 'named-in-registry')).toMatch(/7-Zip\\Compression\\ArcHistory/);
    const reg = findings.find((f) => f.kind === 'registry' && /7-Zip/.test(reason(f, 'registry-archiver-history')));
    expect(reason(reg, 'named-in-history')).toMatch(/line 4/);
  });
  test("bob's ordinary deleted text file gives no finding", () => {
    expect(findings.filter((f) => f.path.startsWith(`$Recycle.Bin/${BOB}/`))).toEqual([]);
  });
});

describe('a deleted folder ($R directory) in a scan', () => {
  let root = '';
  let findings: Finding[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-rdir-'));
    const bin = path.join(root, '$Recycle.Bin', BOB);
    const when = new Date('2025-03-15T05:06:41Z');
    const put = (rel: string, data: Buffer | string) => {
      const abs = path.join(bin, ...rel.split('/'));
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, data);
      utimesSync(abs, when, when);
    };
    put('$IABCDEF', makeDollarI({ originalPath: 'C:\\Users\\bob\\collect', deletedAt: '2025-03-15T05:06:41Z' }));
    for (const n of ['a.docx', 'b.docx', 'c.pdf', 'd.xlsx', 'e.txt']) put(`$RABCDEF/${n}`, `text of ${n}\n`);
    put('$RABCDEF/sub/$Rinner.txt', 'a file whose name happens to start with $R\n');
    put('$RABCDEF/sub/loot.zip', buildZip({ entries: [{ name: 'x.txt', data: 'x' }] }));
    findings = (await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date(0) })).findings;
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('no "$R without $I" for anything inside the deleted folder', () => {
    expect(findings.filter((f) => f.reasons.some((r) => r.rule === 'recyclebin-data-without-index'))).toEqual([]);
  });
  test('the $I finding summarises the folder: count, types, documents, nested archive', () => {
    const i = findings.find((f) => f.kind === 'recycle-bin' && f.path.endsWith('/$IABCDEF'))!;
    expect(reason(i, 'recyclebin-deleted-document-folder')).toMatch(/holds 6 documents: 7 file\(s\) in 2 folders \(/);
    expect(reason(i, 'recyclebin-deleted-archive')).toMatch(/e\.g\. sub\/loot\.zip/);
    expect(i.details!.deletedFolder).toMatchObject({ files: 7, directories: 1, documents: 6, archives: 1, truncated: false });
    expect((i.details!.deletedFolder as { types: Record<string, number> }).types).toMatchObject({ docx: 2, txt: 2, zip: 1, pdf: 1, xlsx: 1 });
  });
});
