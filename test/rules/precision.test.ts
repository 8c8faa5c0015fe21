/**
 * The precision model of issue 11 (docs/scoring.md), piece by piece: the place scored once and not
 * for deleted items, known-benign producers (and what switches them off), contents deciding, a name
 * alone not being a hive, bulk text exports, single-type bursts, link points and episode ranking.
 */
import { describe, expect, test } from '@jest/globals';
import { scoreCandidates } from '../../src/pipeline/score.js';
import type { Hotspot } from '../../src/hotspots/catalog.js';
import type { Candidate } from '../../src/rules/types.js';
import { benignProducerFor, globToRegExp } from '../../src/rules/producers.js';
import { bulkTextHit } from '../../src/rules/file-rules.js';
import { burstHits, findMediaBurst, type DirFileFact } from '../../src/rules/directory-rules.js';
import { classifyContents, sensitiveContents } from '../../src/artifacts/archive/indicators.js';
import type { ArchiveEntry } from '../../src/artifacts/archive/summary.js';
import { correlate } from '../../src/correlate/links.js';
import { buildEpisodes } from '../../src/timeline/episodes.js';
import type { Finding } from '../../src/model/finding.js';
import { whyNotHigher } from '../../src/rules/why-not.js';

const temp: Hotspot = { id: 'win-windows-temp', description: 'C:\\Windows\\Temp', pattern: 'Windows/Temp', weight: 20, references: ['x'] } as Hotspot;
const score = (c: Candidate, hotspot: Hotspot | null = temp, exists?: (rel: string) => boolean): Finding =>
  scoreCandidates([c], { root: '/img', rootLabel: 'img', hotspotOf: () => hotspot, exists }).findings[0]!;
const file = (path: string, hits: Candidate['hits']): Candidate => ({ kind: 'file', path, hits: [...hits] });
const entry = (name: string): ArchiveEntry => ({ name, size: 1, compressedSize: 1, modified: null, encrypted: false, isDirectory: false });

describe('the place is context, scored once', () => {
  test('a plain archive in a hotspot stays below high; encryption takes it there', () => {
    expect(score(file('Windows/Temp/a.zip', [{ rule: 'archive-present', message: 'zip' }])).level).toBe('low');
    expect(score(file('PerfLogs/a.zip', [{ rule: 'archive-present', message: 'zip' }]), { ...temp, id: 'win-perflogs', weight: 25 }).level).toBe('medium');
    const enc = score(file('Windows/Temp/a.zip', [{ rule: 'archive-encrypted', message: 'zip, 2 encrypted' }]));
    expect(enc.reasons.map((r) => r.rule)).toEqual(['archive-encrypted', 'in-staging-location']);
    expect(enc.level).toBe('high');
  });
  test('deleted items get no place points: the bin is where deletion puts them', () => {
    const f = score(file('$Recycle.Bin/S-1-5-21-1-2-3-1001/$RABC.zip', [{ rule: 'archive-present', message: 'zip' }]), { ...temp, id: 'win-recycle-bin' });
    expect(f.reasons.map((r) => r.rule)).toEqual(['archive-present']);
    const trash = score(file('home/eve/.local/share/Trash/files/a.tar.gz', [{ rule: 'archive-present', message: 'tar' }]), { ...temp, id: 'lin-trash' });
    expect(trash.reasons.map((r) => r.rule)).toEqual(['archive-present']);
  });
});

describe('known-benign producers', () => {
  test('globs: ** spans folders, * stays in one name, case-insensitive', () => {
    expect(globToRegExp('Users/*/AppData/**/Cache/Cache_Data/**').test('users/BOB/appdata/local/BraveSoftware/Brave-Browser/User Data/Default/Cache/Cache_Data/f_0001')).toBe(true);
    expect(globToRegExp('Windows/Temp/WER*.tmp.*').test('Windows/Temp/sub/WER1.tmp.mdmp')).toBe(false);
    expect(globToRegExp('tmp/{v8-compile-cache-*,hsperfdata_*}/**').test('tmp/hsperfdata_root/123')).toBe(true);
  });
  test('lower what their owners write in their own places, instead of the place', () => {
    const q = score(file('ProgramData/Microsoft/Windows Defender/Quarantine/ResourceData/0B/0B9A', [{ rule: 'fingerprint-high-entropy-unknown', message: 'random' }]), { ...temp, id: 'win-programdata', weight: 10 });
    expect(q.reasons.map((r) => `${r.rule}:${r.score}`)).toEqual(['fingerprint-high-entropy-unknown:45', 'known-benign-producer:-30']);
    expect(q.level).toBe('info');
  });
  test('a staging archive dropped into a producer folder is still caught when other evidence points at it', () => {
    const f = score(file('Users/a/AppData/Local/Spotify/Data/ab/x.file', [{ rule: 'archive-headers-encrypted', message: '7z' }, { rule: 'named-in-history', message: 'written per ...', score: 35 }]), { ...temp, id: 'win-appdata-local-unusual', weight: 5 });
    expect(f.reasons.map((r) => r.rule)).not.toContain('known-benign-producer');
    expect(f.level).toBe('critical');
  });
  test('log rotation needs the live log next to the rotated one', () => {
    expect(benignProducerFor('var/log/auth.log.2.gz', (rel) => rel === 'var/log/auth.log')?.id).toBe('logrotate');
    expect(benignProducerFor('var/log/ldapd-auth.2.gz', (rel) => rel === 'var/log/auth.log')).toBeNull();
  });
});

