/**
 * --yara end to end through the built CLI (docs/yara.md): the rules' matches on the real-world
 * corpus agree with the yara command-line tool (libyara) rule by rule and file by file; every file
 * the walk inspects in a disk image is given to the rules (fls's list); a staged batch script only
 * a rule flags becomes a finding with its level, ATT&CK ids and details, the same with --jobs 2;
 * a rule that runs away is stopped at the time limit and the scan goes on; bad rules and options
 * are one line and exit code 2.
 */
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarOf, zipOf } from '../helpers/archive-builders.js';
import { ARCHIVES_AS_BSDTAR_EXTRACTS } from '../helpers/corpus-archives.js';
import { SCHEMA_VERSION, type YaraMeta } from '../../src/model/report.js';
import { namedLikeArchive } from '../../src/artifacts/archive/nested.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, DIST_MISSING, testIf, toolAvailable, toolMissing } from '../helpers/corpus.js';

const built = existsSync(BIN) && existsSync(path.join(ROOT, 'dist', 'bundle', 'yara-worker.js'));
const REFERENCE_RULES = path.join(ROOT, 'fixtures', 'yara', 'reference.yar');

interface Finding {
  root: string;
  path: string;
  level: string;
  attack: string[];
  reasons: Array<{ rule: string; message: string }>;
  details?: { yara?: Array<{ rule: string; member?: string; file: string; level: string; tags: string[]; strings: Array<{ id: string; count: number; offsets: number[] }> }> };
}
interface Report {
  findings: Finding[];
  errors: Array<{ path: string; code: string; message: string }>;
  meta: {
    schemaVersion: string;
    roots: Array<{ label: string; filesScanned: number }>;
    yara?: YaraMeta;
  };
}

