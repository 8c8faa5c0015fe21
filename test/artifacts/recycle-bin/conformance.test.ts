/**
 * Corpus conformance: every $I and INFO2 sample against rifiuti2's expectations (original path, size,
 * deletion time). rifiuti2 prints whole seconds (TZ=UTC), so our 7-digit time is truncated to seconds.
 */
import { expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseDollarI } from '../../../src/artifacts/recycle-bin/dollar-i.js';
import { parseInfo2 } from '../../../src/artifacts/recycle-bin/info2.js';
import type { DirEntryInfo } from '../../../src/artifacts/types.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';

const HAVE_CORPUS = corpusAvailable();
const RB = corpusPath('recyclebin');

interface Row {
  index: string;
  time: string;
  gone: string | null;
  size: string;
  path: string;
}

/** Parses rifiuti2/rifiuti-vista TSV output (rows after the "Index" heading). */
function readTsv(file: string): Row[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const head = lines.findIndex((l) => l.startsWith('Index\t'));
  if (head < 0) return [];
  const hasGone = lines[head]!.includes('Gone?');
  return lines.slice(head + 1).filter((l) => l.length > 0).map((l) => {
    const c = l.split('\t');
    return hasGone
      ? { index: c[0]!, time: c[1]!, gone: c[2]!, size: c[3]!, path: c.slice(4).join('\t') }
      : { index: c[0]!, time: c[1]!, gone: null, size: c[2]!, path: c.slice(3).join('\t') };
  });
}

/** rifiuti2 also escapes printable-but-unassigned code points (<\u05FF>); we keep those as characters. */
function unescapeNonSurrogates(p: string): string {
  return p.replace(/<\\u([0-9A-F]{4})>/g, (m, hex: string) => {
    const code = parseInt(hex, 16);
    return code >= 0xd800 && code <= 0xdfff ? m : String.fromCharCode(code);
  });
}

function toSeconds(iso: unknown): string | null {
  return typeof iso === 'string' ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : null;
}

/**
 * rifiuti2 0.7.0 stores times in a 32-bit time_t: a date past 2038 wraps modulo 2^32 seconds
 * (INFO2-trunc record 4: 3000-01-01 is printed as 2047-04-15 02:42:08). Compare at that precision.
 */
function rifiutiTime(iso: unknown): string | null {
  if (typeof iso !== 'string') return null;
  const secs = Math.floor(Date.parse(iso) / 1000);
  if (secs < 2 ** 31) return toSeconds(iso);
  const wrapped = ((secs % 2 ** 32) + 2 ** 32) % 2 ** 32;
  return toSeconds(new Date(wrapped * 1000).toISOString());
}

function listDollarI(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listDollarI(full));
    else if (/^\$I/.test(name) && !name.includes('.expected.')) out.push(full);
  }
  return out.sort();
}

function siblingsOf(file: string): DirEntryInfo[] {
  const dir = path.dirname(file);
  return readdirSync(dir).map((name) => {
    const st = statSync(path.join(dir, name));
    return { name, isDirectory: st.isDirectory(), size: st.size };
  });
}

describeIf(HAVE_CORPUS, CORPUS_MISSING)('$I files agree with rifiuti-vista', () => {
  const files = HAVE_CORPUS ? listDollarI(RB) : [];
  test('the corpus holds the 37 $I samples', () => {
    expect(files.length).toBe(37);
  });
  test.each(files.map((f) => [path.relative(RB, f), f]))('%s', (_rel, file) => {
    const parsed = parseDollarI(bufferSource(readFileSync(file)), path.basename(file));
    const rows = readTsv(`${file}.expected.rifiuti-vista.tsv`);
    expect(parsed).not.toBeNull();
    if (rows.length === 0) {
      // rifiuti-vista rejected it (size mismatch): we must warn and flag damage, keeping what is readable.
      expect(parsed!.corrupted).toBe(true);
      expect(parsed!.warnings.join(' ')).toMatch(/truncated/);
      return;
    }
    const row = rows[0]!;
    const rec = parsed!.record;
    expect(rec.originalPath).toBe(unescapeNonSurrogates(row.path));
    expect(toSeconds(rec.deletedAt)).toBe(row.time);
    expect(rec.size === null ? '???' : String(rec.size)).toBe(row.size);
    expect(rec.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  });
});

describeIf(HAVE_CORPUS, CORPUS_MISSING)('$I pairing agrees with upstream rifiuti2 "Gone?" column', () => {
  test.each(['dir-sample1', 'dir-win10-01', 'dir-2019-uncpath'])('%s', (dirName) => {
    const rows = readTsv(path.join(RB, 'rifiuti2', 'upstream_expected', `${dirName}.txt`));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const file = path.join(RB, 'rifiuti2', dirName, row.index);
      const parsed = parseDollarI(bufferSource(readFileSync(file)), row.index, siblingsOf(file))!;
      expect([row.index, parsed.record.dataFileStatus === 'missing']).toEqual([row.index, row.gone === 'TRUE']);
    }
  });
});

/** INFO2 samples: [file, code page used for the ANSI-only comparison or null]. */
const INFO2_FILES: Array<[string, string | null]> = [
  ['plaso/INFO2', null],
  ['rifiuti2/INFO-95-ja-1', 'CP932'],
  ['rifiuti2/INFO-NT-en-1', null],
  ['rifiuti2/INFO2-03-tw-uncpath', null],
  ['rifiuti2/INFO2-2k-cht-1', null],
  ['rifiuti2/INFO2-2k-tw-uncpath', null],
  ['rifiuti2/INFO2-2k-tw-uncpath', 'CP950'],
  ['rifiuti2/INFO2-ME-en-1', 'CP1252'],
  ['rifiuti2/INFO2-empty', null],
  ['rifiuti2/INFO2-me-en-uncpath', 'ASCII'],
  ['rifiuti2/INFO2-sample1', null],
  ['rifiuti2/INFO2-sample2', 'CP1252'],
  ['rifiuti2/INFO2-trunc', null],
];

describeIf(HAVE_CORPUS, CORPUS_MISSING)('INFO2 files agree with rifiuti2', () => {
  test.each(INFO2_FILES)('%s (code page %s)', (rel, cp) => {
    const file = path.join(RB, rel);
    const expected = `${file}.expected.rifiuti2${cp ? `-l${cp}` : ''}.tsv`;
    expect(existsSync(expected)).toBe(true);
    const rows = readTsv(expected);
    const parsed = parseInfo2(bufferSource(readFileSync(file)), { codepage: cp ?? undefined })!;
    expect(parsed).not.toBeNull();
    expect(parsed.records.length).toBe(rows.length);
    // With -l rifiuti2 shows the ANSI path; without it, the Unicode one.
    const field = cp ? 'ansiPath' : 'originalPath';
    parsed.records.forEach((rec, i) => {
      const row = rows[i]!;
      expect([String(rec.index), rifiutiTime(rec.deletedAt), String(rec.size), rec[field]]).toEqual([
        row.index,
        row.time,
        row.size,
        row.path,
      ]);
      if (row.gone !== null) expect(rec.gone).toBe(row.gone === 'Yes');
    });
  });

  test('the truncated INFO2 keeps 4 records, warns and is flagged corrupted', () => {
    const parsed = parseInfo2(bufferSource(readFileSync(path.join(RB, 'rifiuti2/INFO2-trunc'))))!;
    expect(parsed.records).toHaveLength(4);
    expect(parsed.corrupted).toBe(true);
    expect(parsed.warnings.join(' ')).toMatch(/795 of 800 bytes/);
  });
});
