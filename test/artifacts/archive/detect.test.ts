import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildZip } from '../../../fixtures/lib/zip-writer.mjs';
import { zipParser } from '../../../src/artifacts/zip/index.js';
import { archiveDetector, detectArchive, describe as describeArchive, MAX_ENTRY_EVENTS } from '../../../src/artifacts/archive/detect.js';
import { emptySummary } from '../../../src/artifacts/archive/build.js';
import type { ArchiveEntry } from '../../../src/artifacts/archive/summary.js';
import type { RuleDef } from '../../../src/rules/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { ctxFor, detectCtx } from '../zip/helpers.js';

const RULES: RuleDef[] = JSON.parse(readFileSync('src/rules/data/archives.json', 'utf8'));

async function detectZip(spec: Parameters<typeof buildZip>[0], name: string, extra: Parameters<typeof detectCtx>[2] = {}) {
  const buf = buildZip(spec);
  const result = await zipParser.parse((await import('../../../src/util/byte-source.js')).bufferSource(buf), ctxFor(buf, name));
  return archiveDetector(result!, detectCtx(buf, name, extra));
}

const entry = (name: string, modified: string | null = null): ArchiveEntry => ({ name, size: 1, compressedSize: 1, modified, encrypted: false, isDirectory: false });
const rules = (c: { hits: { rule: string }[] }[]) => c.flatMap((x) => x.hits.map((h) => h.rule)).sort();

describe('archive rules file', () => {
  test('every rule is complete, unique and cites a reference; strong rules carry real weight', () => {
    const ids = new Set<string>();
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(ids.has(r.id)).toBe(false);
      ids.add(r.id);
      expect(r.title.length).toBeGreaterThan(5);
      expect(r.references.length).toBeGreaterThan(0);
      expect(r.attack[0]).toBe('T1074.001');
      if (r.strong) expect(r.score).toBeGreaterThanOrEqual(40);
      else expect(r.score).toBeLessThanOrEqual(25);
    }
  });
});

