/**
 * Cabinet members (src/artifacts/cab/folder.ts, lzx.ts; archive/members.ts): the corpus's LZX and
 * stored cabinets and gcab's MSZIP ones give, byte for byte, what libarchive's bsdtar extracts (and
 * 7-Zip for LZX); a ZIP inside a cabinet is listed as an archive inside an archive; damaged and
 * hostile cabinets give what could be read, within their bounds, never a throw.
 */
import { describe, expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { cabChecksum } from '../../../src/artifacts/cab/folder.js';
import { readCabLayout } from '../../../src/artifacts/cab/layout.js';
import { parsers } from '../../../src/artifacts/archive/parsers.js';
import type { ArchiveResult } from '../../../src/artifacts/archive/summary.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { corpusAvailable, corpusPath, CORPUS_MISSING, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { prng } from '../../helpers/random.js';
import { ctxFor } from '../zip/helpers.js';

const WIDE: MemberBounds = { maxMembers: 10_000, maxMemberBytes: 64 << 20, maxTotalBytes: 256 << 20, packages: true };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Where the cabinet's first folder's CFDATA blocks start. */
const dataStartOf = (bytes: Buffer): number => readCabLayout(bufferSource(bytes))!.folders[0]!.dataStart;

function loadAll(bytes: Buffer, bounds: MemberBounds = WIDE): Map<string, MemberBytes> {
  const listing = archiveMembers(bufferSource(bytes, 'x.cab'), 'x.cab', bounds);
  expect(listing?.format).toBe('cab');
  return new Map(listing!.members.map((m) => [m.path.replace(/\\/g, '/'), m.load()]));
}

/** What `tool` extracts (bsdtar -xf, or 7zz x): path -> sha256. */
function extracted(tool: 'bsdtar' | '7zz', file: string): Map<string, string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-cab-'));
  try {
    if (tool === 'bsdtar') spawnSync('bsdtar', ['-xf', file, '-C', dir]);
    else spawnSync('7zz', ['x', '-y', `-o${dir}`, file]);
    const out = new Map<string, string>();
    for (const p of execFileSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean)) out.set(path.relative(dir, p), sha(readFileSync(p)));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectSame(ours: Map<string, MemberBytes>, theirs: Map<string, string>, label: string): void {
  expect(theirs.size).toBeGreaterThan(0);
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const got = [...ours].map(([name, r]) => ({ label, name, ok: r.ok, damaged: r.ok ? r.damaged : r.detail, sha: r.ok ? sha(r.data) : null })).sort(byName);
  expect(got).toEqual([...theirs].map(([name, digest]) => ({ label, name, ok: true, damaged: undefined, sha: digest })).sort(byName));
}

describe('cabinet members agree with bsdtar and 7-Zip', () => {
  const HAVE = corpusAvailable() && toolAvailable('bsdtar') && toolAvailable('7zz');
  const reason = !corpusAvailable() ? CORPUS_MISSING : toolMissing('bsdtar or 7zz');

  for (const [rel, what] of [
    ['file-type/fixture.cab', 'LZX, a 2 MiB window, an x86 program (E8 translation)'],
    ['libarchive/test_read_format_cab_3.cab', 'LZX, a 256 KiB window'],
    ['libarchive/test_read_format_cab_1.cab', 'stored'],
  ] as const) {
    testIf(HAVE, reason)(`${rel} (${what}): every member, byte for byte`, () => {
      const file = corpusPath('archives', rel);
      const ours = loadAll(readFileSync(file));
      expectSame(ours, extracted('bsdtar', file), `${rel} bsdtar`);
      expectSame(ours, extracted('7zz', file), `${rel} 7zz`);
    });
  }

  testIf(HAVE, reason)('a file continued into the next cabinet of its set is said, not given; a malformed cabinet gives no member and no throw', () => {
    const multi = loadAll(readFileSync(corpusPath('archives', 'libarchive', 'test_read_format_cab_multi.p1.cab')));
    expect([...multi].map(([name, r]) => [name, r.ok ? 'ok' : `${r.why}: ${r.detail}`])).toEqual([['ones', 'damaged: continued-to-next: only part of it is in this cabinet']]);
    // bsdtar gives up on it too ("Invalid CFDATA"), leaving a partial file; 7-Zip cannot open it.
    const malformed = loadAll(readFileSync(corpusPath('archives', 'libarchive', 'test_read_format_cab_skip_malformed.cab')));
    for (const r of malformed.values()) expect(r.ok ? r.damaged : r.why).toBeTruthy();
  });

  const HAVE_GCAB = toolAvailable('gcab') && toolAvailable('bsdtar') && toolAvailable('zip');
  testIf(HAVE_GCAB, toolMissing('gcab, bsdtar or zip'))('gcab\'s MSZIP and stored cabinets: every member as bsdtar extracts it (text over many 32 KiB blocks, random bytes, a ZIP); a ZIP in a cabinet is listed; a changed byte is caught by the block checksum', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-gcab-'));
    try {
      const random = prng(7);
      writeFileSync(path.join(dir, 'notes.txt'), Array.from({ length: 4000 }, (_, i) => `line ${i} of the quarterly report, figures and names\n`).join(''));
      writeFileSync(path.join(dir, 'blob.bin'), Buffer.from(Array.from({ length: 100_000 }, () => Math.floor(random() * 256))));
      execFileSync('zip', ['-q', 'inner.zip', 'notes.txt'], { cwd: dir });
      execFileSync('gcab', ['-c', '-z', 'mszip.cab', 'notes.txt', 'blob.bin', 'inner.zip'], { cwd: dir });
      execFileSync('gcab', ['-c', 'stored.cab', 'notes.txt', 'inner.zip'], { cwd: dir });
      for (const name of ['mszip.cab', 'stored.cab']) expectSame(loadAll(readFileSync(path.join(dir, name))), extracted('bsdtar', path.join(dir, name)), name);

      // The ZIP inside is listed by the archive parsers (archives inside archives).
      const bytes = readFileSync(path.join(dir, 'mszip.cab'));
      const ctx = ctxFor(bytes, 'mszip.cab');
      const cab = parsers.find((p) => p.id === 'cab')!;
      const listed = (await cab.parse(bufferSource(bytes, 'mszip.cab'), ctx)) as ArchiveResult;
      expect(listed.facts!.nested).toMatchObject({ listed: [{ member: 'inner.zip', depth: 1, format: 'zip', entryCount: 1 }] });
      expect(listed.records.map((r) => r.name)).toContain('inner.zip/notes.txt');

      // gcab writes each block's checksum: a byte changed in the compressed data is caught.
      const dataStart = dataStartOf(bytes);
      const csum = bytes.readUInt32LE(dataStart);
      const size = bytes.readUInt16LE(dataStart + 4);
      expect(cabChecksum(bytes.subarray(dataStart + 4, dataStart + 8), cabChecksum(bytes.subarray(dataStart + 8, dataStart + 8 + size), 0))).toBe(csum);
      const changed = Buffer.from(bytes);
      changed[dataStart + 8 + 100] = changed[dataStart + 8 + 100]! ^ 0x01;
      const first = loadAll(changed).get('notes.txt')!;
      expect(first.ok ? first.damaged : first.detail).toMatch(/CFDATA block 1's checksum does not match/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cabinet members: bounds and hostile bytes', () => {
  const HAVE = corpusAvailable();
  testIf(HAVE, CORPUS_MISSING)('a folder larger than the budget gives the files at its start, the rest as budget', () => {
    const bytes = readFileSync(corpusPath('archives', 'file-type', 'fixture.cab'));
    const all = loadAll(bytes);
    const sizes = [...all].map(([name, r]) => [name, r.ok ? r.data.length : -1] as const);
    // Only the first file's bytes fit (the folder's CFDATA blocks that fit are decoded).
    const budget = sizes[0]![1] + 40_000;
    const bounded = loadAll(bytes, { ...WIDE, maxTotalBytes: budget });
    const [[firstName, firstR], [, second]] = [...bounded];
    expect(firstR.ok && sha(firstR.data)).toBe(sha((all.get(firstName) as { data: Buffer }).data));
    expect(second!.ok ? 'ok' : second!.why).toBe('budget');
  });

  testIf(HAVE, CORPUS_MISSING)('cut, flipped and random bytes in LZX and stored folders: what could be read, said damaged, never a throw', () => {
    const random = prng(52);
    for (const rel of ['file-type/fixture.cab', 'libarchive/test_read_format_cab_3.cab', 'libarchive/test_read_format_cab_1.cab']) {
      const bytes = readFileSync(corpusPath('archives', rel));
      const dataStart = dataStartOf(bytes);
      const original = new Map([...loadAll(bytes)].map(([name, r]) => [name, r.ok ? sha(r.data) : null]));
      // fixture.cab gives every block's checksum: a member not said damaged is the original, byte for byte.
      const checksummed = rel === 'file-type/fixture.cab';
      for (let round = 0; round < 60; round++) {
        const copy = Buffer.from(round % 3 === 0 ? bytes.subarray(0, dataStart + Math.floor(random() * (bytes.length - dataStart))) : bytes);
        if (round % 3 !== 0) for (let k = 0; k < 1 + (round % 7); k++) copy[dataStart + Math.floor(random() * (copy.length - dataStart))] = Math.floor(random() * 256);
        for (const [name, r] of loadAll(copy)) {
          if (!r.ok) {
            expect(['damaged', 'budget', 'too-large', 'method']).toContain(r.why);
            continue;
          }
          expect(r.data.length).toBeLessThanOrEqual(WIDE.maxMemberBytes);
          if (checksummed && !r.damaged) expect({ name, sha: sha(r.data) }).toEqual({ name, sha: original.get(name) });
        }
      }
    }
  });
});
