/**
 * The lists that used to be kept by hand derive from the parser registry and the kinds table
 * (issue 10): a parser or finding kind added without its entry fails to compile (required fields,
 * Records) or fails here.
 */
import { describe, expect, test } from '@jest/globals';
import { seedAreas } from '../../bench/lib/fuzz-runner.mjs';
import { ARTIFACT_PARSERS } from '../../src/artifacts/index.js';
import { DATA_SOURCES } from '../../src/model/data-sources.js';
import type { Finding, FindingKind } from '../../src/model/finding.js';
import { EVIDENCE_KINDS, FINDING_KINDS } from '../../src/model/kinds.js';
import { dataSourceRows } from '../../src/report/view.js';
import { evidenceKind } from '../../src/timeline/evidence.js';

const finding = (kind: FindingKind, path: string, rules: string[] = []): Finding => ({
  id: 'x', root: 'r', path, kind, level: 'high', score: 60, reasons: rules.map((rule) => ({ rule, score: 30, message: '' })), hotspot: null,
  size: null, format: null, entropy: null, times: { modified: null, accessed: null, changed: null, born: null }, attack: [],
});

describe('evidence kinds derive from FINDING_KINDS', () => {
  test('the episode order is unchanged, and every kind counts as one of them', () => {
    expect(EVIDENCE_KINDS).toEqual(['file', 'archive', 'recycle-bin', 'history', 'registry', 'event', 'ntfs', 'execution', 'access']);
    for (const spec of Object.values(FINDING_KINDS)) expect(EVIDENCE_KINDS).toContain(spec.evidence);
  });

  test('a finding counts as its kind, a file by its place and reasons', () => {
    expect(evidenceKind(finding('history', 'home/a/.bash_history'))).toBe('history');
    expect(evidenceKind(finding('trash', 'home/a/.local/share/Trash/info/x.trashinfo'))).toBe('recycle-bin');
    expect(evidenceKind(finding('event', 'Windows/System32/winevt/Logs/Security.evtx'))).toBe('event');
    expect(evidenceKind(finding('file', 'Windows/Temp/a.7z', ['archive-encrypted']))).toBe('archive');
    expect(evidenceKind(finding('archive-entry', 'Windows/Temp/a.zip', ['archive-user-data-contents']))).toBe('archive');
    expect(evidenceKind(finding('file', '$Recycle.Bin/S-1-5-21-1/$RAB12.7z', ['archive-encrypted']))).toBe('recycle-bin');
    expect(evidenceKind(finding('directory', 'Users/a/out', ['staging-burst']))).toBe('file');
  });
});

describe('data-source coverage derives from the parsers', () => {
  test('every parser declares the data sources its records are', () => {
    for (const p of ARTIFACT_PARSERS) {
      expect([p.id, p.dataSources.length > 0]).toEqual([p.id, true]);
      for (const ds of p.dataSources) expect(Object.keys(DATA_SOURCES)).toContain(ds);
    }
  });

  test('a source is covered exactly when the walk or a parser covers it, and names those parsers', () => {
    const rows = dataSourceRows();
    expect(rows.map((r) => r.id)).toEqual(Object.keys(DATA_SOURCES));
    for (const row of rows) {
      const by = ARTIFACT_PARSERS.filter((p) => p.dataSources.some((d) => d === row.id));
      expect([row.id, row.covered]).toEqual([row.id, by.length > 0 || row.id === 'DS0022']);
      for (const p of by) expect(row.how).toContain(p.id);
    }
    // Event logs are parsed (evtx, auditd): process creation and application logs are covered.
    expect(rows.filter((r) => r.covered).map((r) => r.id)).toEqual(expect.arrayContaining(['DS0009', 'DS0015', 'DS0017', 'DS0022', 'DS0024']));
    // With no parsers only the walk covers anything.
    expect(dataSourceRows([]).filter((r) => r.covered).map((r) => r.id)).toEqual(['DS0022']);
  });
});

describe('fuzz seed areas derive from the parsers', () => {
  test('the seed areas are the corpus folders the parsers name', () => {
    const areas = seedAreas(ARTIFACT_PARSERS);
    for (const p of ARTIFACT_PARSERS) for (const a of p.fuzzSeeds) expect(areas).toContain(a);
    expect(areas).toEqual(expect.arrayContaining(['archives', 'evtx', 'history', 'ntfs', 'recyclebin', 'regf', 'usnjrnl']));
    expect(seedAreas([{ fuzzSeeds: ['b', 'a'] }, { fuzzSeeds: ['a'] }])).toEqual(['a', 'b']);
  });
});