function scanJson(args: string[], timeoutMs = 300_000): { report: Report; stderr: string } {
  const r = runCli(['scan', ...args, '--format', 'json', '--min-level', 'info', '--keep-all-low', '--hash', 'none'], { timeoutMs });
  if (r.status !== 0) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/** (rule, file) pairs of a report's YARA matches on whole files (not archive members), files as absolute paths. */
function matchedPairs(report: Report, rootsAbs: Map<string, string>): Set<string> {
  const pairs = new Set<string>();
  for (const f of report.findings) for (const d of f.details?.yara ?? []) if (d.member === undefined) pairs.add(`${d.rule} ${path.join(rootsAbs.get(f.root)!, f.path)}`);
  return pairs;
}

/** (rule, archive/member) pairs of a report's YARA matches on archive members (a leading ./ dropped, as extraction does). */
function memberPairs(report: Report): Set<string> {
  const pairs = new Set<string>();
  for (const f of report.findings) for (const d of f.details?.yara ?? []) if (d.member !== undefined) pairs.add(`${d.rule} ${f.path}/${d.member.replace(/^\.\//, '')}`);
  return pairs;
}

// A spread of the corpus's kinds (hives, event logs, Jump Lists, Prefetch, LNK, Recycle Bin, archives, images): about 650 files.
const CORPUS_ROOTS = ['regf', 'evtx', 'jumplist', 'prefetch/plaso', 'recyclebin/plaso', 'lnk/plaso', 'archives/file-type', 'images/plaso'];

describe('YARA matches against the yara command-line tool on the corpus', () => {
  const ready = built && corpusAvailable() && toolAvailable('yara');
  const reason = !built ? DIST_MISSING : !corpusAvailable() ? CORPUS_MISSING : toolMissing('yara');
  testIf(ready, reason)('the same rules match the same files (every rule of fixtures/yara/reference.yar)', () => {
    const roots = CORPUS_ROOTS.map((r) => corpusPath(r));
    const { report } = scanJson([...roots, '--scope', 'all', '--quiet', '--yara', REFERENCE_RULES]);
    const ours = matchedPairs(report, new Map(roots.map((r) => [r, r])));
    // yara takes one target a run.
    const yaraOut = roots.map((r) => execFileSync('yara', ['-r', '-w', REFERENCE_RULES, r], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).join('');
    const theirs = new Set(yaraOut.split('\n').filter(Boolean).map((line) => {
      const at = line.indexOf(' ');
      return `${line.slice(0, at)} ${path.resolve(line.slice(at + 1))}`;
    }));
    // Enough to mean something: most rules match some file, hundreds of pairs in all.
    expect(theirs.size).toBeGreaterThan(300);
    expect(new Set([...theirs].map((p) => p.split(' ')[0])).size).toBeGreaterThanOrEqual(15);
    expect([...ours].filter((p) => !theirs.has(p)).sort()).toEqual([]);
    expect([...theirs].filter((p) => !ours.has(p)).sort()).toEqual([]);
    // Every file walked was scanned by the rules, none timed out or failed.
    const y = report.meta.yara!;
    expect(y.filesScanned).toBe(report.meta.roots.reduce((n, r) => n + r.filesScanned, 0));
    expect([y.timedOut, y.errors, y.tooLarge, y.stopped]).toEqual([0, 0, 0, false]);
    expect(report.meta.schemaVersion).toBe(SCHEMA_VERSION);
  }, 600_000);


  testIf(ready && toolAvailable('bsdtar') && toolAvailable('bsdcat'), ready ? toolMissing('bsdtar or bsdcat') : reason)('archive members: the same rules match the same members as yara on what bsdtar extracts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-yara-members-'));
    try {
      // The archives (copies, so the scan sees only them) and, beside, each one's members as bsdtar (bsdcat for a stream without a tar) extracts them.
      const root = path.join(dir, 'root');
      const extracted = path.join(dir, 'extracted');
      mkdirSync(root);
      const streams = new Set<string>();
      for (const rel of ARCHIVES_AS_BSDTAR_EXTRACTS) {
        const name = rel.replace('/', '__');
        writeFileSync(path.join(root, name), readFileSync(corpusPath('archives', rel)));
        const out = path.join(extracted, name);
        mkdirSync(out, { recursive: true });
        const r = spawnSync('bsdtar', ['-xf', path.join(root, name), '-C', out]);
        if (r.status !== 0) {
          // A compressed stream without a tar: its one member (stagehunt names it as gzip's stored name says, or the file's without its suffix).
          writeFileSync(path.join(out, 'STREAM'), execFileSync('bsdcat', [path.join(root, name)], { maxBuffer: 64 << 20 }));
          streams.add(name);
        }
      }
      expect(streams.size).toBe(4);
      // Archives inside them (named like one, as stagehunt opens them: archive/nested.ts), extracted the same way
      // under inside/<archive>/<member>/, so that yara names their members as stagehunt does.
      const inside = path.join(dir, 'inside');
      mkdirSync(inside);
      for (const name of readdirSync(extracted)) {
        const files = execFileSync('find', [path.join(extracted, name), '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const file of files.filter((f) => namedLikeArchive(f))) {
          const out = path.join(inside, path.relative(extracted, file));
          mkdirSync(out, { recursive: true });
          expect(spawnSync('bsdtar', ['-xf', file, '-C', out]).status).toBe(0);
        }
      }
      // With the reference rules, three that any member may meet: every member is given (Every_File), whole (the sizes), as text.
      const rules = path.join(dir, 'members.yar');
      writeFileSync(rules, `${readFileSync(REFERENCE_RULES, 'utf8')}\nrule Every_File { condition: true }\nrule Size_Band { condition: filesize > 100 and filesize < 20000 }\nrule Text_The { strings: $a = "the" nocase condition: #a > 2 }\n`);
      const { report } = scanJson([root, '--scope', 'all', '--quiet', '--yara', rules]);
      for (const f of report.findings) for (const d of f.details?.yara ?? []) if (d.member !== undefined && streams.has(f.path)) d.member = 'STREAM';
      const ours = memberPairs(report);
      const theirs = new Set<string>();
      for (const tree of [extracted, inside]) {
        // Not through symbolic links: a link in an archive carries no bytes of its own (the RAR's testlink).
        const yaraOut = execFileSync('yara', ['-r', '-N', '-w', rules, tree], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        for (const line of yaraOut.split('\n').filter(Boolean)) {
          const at = line.indexOf(' ');
          theirs.add(`${line.slice(0, at)} ${path.relative(tree, line.slice(at + 1))}`);
        }
      }
      // 102 on the archives' members (the RAR ones decoded from RAR 2.9's and RAR 5's own methods among them),
      // and on the one archive inside them (libarchive's nested ZIP holds small.zip).
      expect(theirs.size).toBe(103);
      expect([...ours].filter((p) => !theirs.has(p)).sort()).toEqual([]);
      expect([...theirs].filter((p) => !ours.has(p)).sort()).toEqual([]);
      const m = report.meta.yara!.members!;
      expect(m.archives).toBe(ARCHIVES_AS_BSDTAR_EXTRACTS.length);
      expect([m.encrypted, m.method, m.tooLarge, m.budget, m.beyond, m.damaged]).toEqual([0, 0, 0, 0, 0, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  testIf(built && corpusAvailable(), built ? CORPUS_MISSING : DIST_MISSING)('in a disk image, every regular file fls lists is given to the rules', () => {
    const image = corpusPath('images', 'dfvfs', 'ext2.E01');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-yara-'));
    try {
      writeFileSync(path.join(dir, 'any.yar'), 'rule Any_File { meta: level = "info" condition: true }\n');
      const { report } = scanJson([image, '--scope', 'all', '--quiet', '--yara', path.join(dir, 'any.yar')]);
      // The corpus's expectation: fls -r -p on the image (r/r lines are regular files).
      const fls = readFileSync(corpusPath('images', 'dfvfs', 'ext2.E01.expected.fls.txt'), 'utf8');
      const regular = fls.split('\n').filter((l) => l.startsWith('r/r')).map((l) => l.slice(l.indexOf('\t') + 1)).sort();
      expect(regular.length).toBeGreaterThan(0);
      const matched = report.findings.filter((f) => f.details?.yara?.some((d) => d.rule === 'Any_File')).map((f) => f.path).sort();
      expect(matched).toEqual(regular);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('YARA on a staged tree', () => {
  let dir: string;
  let root: string;
  let rules: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-yara-'));
    root = path.join(dir, 'root');
    rules = path.join(dir, 'rules');
    mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
    mkdirSync(path.join(root, 'Users', 'bob', 'Documents'), { recursive: true });
    mkdirSync(rules);
    // A batch script no built-in rule reads (stagehunt parses histories, not scripts): only the YARA rule flags it.
    writeFileSync(path.join(root, 'Users', 'bob', 'Documents', 'backup.bat'), '@echo off\r\n7z a -pS3cret -mhe=on C:\\Users\\Public\\b.7z C:\\Users\\bob\\Documents\\*\r\ndel /q C:\\Users\\bob\\Documents\\*.docx\r\n');
    writeFileSync(path.join(root, 'Users', 'bob', 'Documents', 'notes.txt'), 'nothing to see\n');
    writeFileSync(path.join(root, 'Windows', 'Temp', 'a-slow.log'), 'a'.repeat(400_000));
    writeFileSync(path.join(root, 'Windows', 'Temp', 'b-after.txt'), 'marker-after-the-slow-file\n');
    writeFileSync(
      path.join(rules, 'staging.yar'),
      [
        'rule Staging_Batch_Archive_Password : T1074_001 {',
        '  meta: description = "batch script that archives with a password" score = 70 mitre_attack = "T1560.001"',
        '  strings: $7z = "7z a " ascii nocase $pw = /-p[^ \\r\\n]{3,}/ $del = "del /q" nocase',
        '  condition: $7z and $pw and $del and extension == ".bat" and filepath contains "\\\\Documents\\\\"',
        '}',
        'rule Marker { meta: severity = "low" strings: $m = "marker-after-the-slow-file" condition: $m }',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(rules, 'slow.yar'), 'rule Runaway { strings: $r = /a.*b.*c.*d.*e/ condition: $r }\n');
    writeFileSync(path.join(rules, 'broken.yar'), 'rule Broken { condition: no_such_identifier }\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  testIf(built, DIST_MISSING)('a file only a rule flags becomes a finding; a runaway rule is stopped and the scan goes on', () => {
    const { report, stderr } = scanJson([root, '--os', 'windows', '--scope', 'all', '--yara', rules, '--yara-timeout', '1', '--verbose']);
    const bat = report.findings.find((f) => f.path === 'Users/bob/Documents/backup.bat')!;
    expect(bat).toBeDefined();
    expect(bat.level).toBe('high');
    expect(bat.reasons.map((r) => r.rule)).toContain('yara-high');
    expect(bat.reasons.find((r) => r.rule === 'yara-high')!.message).toMatch(/^YARA rule Staging_Batch_Archive_Password \(.*staging\.yar\) matched: batch script that archives with a password; \$7z at 0xb, \$pw at 0x10, \$del at 0x/);
    expect(bat.attack).toEqual(expect.arrayContaining(['T1074.001', 'T1560.001']));
    expect(bat.details!.yara).toEqual([{ rule: 'Staging_Batch_Archive_Password', file: path.join(rules, 'staging.yar'), level: 'high', tags: ['T1074_001'], strings: [{ id: '$7z', count: 1, offsets: [11] }, { id: '$pw', count: 1, offsets: [16] }, { id: '$del', count: 1, offsets: expect.any(Array) }] }]);
    expect(report.findings.some((f) => f.path.endsWith('notes.txt'))).toBe(false);
    // The runaway rule: its file is an error entry, its worker replaced, and the next file still matched.
    expect(report.errors).toEqual([expect.objectContaining({ path: 'Windows/Temp/a-slow.log', code: 'ETIMEDOUT' })]);
    expect(report.findings.find((f) => f.path === 'Windows/Temp/b-after.txt')?.details?.yara?.[0]?.rule).toBe('Marker');
    const y = report.meta.yara!;
    expect(y.timedOut).toBe(1);
    expect(y.unsupported).toEqual([{ path: path.join(rules, 'broken.yar'), reason: expect.stringMatching(/unknown identifier `no_such_identifier`/) }]);
    expect(y.files.map((f) => path.basename(f.path))).toEqual(['broken.yar', 'slow.yar', 'staging.yar']);
    expect(y.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(stderr).toMatch(/yara: 2 rule files compiled; 1 left out/);
    expect(stderr).toMatch(/left out .*broken\.yar: error\[E009\]/);
  }, 120_000);

  testIf(built, DIST_MISSING)('explain --yara judges the file as the scan with the same rules does', () => {
    const file = path.join(root, 'Users', 'bob', 'Documents', 'backup.bat');
    // explain detects the root's OS (this small tree's is unknown: filepath has / separators), so this rule tests no path.
    const bat = path.join(dir, 'bat.yar');
    writeFileSync(bat, 'rule Bat_Seven_Zip { meta: score = 70 strings: $7z = "7z a " condition: $7z and extension == ".bat" }\n');
    const r = runCli(['explain', file, '--root', root, '--scope', 'all', '--yara', bat, '--format', 'json', '--quiet']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: { level: string; reasons: Array<{ rule: string; message: string }> } };
    expect(report.verdict.reasons.map((x) => x.rule)).toContain('yara-high');
    // Without the rules the file has no finding: the reason is the rules'.
    const plain = JSON.parse(runCli(['explain', file, '--root', root, '--scope', 'all', '--format', 'json']).stdout) as typeof report;
    expect(plain.verdict.reasons.map((x) => x.rule)).not.toContain('yara-high');
    // A file with no root is judged on its own, the rules' reason included.
    const alone = runCli(['explain', path.join(root, 'Windows', 'Temp', 'b-after.txt'), '--yara', path.join(rules, 'staging.yar'), '--format', 'json', '--quiet']);
    expect((JSON.parse(alone.stdout) as typeof report).verdict.reasons.map((x) => x.rule)).toContain('yara-low');
  }, 120_000);

  testIf(built, DIST_MISSING)('the same report with --jobs 2 (files inspected by the pool are read by the rules here)', () => {
    const strip = (r: Report): unknown => ({ findings: r.findings, errors: r.errors, yara: { ...r.meta.yara } });
    const one = scanJson([root, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar')]).report;
    const two = scanJson([root, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar'), '--jobs', '2']).report;
    expect(one.findings.length).toBeGreaterThan(0);
    expect(strip(two)).toEqual(strip(one));
  }, 120_000);

  testIf(built, DIST_MISSING)('more files than a worker scans before it is replaced: every one answered, none lost on the way', () => {
    const many = path.join(dir, 'many');
    // LIMITS.yaraFilesPerWorker is 500: 1,100 files replace each of two workers at least once.
    for (let i = 0; i < 1100; i++) {
      const folder = path.join(many, `d${Math.floor(i / 100)}`);
      if (i % 100 === 0) mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, `f${i}.txt`), `file ${i} marker-after-the-slow-file\n`);
    }
    const { report } = scanJson([many, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar')]);
    const y = report.meta.yara!;
    expect([y.filesScanned, y.filesMatched, y.timedOut, y.errors]).toEqual([1100, 1100, 0, 0]);
    expect(report.errors).toEqual([]);
    expect(report.findings.filter((f) => f.details?.yara?.[0]?.rule === 'Marker').length).toBe(1100);
  }, 180_000);

  testIf(built, DIST_MISSING)('rules that run away on file after file are stopped after 20 timeouts; the scan finishes', () => {
    const slow = path.join(dir, 'slow-tree');
    mkdirSync(slow, { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(path.join(slow, `a${String(i).padStart(2, '0')}.log`), 'a'.repeat(300_000));
    const { report } = scanJson([slow, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'slow.yar'), '--yara-timeout', '0.2']);
    const y = report.meta.yara!;
    expect(y.timedOut).toBe(20);
    expect(y.stopped).toBe(true);
    expect(report.errors.filter((e) => e.code === 'ETIMEDOUT')).toHaveLength(20);
    expect(report.errors.some((e) => /YARA stopped for the rest of the scan after 20 files timed out/.test(e.message))).toBe(true);
    // The files out to the other worker when the rules stopped are said, not silently dropped.
    expect(report.errors.filter((e) => e.code === 'EYARA').every((e) => /not applied: the rules were stopped after 20 files timed out/.test(e.message))).toBe(true);
  }, 180_000);

  testIf(built, DIST_MISSING)('files above --yara-max-size are counted, not scanned', () => {
    const { report } = scanJson([root, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar'), '--yara-max-size', '100']);
    // a-slow.log and backup.bat are above 100 bytes; notes.txt and b-after.txt are scanned (the marker matches).
    expect(report.meta.yara!.tooLarge).toBe(2);
    expect(report.findings.filter((f) => f.details?.yara).map((f) => f.path)).toEqual(['Windows/Temp/b-after.txt']);
  }, 120_000);

  testIf(built, DIST_MISSING)('archive members: a staged archive\'s batch script is matched inside it, with the member named; encrypted members counted; packages opened on request; --yara-members 0 opens none', () => {
    const staged = path.join(dir, 'staged');
    const temp = path.join(staged, 'Windows', 'Temp', 'out');
    mkdirSync(temp, { recursive: true });
    const bat = readFileSync(path.join(root, 'Users', 'bob', 'Documents', 'backup.bat'));
    writeFileSync(path.join(temp, 'collect.zip'), zipOf([['Documents/backup.bat', bat], ['Documents/notes.txt', Buffer.from('nothing to see\n')]]));
    writeFileSync(path.join(temp, 'collect.tgz'), gzipSync(tarOf([['./Documents/backup.bat', bat]])));
    writeFileSync(path.join(temp, 'report.docx'), zipOf([['[Content_Types].xml', Buffer.from('<Types/>')], ['word/document.xml', Buffer.from('marker-after-the-slow-file')]]));
    const rule = path.join(dir, 'member.yar');
    // filepath: the archive's path, then the member's (Windows separators on a Windows root).
    writeFileSync(rule, 'rule Staged_Bat { meta: score = 70 strings: $7z = "7z a -p" condition: $7z and extension == ".bat" and filepath contains "\\\\Temp\\\\out\\\\collect." }\nrule Marker { meta: severity = "low" strings: $m = "marker-after-the-slow-file" condition: $m }\n');
    const { report } = scanJson([staged, '--os', 'windows', '--scope', 'all', '--quiet', '--yara', rule]);
    const zip = report.findings.find((f) => f.path === 'Windows/Temp/out/collect.zip')!;
    expect(zip.details!.yara).toEqual([{ rule: 'Staged_Bat', member: 'Documents/backup.bat', file: rule, level: 'high', tags: [], strings: [{ id: '$7z', count: 1, offsets: [11] }] }]);
    expect(zip.reasons.find((r) => r.rule === 'yara-high')!.message).toBe(`YARA rule Staged_Bat (${rule}) matched archive member "Documents/backup.bat"; $7z at 0xb`);
    expect(report.findings.find((f) => f.path === 'Windows/Temp/out/collect.tgz')!.details!.yara!.map((d) => d.member)).toEqual(['./Documents/backup.bat']);
    // The .docx is a package: given as a file (its deflated XML matches nothing), not opened.
    expect(report.findings.find((f) => f.path === 'Windows/Temp/out/report.docx')?.details?.yara).toBeUndefined();
    expect(report.meta.yara!.members).toEqual({ archives: 2, packages: 1, scanned: 3, matched: 2, encrypted: 0, method: 0, tooLarge: 0, budget: 0, beyond: 0, damaged: 0 });
    expect(report.meta.yara!.maxMembers).toBe(1000);
    const packages = scanJson([staged, '--os', 'windows', '--scope', 'all', '--quiet', '--yara', rule, '--yara-packages']).report;
    expect(packages.findings.find((f) => f.path === 'Windows/Temp/out/report.docx')!.details!.yara!.map((d) => [d.rule, d.member])).toEqual([['Marker', 'word/document.xml']]);
    expect(packages.meta.yara!.packagesOpened).toBe(true);
    const none = scanJson([staged, '--os', 'windows', '--scope', 'all', '--quiet', '--yara', rule, '--yara-members', '0']).report;
    expect(none.findings.flatMap((f) => f.details?.yara ?? [])).toEqual([]);
    expect(none.meta.yara!.maxMembers).toBe(0);
    expect(none.meta.yara!.members).toBeUndefined();
  }, 120_000);

  testIf(built, DIST_MISSING)('archives inside archives: a batch script in a ZIP and in a .tgz inside a ZIP is matched, named by its path through each; counted with the archive\'s members', () => {
    const staged = path.join(dir, 'staged-nested');
    const temp = path.join(staged, 'Windows', 'Temp', 'out');
    mkdirSync(temp, { recursive: true });
    const bat = readFileSync(path.join(root, 'Users', 'bob', 'Documents', 'backup.bat'));
    writeFileSync(path.join(temp, 'collect.all.zip'), zipOf([['x.zip', zipOf([['Documents/backup.bat', bat]])], ['parts/inner.tgz', gzipSync(tarOf([['b/backup.bat', bat]]))]]));
    const rule = path.join(dir, 'member-nested.yar');
    writeFileSync(rule, 'rule Staged_Bat { meta: score = 70 strings: $7z = "7z a -p" condition: $7z and extension == ".bat" and filepath contains "\\\\Temp\\\\out\\\\collect.all.zip\\\\" }\n');
    const { report } = scanJson([staged, '--os', 'windows', '--scope', 'all', '--quiet', '--yara', rule]);
    const zip = report.findings.find((f) => f.path === 'Windows/Temp/out/collect.all.zip')!;
    expect(zip.details!.yara!.map((d) => d.member).sort()).toEqual(['parts/inner.tgz/b/backup.bat', 'x.zip/Documents/backup.bat']);
    // The two inner archives are members too (scanned whole, matching nothing), then each one's member.
    expect(report.meta.yara!.members).toEqual({ archives: 1, packages: 0, scanned: 4, matched: 2, encrypted: 0, method: 0, tooLarge: 0, budget: 0, beyond: 0, damaged: 0 });
    // --yara-members bounds the file's members, and the members inside them as many again: with 1, x.zip and its one member.
    const capped = scanJson([staged, '--os', 'windows', '--scope', 'all', '--quiet', '--yara', rule, '--yara-members', '1']).report;
    expect(capped.meta.yara!.members).toMatchObject({ scanned: 2, matched: 1, beyond: 1 });
  }, 120_000);

  testIf(built && corpusAvailable() && toolAvailable('yara') && toolAvailable('bsdtar'), built ? toolMissing('yara, bsdtar or the corpus') : DIST_MISSING)('cabinet members: the rules match inside LZX and stored cabinets as yara does on what bsdtar extracts', () => {
    const cabs = path.join(dir, 'cabs');
    const extracted = path.join(dir, 'cabs-extracted');
    mkdirSync(cabs, { recursive: true });
    const names = { 'flash.cab': ['file-type', 'fixture.cab'], 'lzx18.cab': ['libarchive', 'test_read_format_cab_3.cab'], 'stored.cab': ['libarchive', 'test_read_format_cab_1.cab'] };
    for (const [name, rel] of Object.entries(names)) {
      writeFileSync(path.join(cabs, name), readFileSync(corpusPath('archives', ...rel)));
      mkdirSync(path.join(extracted, name), { recursive: true });
      expect(spawnSync('bsdtar', ['-xf', path.join(cabs, name), '-C', path.join(extracted, name)]).status).toBe(0);
    }
    const rule = path.join(dir, 'cab-members.yar');
    writeFileSync(rule, 'rule Inf_Version { strings: $a = "[Version]" nocase condition: $a }\nrule Program { condition: uint16(0) == 0x5a4d }\nrule Small_Text { condition: filesize > 0 and filesize < 64 and uint8(0) >= 0x20 }\n');
    const { report } = scanJson([cabs, '--scope', 'all', '--quiet', '--yara', rule]);
    const ours = new Set(report.findings.flatMap((f) => (f.details?.yara ?? []).filter((d) => d.member !== undefined).map((d) => `${d.rule} ${f.path}/${d.member!.replace(/\\/g, '/')}`)));
    const theirs = new Set(execFileSync('yara', ['-r', '-w', rule, extracted], { encoding: 'utf8' }).split('\n').filter(Boolean).map((line) => `${line.slice(0, line.indexOf(' '))} ${path.relative(extracted, line.slice(line.indexOf(' ') + 1))}`));
    expect(theirs.size).toBeGreaterThanOrEqual(3);
    expect([...ours].sort()).toEqual([...theirs].sort());
    expect(report.meta.yara!.members).toMatchObject({ archives: 3, damaged: 0, method: 0, budget: 0 });
  }, 120_000);

  testIf(built, DIST_MISSING)('an archive of more members than a worker scans before it is replaced: handed on, every member answered once', () => {
    const big = path.join(dir, 'big-archive');
    mkdirSync(big, { recursive: true });
    // LIMITS.yaraFilesPerWorker is 500: 1,200 members go through three workers.
    writeFileSync(path.join(big, 'many.zip'), zipOf(Array.from({ length: 1200 }, (_, i) => [`m/${i}.txt`, Buffer.from(`member ${i} marker-after-the-slow-file\n`)] as [string, Buffer])));
    const { report } = scanJson([big, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar'), '--yara-members', '1200']);
    const m = report.meta.yara!.members!;
    expect([m.archives, m.scanned, m.matched, m.beyond]).toEqual([1, 1200, 1200, 0]);
    const found = report.findings.find((f) => f.path === 'many.zip')!;
    // The first 100 matches are reported, in member order; a warning says more matched.
    expect(found.details!.yara!.map((d) => d.member)).toEqual(Array.from({ length: 100 }, (_, i) => `m/${i}.txt`));
    expect(report.errors).toEqual([expect.objectContaining({ path: 'many.zip', code: 'WARN', message: 'YARA: more rules matched than are reported (the first 100 are)' })]);
    // --yara-members 50: the rest are counted and said.
    const capped = scanJson([big, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'staging.yar'), '--yara-members', '50']).report;
    expect([capped.meta.yara!.members!.scanned, capped.meta.yara!.members!.beyond]).toEqual([50, 1150]);
    expect(capped.errors.some((e) => e.message.startsWith('YARA: archive members not given to the rules whole: 1150 past --yara-members'))).toBe(true);
  }, 180_000);

  testIf(built, DIST_MISSING)('a rule that runs away on an archive member: the time limit is the member\'s, the error names it, and what the members before it matched is kept', () => {
    const slow = path.join(dir, 'slow-member');
    mkdirSync(slow, { recursive: true });
    writeFileSync(path.join(slow, 'logs.zip'), zipOf([['small.txt', Buffer.from('tiny')], ['logs/a-slow.log', Buffer.from('a'.repeat(400_000))]]));
    const { report } = scanJson([slow, '--scope', 'all', '--quiet', '--yara', path.join(rules, 'slow.yar'), '--yara-timeout', '1']);
    expect(report.errors).toEqual([expect.objectContaining({ path: 'logs.zip', code: 'ETIMEDOUT', message: 'YARA: the rules did not finish within 1 s on its member "logs/a-slow.log" (the matches of that member and the ones after it are unknown)' })]);
    expect(report.meta.yara!.timedOut).toBe(1);

    // With a rule that matches the member before the slow one: that match is reported, and the error says it is kept.
    const twoRules = path.join(dir, 'rules-slow-and-tiny');
    mkdirSync(twoRules, { recursive: true });
    writeFileSync(path.join(twoRules, 'slow.yar'), readFileSync(path.join(rules, 'slow.yar')));
    writeFileSync(path.join(twoRules, 'tiny.yar'), 'rule Tiny_Member { meta: score = 60 strings: $t = "tiny" condition: $t and filename == "small.txt" }\n');
    const kept = scanJson([slow, '--scope', 'all', '--quiet', '--yara', twoRules, '--yara-timeout', '1']).report;
    expect(kept.errors).toEqual([expect.objectContaining({ path: 'logs.zip', code: 'ETIMEDOUT', message: 'YARA: the rules did not finish within 1 s on its member "logs/a-slow.log" (the 1 match before it is kept; the matches of that member and the ones after it are unknown)' })]);
    const zip = kept.findings.find((f) => f.path === 'logs.zip')!;
    expect(zip.details!.yara!.map((d) => [d.rule, d.member])).toEqual([['Tiny_Member', 'small.txt']]);
    expect(zip.reasons.map((r) => r.message)).toContainEqual(expect.stringMatching(/^YARA rule Tiny_Member \([^)]*tiny\.yar\) matched archive member "small\.txt"; \$t at 0x0$/));
    expect([kept.meta.yara!.timedOut, kept.meta.yara!.filesMatched]).toEqual([1, 1]);
  }, 120_000);

  testIf(built, DIST_MISSING)('bad rules and options: one line, exit code 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--yara', path.join(rules, 'broken.yar')], /^stagehunt: --yara .*broken\.yar: error\[E009\]: unknown identifier `no_such_identifier`\n$/],
      [['--yara', path.join(dir, 'missing.yar')], /^stagehunt: --yara .*missing\.yar: no such file or directory\n$/],
      [['--yara', root], /no \.yar or \.yara rule file found\n$/],
      [['--yara', rules, '--yara-max-size', '2G'], /^stagehunt: --yara-max-size '2G': give bytes or a size such as 64M, at most 1G\n$/],
      [['--yara', rules, '--yara-timeout', '-1'], /^stagehunt: --yara-timeout '-1': give seconds from 0.001 to 3600\n$/],
    ];
    for (const [args, line] of cases) {
      const r = runCli(['scan', root, ...args]);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toMatch(line);
      expect(r.stdout).toBe('');
    }
  }, 120_000);
});
