/**
 * Hostile ZIPs built by the test: metadata bombs, 100k+ entries, truncation, bad offsets,
 * overlapping directories, fake end records, hostile names. Each: no throw, bounded time,
 * a warning where something is wrong, and a finding when suspicious.
 */
import { describe, expect, test } from '@jest/globals';
import { buildZip } from '../../../fixtures/lib/zip-writer.mjs';
import { zipParser } from '../../../src/artifacts/zip/index.js';
import { archiveDetector } from '../../../src/artifacts/archive/detect.js';
import { parseWith, detectCtx } from './helpers.js';

async function run(buf: Buffer, name = 'h.zip') {
  // CPU time, not wall time: the bound is against quadratic work, and a loaded CI machine
  // stretched the wall time of the 120,000-entry case to 30 s.
  const t0 = process.cpuUsage();
  const { result, summary } = await parseWith(zipParser, buf, name);
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  const findings = result ? archiveDetector(result, detectCtx(buf, name)) : [];
  return { result, summary, ms, rules: findings.flatMap((f) => f.hits.map((h) => h.rule)) };
}

const two = [
  { name: 'a.txt', data: 'alpha alpha' },
  { name: 'b.txt', data: 'beta beta' },
];

describe('hostile zips', () => {
  test('metadata bomb: terabytes claimed in zip64 fields', async () => {
    const buf = buildZip({ entries: [{ name: 'bomb', data: 'x', method: 0, zip64: true, claimedSize: 2 ** 45 }], zip64End: true });
    const r = await run(buf);
    expect(r.summary!.totalSize).toBe(2 ** 45);
    expect(r.rules).toContain('archive-implausible-metadata');
  });

  test('120,000 entries are listed in bounded time and flagged', async () => {
    const entries = Array.from({ length: 120_000 }, (_, i) => ({ name: `f${i}`, data: '', method: 0 as const }));
    const buf = buildZip({ entries, zip64End: true });
    const r = await run(buf);
    expect(r.summary!.entryCount).toBe(120_000);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.rules).toContain('archive-implausible-metadata');
  });

  test('end record claims 65535 entries, 2 exist', async () => {
    const r = await run(buildZip({ entries: two, claimedEntryCount: 65535 }));
    expect(r.summary!.entryCount).toBe(2);
    expect(r.result!.warnings.join()).toMatch(/2 of 65535/);
    expect(r.result!.corrupted).toBe(true);
    expect(r.rules).toContain('archive-implausible-metadata');
  });

  test('every truncation point: no throw, and what can be read is read', async () => {
    const full = buildZip({ entries: two });
    for (let cut = 0; cut < full.length; cut += 3) {
      const r = await run(full.subarray(0, cut));
      if (r.result && cut > 30) expect(r.result.warnings.length + (r.summary!.entryCount ?? 0)).toBeGreaterThan(0);
    }
    const noEnd = await run(full.subarray(0, full.length - 30));
    expect(noEnd.summary!.entryCount).toBe(2);
    expect(noEnd.result!.warnings.join()).toMatch(/local headers found by scanning/);
  });

  test('central directory offset beyond the file: local headers still found', async () => {
    const r = await run(buildZip({ entries: two, cdOffsetOverride: 0x7ffffff0 }));
    expect(r.summary!.entryCount).toBe(2);
    expect(r.result!.warnings.join()).toMatch(/central directory not found/);
  });

  test('overlapping: directory offset pointing into file data', async () => {
    const r = await run(buildZip({ entries: two, cdOffsetOverride: 10 }));
    expect(r.result!.corrupted).toBe(true);
    expect(r.summary!.entryCount).toBe(2);
  });

  test('local header offsets pointing anywhere do not matter (directory only)', async () => {
    const r = await run(buildZip({ entries: [{ name: 'a', data: 'x', localOffsetOverride: 0xfffffff0 }] }));
    expect(r.summary!.entryCount).toBe(1);
  });

  test('fake end record in the comment claiming an empty archive', async () => {
    const r = await run(buildZip({ entries: two, fakeEndRecordInComment: true }));
    expect(r.summary!.entryCount).toBe(2);
    expect(r.result!.warnings.join()).toMatch(/fake end record/);
    expect(r.result!.corrupted).toBe(true);
  });

  test('hostile names are listed, never stop the listing, and are flagged', async () => {
    const r = await run(buildZip({ entries: [{ name: '../../etc/cron.d/x', data: 'x' }, { name: '/abs', data: 'x' }, { name: 'C:\\Windows\\evil.dll', data: 'x' }, { name: '\u001b]0;pwned\u0007\u001b[2J.txt', data: 'x' }] }));
    expect(r.summary!.entryCount).toBe(4);
    expect(r.rules).toContain('archive-dangerous-entry-names');
    expect(r.result!.records.map((x) => x.name)).toContain('../../etc/cron.d/x');
  });

  test('extra field lengths running past the entry', async () => {
    const buf = buildZip({ entries: [{ name: 'a', data: 'x', ntfsModified: new Date('2024-01-01T00:00:00Z') }] });
    const cd = buf.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    buf.writeUInt16LE(0xffff, cd + 46 + 1 + 2); // first extra field claims 65535 bytes
    const r = await run(buf);
    expect(r.summary!.entryCount).toBe(1);
  });

  test('deterministic fuzz: 400 mutated zips never throw and stay fast', async () => {
    const base = buildZip({ entries: [...two, { name: 'c', data: 'x'.repeat(200), encrypt: 'aes' }], comment: 'hi' });
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 400; i++) {
      const m = Buffer.from(base);
      for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      const r = await run(m);
      expect(r.ms).toBeLessThan(2000);
    }
  });
});