describe('contents decide', () => {
  test('user documents against program files, packages and logs', () => {
    expect(classifyContents(['a/contract.docx', 'a/salary.xlsx', 'a/readme.txt'].map(entry))).toMatchObject({ files: 3, userData: 2, program: 1 });
    expect(classifyContents(['go/bin/go', 'go/src/fmt/print.go', 'go/LICENSE', 'go/VERSION'].map(entry))).toMatchObject({ userData: 0, program: 4 });
    expect(classifyContents(['etc/nginx/nginx.conf', 'etc/nginx/sites-available/default'].map(entry))).toMatchObject({ userData: 0, program: 2 });
    expect(classifyContents(['pkg-1.0.dist-info/entry_points.txt', 'pkg/__init__.py'].map(entry))).toMatchObject({ userData: 0, program: 2 });
  });
  test('a name alone is not a hive (the JDK public_suffix_list.dat holds an entry named "security")', () => {
    expect(sensitiveContents(['security', 'com', 'system'].map(entry)).size).toBe(0);
    expect([...sensitiveContents(['Windows/System32/config/SAM'].map(entry)).keys()]).toEqual(['registry hive (SAM/SYSTEM/SECURITY)']);
    expect([...sensitiveContents(['ifm/registry/SECURITY'].map(entry)).keys()]).toEqual(['registry hive (SAM/SYSTEM/SECURITY)']);
    expect([...sensitiveContents(['sam.save'].map(entry)).keys()]).toEqual(['registry hive (SAM/SYSTEM/SECURITY)']);
  });
});

describe('bulk text exports', () => {
  const facts = (head: string, size = 200_000, name = 'a.txt') => ({ hotspot: temp, head: Buffer.from(head, 'latin1'), size, name });
  test('certutil -encode output, account dumps, SQL dumps and big CSVs in a hotspot', () => {
    const b64 = Array.from({ length: 40 }, () => 'QUJD'.repeat(16)).join('\r\n');
    expect(bulkTextHit(facts(`-----BEGIN CERTIFICATE-----\r\n${b64}\r\n`))?.message).toMatch(/certutil -encode/);
    expect(bulkTextHit(facts(Array.from({ length: 30 }, (_, i) => `dn:CN=u${i},DC=corp\n>sAMAccountName: u${i}`).join('\n') + '\n'))?.message).toMatch(/LDAP account dump/);
    expect(bulkTextHit(facts(Array.from({ length: 30 }, (_, i) => `INSERT INTO t VALUES (${i},'x');`).join('\n') + '\n'))?.message).toMatch(/SQL dump/);
    expect(bulkTextHit(facts(['id,name,mail,phone', ...Array.from({ length: 40 }, (_, i) => `${i},n${i},m${i}@x,555`)].join('\n') + '\n'))?.message).toMatch(/4 columns/);
  });
  test('small files, logs, ordinary text and files outside hotspots are not exports', () => {
    const csv = ['id,name,mail,phone', ...Array.from({ length: 40 }, (_, i) => `${i},n${i},m${i}@x,555`)].join('\n') + '\n';
    expect(bulkTextHit(facts(csv, 10_000))).toBeNull();
    expect(bulkTextHit(facts(csv, 200_000, 'setup.log'))).toBeNull();
    expect(bulkTextHit({ ...facts(csv), hotspot: null })).toBeNull();
    expect(bulkTextHit(facts('MSI (s) (A0:1C) [10:00:00]: Product installed.\n'.repeat(60)))).toBeNull();
  });
});

