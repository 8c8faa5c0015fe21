/**
 * Conformance against the shared corpus: our format vs libmagic `file -b` / `--mime-type`
 * (*.expected.file.txt) and our deep-mode entropy / chi-square vs `ent -t` (*.expected.ent.csv).
 * The agreement table in docs/fingerprint.md comes from the counts printed here; every known
 * disagreement is listed below with its reason, so a new one fails the test.
 */
import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, corpusAvailable, describeIf, CORPUS_MISSING } from '../helpers/corpus.js';
import { fingerprint, type Fingerprint } from '../../src/fingerprint/index.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';

const HAVE_CORPUS = corpusAvailable();

/** file(1) mime type -> the format ids that agree with it. */
const MIME_TO_FORMATS: Record<string, string[]> = {
  'application/zip': ['zip', 'docx', 'xlsx', 'pptx', 'jar', 'apk', 'epub', 'xps'],
  'application/x-7z-compressed': ['7z'],
  'application/x-rar': ['rar'],
  'application/x-tar': ['tar'],
  'application/gzip': ['gz', 'tar.gz'],
  'application/x-bzip2': ['bz2'],
  'application/x-xz': ['xz'],
  'application/zstd': ['zst'],
  'application/x-lz4': ['lz4'],
  'application/x-lzip': ['lz'],
  'application/x-compress': ['Z'],
  'application/x-lzma': ['lzma'],
  'application/vnd.ms-cab-compressed': ['cab'],
  'application/x-ace-compressed': ['ace'],
  'application/x-arj': ['arj'],
  'application/pgp-encrypted': ['pgp'],
  'application/vnd.ms-excel': ['cfb'],
  'application/x-ms-evtx': ['evtx'],
  'text/plain': ['txt', 'csv', 'script'],
  'text/rtf': ['rtf'],
  'image/png': ['png'],
  'application/x-wine-extension-ini': ['ini'],
  'text/x-ms-regedit': ['reg'],
};

/** file(1) says only application/octet-stream: its description names the format. */
const DESCRIPTION_TO_FORMATS: Array<[RegExp, string[]]> = [
  [/^MS Windows registry file/, ['regf', 'regf-log']],
  [/^Windows Recycle Bin INFO2/, ['info2']],
];

/**
 * Where file(1) and we differ, and why (docs/fingerprint.md explains each):
 * file(1) says "data" for formats it has no magic for; we name them.
 */
const KNOWN_BETTER_THAN_FILE: Record<string, string> = {
  'archives/age/example.age': 'age', // libmagic 5.44 has no age magic
  'archives/age/example.zip.age': 'age',
  'recyclebin/rifiuti2/INFO-95-ja-1': 'info2', // version 0 (Win95) header, unknown to libmagic
  'recyclebin/rifiuti2/INFO-NT-en-1': 'info2', // version 2 (NT4)
  'recyclebin/rifiuti2/INFO2-ME-en-1': 'info2', // version 5 with 280-byte (ANSI) records
  'recyclebin/rifiuti2/INFO2-me-en-uncpath': 'info2',
};

interface Row { rel: string; category: string; fileDesc: string; fileMime: string; fp: Fingerprint; ent: { entropy: number; chi: number; bytes: number } }

function listExpected(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) listExpected(full, out);
    else if (entry.endsWith('.expected.file.txt')) out.push(full.slice(0, -'.expected.file.txt'.length));
  }
  return out;
}

/**
 * Phase 2 of the corpus (disk images, NTFS, USN, Prefetch, LNK, Jump Lists, more EVTX) is listed in
 * _regen/provenance-phase2.sha256. Its formats are recognised by the image and execution-artifact readers and
 * tested there; this table covers the formats the fingerprint stage names (phase 1), so a phase-2 file is kept
 * here only once the fingerprint claims its format (FINGERPRINTED_PHASE2_CATEGORIES).
 */
const FINGERPRINTED_PHASE2_CATEGORIES = new Set(['regf']);
function phase2Files(): Set<string> {
  const list = path.join(CORPUS_DIR, '_regen', 'provenance-phase2.sha256');
  const rels = readFileSync(list, 'utf8').split('\n').map((l) => /^[0-9a-f]{64}\s+(.+)$/.exec(l)?.[1]).filter((r): r is string => !!r);
  return new Set(rels.filter((rel) => !FINGERPRINTED_PHASE2_CATEGORIES.has(rel.split('/')[0]!)));
}

async function loadRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const phase2 = phase2Files();
  for (const file of listExpected(CORPUS_DIR).sort()) {
    const rel = path.relative(CORPUS_DIR, file).split(path.sep).join('/');
    if (phase2.has(rel)) continue;
    const [descLine, mimeLine] = readFileSync(`${file}.expected.file.txt`, 'utf8').split('\n');
    const entFields = readFileSync(`${file}.expected.ent.csv`, 'utf8').split('\n')[1]!.split(',');
    const data = readFileSync(file);
    const fp = await fingerprint(bufferSource(data), data.subarray(0, LIMITS.headBytes), path.basename(file), { deep: true });
    rows.push({
      rel, category: rel.split('/')[0]!, fp,
      fileDesc: descLine!.replace(/^file -b: /, ''), fileMime: mimeLine!.replace(/^file -b --mime-type: /, ''),
      ent: { bytes: Number(entFields[1]), entropy: Number(entFields[2]), chi: Number(entFields[3]) },
    });
  }
  return rows;
}