describe('detectArchive', () => {
  test('an ordinary zip is context only, with its entry times on the timeline', async () => {
    const c = await detectZip({ entries: [{ name: 'a.txt', data: 'x' }] }, 'a.zip');
    expect(rules(c)).toEqual(['archive-present']);
    expect(c[0]!.events).toEqual([expect.objectContaining({ type: 'archive-entry-modified', time: '2024-03-01T12:00:00.0000000Z' })]);
    expect(RULES.find((r) => r.id === 'archive-present')).toBeDefined();
  });

  test('ZIP-based documents are not archives unless encrypted', async () => {
    const docx = { entries: [{ name: '[Content_Types].xml', data: 'x' }, { name: 'word/document.xml', data: 'x' }] };
    expect(await detectZip(docx, 'report.docx')).toEqual([]);
  });

  test('encrypted zip in a hotspot scores higher and names the evidence', async () => {
    const spec = { entries: [{ name: 'a.txt', data: 'x', encrypt: 'aes' as const }, { name: 'b.txt', data: 'y' }] };
    const plain = await detectZip(spec, 'a.zip');
    const hot = await detectZip(spec, 'a.zip', { hotspot: 'windows-temp', hotspotWeight: 30 });
    const hit = hot[0]!.hits.find((h) => h.rule === 'archive-encrypted')!;
    expect(hit.score).toBe(55);
    expect(plain[0]!.hits.find((h) => h.rule === 'archive-encrypted')!.score).toBeUndefined();
    expect(hit.message).toMatch(/^zip, 2 entries, 1 encrypted, aes-256: 1 of 2 entries encrypted in hotspot windows-temp/);
  });

  test('headers encrypted + 5 volumes: "7z, headers encrypted, 5 volumes"', () => {
    const s = { ...emptySummary('7z'), headersEncrypted: true, volume: { index: 0, multiVolume: true }, encryption: ['7z-aes'] };
    const siblings = [1, 2, 3, 4, 5].map((i) => ({ name: `loot.7z.00${i}`, isDirectory: false, size: 10 })).concat([{ name: 'other.txt', isDirectory: false, size: 1 }]);
    const ctx = detectCtx(Buffer.alloc(0), 'loot.7z.001', { siblings, relPath: '$Recycle.Bin/loot.7z.001' });
    expect(describeArchive(s, ctx)).toBe('7z, headers encrypted, 7z-aes, 5 volumes');
    const c = detectArchive(s, [], ctx);
    expect(rules(c)).toEqual(['archive-headers-encrypted', 'archive-split-volume-staged']);
    expect(c[0]!.hits[0]!.message).toContain('7z, headers encrypted, 7z-aes, 5 volumes');
  });

  test('a lone compressed file (rotated log) is no finding; a compressed tar is', () => {
    const gz = { ...emptySummary('gzip'), entryCount: 1, encryptedEntryCount: 0 };
    expect(detectArchive(gz, [entry('syslog.2')], detectCtx(Buffer.alloc(0), 'syslog.2.gz'))).toEqual([]);
    expect(rules(detectArchive({ ...gz, inner: 'tar' }, [entry('x.tar')], detectCtx(Buffer.alloc(0), 'x.tgz')))).toEqual(['archive-present']);
    expect(rules(detectArchive(gz, [entry('x')], detectCtx(Buffer.alloc(0), 'x.log')))).toEqual(['archive-extension-mismatch']);
  });

  test('split volume outside hotspots is weak', () => {
    const s = { ...emptySummary('zip'), entryCount: 1, encryptedEntryCount: 0, volume: { index: 1, multiVolume: true } };
    expect(rules(detectArchive(s, [entry('a')], detectCtx(Buffer.alloc(0), 'a.z02')))).toEqual(['archive-split-volume']);
  });

  test('sensitive contents, several users, profile contents', () => {
    const s = { ...emptySummary('zip'), entryCount: 4, encryptedEntryCount: 0 };
    const c = detectArchive(s, [entry('Windows/NTDS/ntds.dit'), entry('config/SYSTEM'), entry('C:/Users/alice/Documents/a.docx'), entry('Users/bob/Desktop/b.xlsx')], detectCtx(Buffer.alloc(0), 'x.zip'));
    expect(rules(c)).toEqual(['archive-dangerous-entry-names', 'archive-multi-user-contents', 'archive-sensitive-contents']); // C: is a drive letter
    const msg = c[0]!.hits.find((h) => h.rule === 'archive-sensitive-contents')!.message;
    expect(msg).toMatch(/ntds\.dit: Windows\/NTDS\/ntds\.dit/);
    expect(msg).toMatch(/SAM\/SYSTEM\/SECURITY/);
    const one = detectArchive(s, [entry('home/carol/.ssh/config'), entry('home/carol/notes.txt')], detectCtx(Buffer.alloc(0), 'x.zip'));
    expect(rules(one)).toEqual(['archive-user-profile-contents']);
    const keys = detectArchive(s, [entry('home/carol/.ssh/id_ed25519'), entry('etc/shadow'), entry('profile/key4.db'), entry('mail.pst'), entry('db.kdbx'), entry('lsass.dmp')], detectCtx(Buffer.alloc(0), 'x.zip'));
    expect(keys[0]!.hits.find((h) => h.rule === 'archive-sensitive-contents')!.message.split(';').length).toBe(6);
  });

  test('entry times clustered just before the archive was written', () => {
    const s = { ...emptySummary('zip'), entryCount: 4, encryptedEntryCount: 0 };
    const times = { ...NO_TIMES, modified: '2024-05-01T10:00:00.0000000Z' };
    const near = ['2024-05-01T09:00:00Z', '2024-05-01T08:00:00Z', '2024-04-30T20:00:00Z', '2024-05-01T10:00:02Z'].map((t, i) => entry(`f${i}`, t));
    expect(rules(detectArchive(s, near, detectCtx(Buffer.alloc(0), 'x.zip', { times })))).toEqual(['archive-entries-clustered-before-write']);
    const old = near.map((e) => ({ ...e, modified: '2020-01-01T00:00:00.0000000Z' }));
    expect(rules(detectArchive(s, old, detectCtx(Buffer.alloc(0), 'x.zip', { times })))).toEqual(['archive-present']);
  });

  test('dangerous names are reported with control characters escaped', () => {
    const s = { ...emptySummary('zip'), entryCount: 3, encryptedEntryCount: 0 };
    const c = detectArchive(s, [entry('../../evil.sh'), entry('\u001b[31mred\u001b[0m.txt'), entry('C:/Windows/x.dll')], detectCtx(Buffer.alloc(0), 'x.zip'));
    const msg = c[0]!.hits.find((h) => h.rule === 'archive-dangerous-entry-names')!.message;
    expect(msg).toContain('parent-traversal');
    expect(msg).toContain('drive-letter');
    expect(msg).toContain('\\x1b[31mred');
    expect(msg).not.toContain('\u001b');
  });

  test('an archive behind a misleading extension', async () => {
    const c = await detectZip({ entries: [{ name: 'a', data: 'x' }] }, 'cup.tmp');
    expect(rules(c)).toEqual(['archive-extension-mismatch']);
    expect(c[0]!.hits[0]!.message).toContain('zip data named .tmp');
  });

  test('timeline rows are bounded, with one summary row', () => {
    const s = { ...emptySummary('tar'), entryCount: 200, encryptedEntryCount: 0 };
    const many = Array.from({ length: 200 }, (_, i) => entry(`f${i}`, new Date(Date.UTC(2024, 0, 1) + i * 60000).toISOString()));
    const ev = detectArchive(s, many, detectCtx(Buffer.alloc(0), 'x.tar'))[0]!.events!;
    expect(ev.length).toBe(MAX_ENTRY_EVENTS + 1);
    expect(ev[MAX_ENTRY_EVENTS]!.description).toMatch(/200 entries .* 150 not shown/);
  });

  test('every rule id the detector can emit is defined in archives.json', async () => {
    const { RULES: ids } = await import('../../../src/artifacts/archive/detect.js');
    for (const id of Object.values(ids)) expect(RULES.map((r) => r.id)).toContain(id);
  });
});