describe('single-type burst', () => {
  const T0 = Date.parse('2025-02-20T03:00:00Z');
  const png = (i: number, spacingMs: number): DirFileFact => ({ name: `${i}.png`, mtimeMs: T0 + i * spacingMs, birthMs: null, classification: 'media' });
  test('40 screenshots in 6 minutes in a hotspot folder', () => {
    const files = Array.from({ length: 40 }, (_, i) => png(i, 9_000));
    expect(findMediaBurst(files)).toMatchObject({ count: 40, types: ['png'] });
    expect(burstHits(files, temp).hits.map((h) => h.rule)).toEqual(['single-type-burst']);
    expect(burstHits(files, null).hits).toEqual([]);
  });
  test('pictures spread over days are no burst', () => {
    expect(findMediaBurst(Array.from({ length: 40 }, (_, i) => png(i, 3_600_000)))).toBeNull();
  });
  test('birth times after the modification time (a copied tree) make no burst', () => {
    const copied = Array.from({ length: 12 }, (_, i): DirFileFact => ({ name: `f${i}.${['docx', 'pdf', 'xlsx'][i % 3]}`, mtimeMs: T0 - i * 86_400_000, birthMs: T0 + 86_400_000 * 30 + i, classification: 'document' }));
    expect(burstHits(copied, temp).hits).toEqual([]);
  });
});

describe('links and episodes', () => {
  const history = (command: string, strong: boolean): Candidate => ({
    kind: 'history',
    path: 'root/.bash_history',
    line: 1,
    hits: [strong ? { rule: 'history-archive-to-staging-location', message: 'tar into /tmp' } : { rule: 'history-archiver-create', message: 'tar -c' }],
    names: [{ path: command, role: 'writes' }],
    user: 'root',
  });
  test('a link to a staging command is evidence (35); to an ordinary archiver run, context (15)', () => {
    for (const [strong, points] of [[true, 35], [false, 15]] as const) {
      const target = file('tmp/o.tgz', [{ rule: 'archive-present', message: 'gzip' }]);
      correlate([history('/tmp/o.tgz', strong), target], { windows: false, exists: () => true });
      expect(target.hits.find((h) => h.rule === 'named-in-history')?.score).toBe(points);
    }
  });
  test('one ordinary deletion to the Recycle Bin is not an episode', () => {
    const base = { root: '/img', hotspot: null, size: 1, format: 'zip', entropy: null, attack: ['T1074.001'], times: { modified: '2025-01-01T10:00:00Z', accessed: null, changed: null, born: null } };
    const i: Finding = { ...base, id: 'i', kind: 'recycle-bin', path: '$Recycle.Bin/S-1-5-21-1-1001/$IA.zip', level: 'low', score: 25, reasons: [{ rule: 'recyclebin-deleted-archive', score: 25, message: 'archive deleted' }, { rule: 'recycle-bin-pair', score: 0, message: 'its data' }], originalPath: 'C:\\Users\\bob\\Downloads\\fonts.zip', deletedAt: '2025-01-02T10:00:00Z' };
    const r: Finding = { ...base, id: 'r', kind: 'file', path: '$Recycle.Bin/S-1-5-21-1-1001/$RA.zip', level: 'info', score: 15, reasons: [{ rule: 'archive-present', score: 15, message: 'zip' }, { rule: 'recycle-bin-pair', score: 0, message: 'the data of' }] };
    expect(buildEpisodes([i, r])).toEqual([]);
  });
});

describe('explain: why not higher', () => {
  test('names the staging evidence that did not fire, what lowered the score and the strong-reason cap', () => {
    const why = whyNotHigher({
      reasons: [{ rule: 'archive-present', score: 15, message: 'zip' }, { rule: 'in-staging-location', score: 20, message: 'Windows\\Temp' }, { rule: 'archive-program-contents', score: -20, message: '4 of 4 program files' }],
      strong: false,
      raw: 15,
      hotspot: 'win-windows-temp',
      archive: true,
    });
    expect(why[0]).toMatch(/^lowered by archive-program-contents \(-20\)/);
    expect(why.join('\n')).toMatch(/no strong reason/);
    expect(why.join('\n')).toMatch(/not encrypted/);
    expect(why.join('\n')).toMatch(/not user documents, mail, databases, keys or secrets/);
    expect(why.join('\n')).toMatch(/`scan` makes those links/);
    expect(why.join('\n')).not.toMatch(/not in a staging hotspot/);
  });
});
