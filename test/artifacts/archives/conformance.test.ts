/**
 * Every archive of the shared corpus, parsed and compared with ARCHIVES_SUMMARY.expected.tsv
 * (7zz, lsar, bsdtar): format, entry count, encrypted entries, encrypted headers.
 * Formats we own are asserted; 7z/RAR (another engineer's parsers) and formats without a parser
 * are reported. Every accepted difference is listed in KNOWN_DIFFERENCES and docs/archives.md.
 */
import { afterAll, expect, test } from '@jest/globals';
import { readFileSync, openSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { parsers } from '../../../src/artifacts/archive/parsers.js';
import { fdSource } from '../../../src/evidence/reader.js';
import type { ArchiveSummary } from '../../../src/artifacts/archive/summary.js';

const OWNED = new Set(['zip', 'cab', 'tar', 'gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'lzip', 'lzma', 'compress', 'age', 'openpgp', 'openssl', 'office-encrypted']);

const TOOL_FORMAT: Record<string, string> = {
  zip: 'zip', Zip: 'zip', '7z': '7z', '7-Zip': '7z', RAR: 'rar', 'RAR 5': 'rar', Cab: 'cab', CAB: 'cab', tar: 'tar', Tar: 'tar',
  gzip: 'gzip', Gzip: 'gzip', bzip2: 'bzip2', Bzip2: 'bzip2', xz: 'xz', XZ: 'xz', zstd: 'zstd', lzma: 'lzma', LZMA_Alone: 'lzma',
  Z: 'compress', Compress: 'compress', Arj: 'arj', ARJ: 'arj', Ace: 'ace',
};

/** Formats no reference tool names (the tools do not open these files at all). */
const OWN_FORMAT: Record<string, string> = {
  'age/example.age': 'age',
  'age/example.zip.age': 'age',
  'file-type/fixture.pgp': 'openpgp',
  'file-type/fixture.lz4': 'lz4',
  'libarchive/test_compat_lz4_1.tar.lz4': 'lz4',
  'file-type/fixture.tar.lz': 'lzip',
};

/** Accepted differences, each explained in docs/archives.md (agreement table). */
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'file-type/fixture-password-protected.xls': 'tools list the CFB streams; we report the container as office-encrypted (EncryptionInfo + EncryptedPackage)',
  'age/example.age': 'no tool opens age; we identify it as encrypted',
  'age/example.zip.age': 'no tool opens age; we identify it as encrypted',
  'file-type/fixture.pgp': 'no tool opens OpenPGP; we identify it as encrypted',
};

interface Row {
  file: string;
  type7zz: string;
  formatLsar: string;
  entries: (number | null)[];
  encEntries: (number | null)[];
  headersEncrypted: boolean;
  anyEncrypted: boolean;
}

function num(s: string): number | null {
  return s === 'None' || s === '' ? null : Number(s);
}

function rows(): Row[] {
  const lines = readFileSync(corpusPath('archives', 'ARCHIVES_SUMMARY.expected.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const col = (cells: string[], name: string) => cells[head.indexOf(name)]!;
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      file: col(c, 'file'),
      type7zz: col(c, 'type_7zz'),
      formatLsar: col(c, 'format_lsar'),
      entries: [num(col(c, 'entries_7zz')), num(col(c, 'entries_lsar')), num(col(c, 'entries_bsdtar'))],
      encEntries: [num(col(c, 'enc_entries_7zz')), num(col(c, 'enc_entries_lsar'))],
      headersEncrypted: col(c, 'headers_encrypted') === 'True',
      anyEncrypted: col(c, 'any_encrypted') === 'True',
    };
  });
}

function expectedFormat(r: Row): string | null {
  return OWN_FORMAT[r.file] ?? TOOL_FORMAT[r.type7zz] ?? TOOL_FORMAT[r.formatLsar] ?? null;
}

async function parseFile(rel: string): Promise<{ parser: string; summary: ArchiveSummary; names: string[] } | null> {
  const file = corpusPath('archives', rel);
  const fd = openSync(file, 'r');
  try {
    const src = fdSource(fd, fstatSync(fd).size, rel);
    const ctx = { relPath: rel, name: path.basename(rel), head: src.read(0, 4100), size: src.size, format: null };
    for (const p of parsers) {
      if (!p.matches(ctx)) continue;
      const r = await p.parse(src, ctx);
      // 7zz lists one level: the entries of archives inside (archive/nested.ts) are nested.test.ts's.
      if (r?.facts) return { parser: p.id, summary: r.facts, names: r.records.filter((x) => x.nestedIn === undefined).map((x) => String(x.name)) };
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

const SINGLE_STREAM = new Set(['gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'lzip', 'lzma', 'compress']);
const CONTAINERS = new Set(['age', 'openpgp', 'openssl', 'office-encrypted']);

describeIf(corpusAvailable(), CORPUS_MISSING)('archive corpus conformance', () => {
  const table = rows();

  test('the summary table covers the corpus', () => {
    expect(table.length).toBeGreaterThanOrEqual(80);
  });

  const report: string[] = [];
  test.each(table.map((r) => [r.file, r] as const))('%s', async (_file, r) => {
    const got = await parseFile(r.file);
    const want = expectedFormat(r);
    if (!got) {
      report.push(`${r.file}: no parser (reference format ${want})`);
      expect(['arj', 'ace']).toContain(want); // the only formats without a parser
      return;
    }
    const s = got.summary;
    const owned = OWNED.has(s.format);
    if (!owned) {
      // 7z and RAR entry counts are asserted by their own suites (test/artifacts/sevenzip, rar);
      // here only the format the reference tools name.
      report.push(`${r.file}: ${s.format} entries=${s.entryCount} enc=${s.encryptedEntryCount} hdr=${s.headersEncrypted} (ref ${r.entries.join('/')}, ${r.encEntries.join('/')}, ${r.headersEncrypted})`);
      if (want) expect(s.format).toBe(want);
      else expect(s.headersEncrypted).toBe(true); // the tools name no format when they cannot read the headers
      return;
    }
    if (r.file in KNOWN_DIFFERENCES) {
      expect(CONTAINERS.has(s.format)).toBe(true);
      expect(s.entryCount).toBeNull();
      return;
    }
    expect(s.format).toBe(want);
    expect(s.headersEncrypted).toBe(r.headersEncrypted);
    if (SINGLE_STREAM.has(s.format)) {
      expect(s.entryCount).toBe(1); // the stream itself (7zz and lsar list one item when they open it)
      expect(s.encryptedEntryCount).toBe(0);
      return;
    }
    const refs = r.entries.filter((n): n is number => n !== null);
    expect(refs).toContain(s.entryCount); // equal to at least one tool (they disagree on damaged files)
    const encRefs = r.encEntries.filter((n): n is number => n !== null);
    if (!r.headersEncrypted) expect(encRefs).toContain(s.encryptedEntryCount);
    const anyEncrypted = s.headersEncrypted || (s.encryptedEntryCount ?? 0) > 0;
    expect(anyEncrypted).toBe(r.anyEncrypted);
  });

  /** Entry names from `7zz l -slt` (each "Path = " after the "----------" separator). */
  function sevenZipNames(rel: string): string[] | null {
    let text: string;
    try {
      text = readFileSync(corpusPath('archives', `${rel}.expected.7zz-slt.txt`), 'utf8');
    } catch {
      return null;
    }
    const body = text.split('\n----------\n')[1];
    if (!body) return null;
    return [...body.matchAll(/^Path = (.*)$/gm)].map((m) => m[1]!.replace(/\\/g, '/'));
  }

  const NAME_FORMATS = new Set(['zip', 'cab', 'tar']);
  // Rows whose names are hidden (encrypted headers) or that 7zz could not list have nothing to compare.
  const named = table.filter((r) => NAME_FORMATS.has(TOOL_FORMAT[r.type7zz] ?? '') && !r.headersEncrypted && sevenZipNames(r.file) !== null);
  test('7zz listed names for most ZIP, CAB and tar files', () => {
    expect(named.length).toBeGreaterThanOrEqual(10);
  });
  test.each(named.map((r) => [r.file] as const))(
    'entry names agree with 7zz: %s',
    async (rel) => {
      const ref = sevenZipNames(rel)!;
      const got = await parseFile(rel);
      expect(got).not.toBeNull();
      expect(got!.summary.headersEncrypted).toBe(false);
      const ours = got!.names.map((n) => n.replace(/\\/g, '/').replace(/\/$/, ''));
      // 7zz lists local and central copies for some damaged zips: compare as sets.
      expect(new Set(ours)).toEqual(new Set(ref.map((n) => n.replace(/\/$/, ''))));
    },
  );

  afterAll(() => {
    if (report.length) console.info(`archive conformance, entry counts asserted elsewhere or not at all:\n${report.sort().join('\n')}`);
  });
});