type Verdict = 'agree' | 'file-unknown' | 'disagree';

function verdictOf(row: Row): Verdict {
  if (row.fileMime === 'inode/x-empty') return row.fp.classification === 'empty' ? 'agree' : 'disagree';
  if (row.fileDesc === 'data') return 'file-unknown';
  const byMime = MIME_TO_FORMATS[row.fileMime];
  const byDesc = DESCRIPTION_TO_FORMATS.find(([re]) => re.test(row.fileDesc))?.[1];
  const accepted = byMime ?? byDesc;
  return accepted && row.fp.format !== null && accepted.includes(row.fp.format) ? 'agree' : 'disagree';
}

describeIf(HAVE_CORPUS, CORPUS_MISSING)('fingerprint vs file(1) and ent on the shared corpus', () => {
  let rows: Row[] = [];

  test('loads every corpus file with file(1) and ent expectations', async () => {
    rows = await loadRows();
    expect(rows.length).toBeGreaterThanOrEqual(160);
  });

  test('format agrees with file(1) wherever file(1) names one', () => {
    const table: Record<string, Record<Verdict, number>> = {};
    const disagreements: string[] = [];
    for (const row of rows) {
      const v = verdictOf(row);
      (table[row.category] ??= { agree: 0, 'file-unknown': 0, disagree: 0 })[v]++;
      if (v === 'disagree') disagreements.push(`${row.rel}: file(1) ${row.fileMime} "${row.fileDesc.slice(0, 60)}", ours ${row.fp.format}`);
    }
    console.log(`file(1) agreement per category:\n${JSON.stringify(table, null, 1)}`);
    expect(disagreements).toEqual([]);
  });

  test('where file(1) says "data", we either name a format we can justify or say unknown', () => {
    const named: Record<string, string | null> = {};
    for (const row of rows.filter((r) => verdictOf(r) === 'file-unknown')) named[row.rel] = row.fp.format;
    for (const [rel, format] of Object.entries(KNOWN_BETTER_THAN_FILE)) expect(named[rel]).toBe(format);
    const counts: Record<string, number> = {};
    for (const f of Object.values(named)) counts[String(f)] = (counts[String(f)] ?? 0) + 1;
    console.log(`formats where file(1) says "data": ${JSON.stringify(counts)}`);
    // Every $I file in the corpus (file(1): "data") is recognised.
    const iFiles = Object.keys(named).filter((rel) => /\/\$I[^/]*$/.test(rel));
    expect(iFiles.length).toBeGreaterThanOrEqual(37);
    expect(iFiles.filter((rel) => named[rel] !== 'recyclebin-i')).toEqual([]);
  });

  test('deep-mode entropy and chi-square match ent within 1e-3 for whole-file measurements', () => {
    const limit = 3 * LIMITS.entropySampleBytes;
    let compared = 0;
    for (const row of rows) {
      if (row.ent.bytes === 0 || row.ent.bytes > limit) continue;
      expect(row.fp.samples).toEqual([{ offset: 0, length: row.ent.bytes }]);
      expect(Math.abs(row.fp.entropy! - row.ent.entropy)).toBeLessThan(1e-3);
      expect(Math.abs(row.fp.chiSquare! - row.ent.chi)).toBeLessThan(1e-3 * Math.max(1, row.ent.chi));
      compared++;
    }
    console.log(`entropy compared with ent on ${compared} whole files`);
    expect(compared).toBeGreaterThanOrEqual(130);
  });

  test('no known archive, compressed stream, media or document is called high-entropy-unknown', () => {
    const wrong = rows.filter((r) => r.fp.format !== null && r.fp.classification === 'high-entropy-unknown').map((r) => r.rel);
    expect(wrong).toEqual([]);
  });

  test('known encrypted samples are classified encrypted (age, OpenPGP, encrypted OOXML, RAR with encrypted headers)', () => {
    const encrypted = rows.filter((r) => r.fp.classification === 'encrypted').map((r) => r.rel).sort();
    expect(encrypted).toEqual([
      'archives/age/example.age',
      'archives/age/example.zip.age',
      'archives/file-type/fixture-password-protected.xls',
      'archives/file-type/fixture.pgp',
      'archives/libarchive/test_read_format_rar4_encrypted_filenames.rar',
      'archives/libarchive/test_read_format_rar5_encrypted_filenames.rar',
      'archives/libarchive/test_read_format_rar5_solid_encrypted_filenames.rar',
    ]);
  });

  test('fast mode gives the same format and classification as deep mode', async () => {
    for (const row of rows) {
      const data = readFileSync(path.join(CORPUS_DIR, row.rel));
      const fast = await fingerprint(bufferSource(data), data.subarray(0, LIMITS.headBytes), path.basename(row.rel));
      expect([row.rel, fast.format, fast.classification]).toEqual([row.rel, row.fp.format, row.fp.classification]);
    }
  });
});
