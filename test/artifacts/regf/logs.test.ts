/**
 * Registry transaction logs replayed over a dirty hive (src/artifacts/regf/logs.ts).
 *
 * The corpus's Windows 10 NTUSER.DAT (regipy's test data, dirty: sequence 567/566) with the
 * .LOG1/.LOG2 Windows wrote beside it. Expectations from outside this project: Windows' own
 * Marvin32 hashes in every entry of the logs; and yarp's recovery of these three files (yarp is by
 * the author of the registry format specification), as another project's test suite records it:
 * 23 entries applied, sequence 566 to 588, from the .LOG1 only, and the SHA-256 of the recovered
 * hive below. reglookup, run on the replayed bytes, must read what we read.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { corpusAvailable, corpusPath, describeIf, toolAvailable, testIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { isDirtyHive, replayHiveLogs, type HiveLog, type ReplayOutcome } from '../../../src/artifacts/regf/logs.js';
import { Marvin32, marvin32 } from '../../../src/artifacts/regf/marvin32.js';
import { walkHive } from '../../../src/artifacts/regf/walk.js';
import { bufferSource, type ByteSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { prng } from '../../helpers/random.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
// @ts-expect-error plain-JS fixture library without type declarations
import { logEntry, newFormatLog, oldFormatLog } from '../../../fixtures/lib/regf-log-writer.mjs';

const HAVE = corpusAvailable();
const read = (name: string): Buffer => readFileSync(corpusPath('regf', 'regipy', name));
const YARP_SHA256 = '0a7a7b2d1eb24ab63455f5a83e554601d88fe558d0ba1c1068a7e1102c79a092';

const log = (name: string, bytes: Buffer): HiveLog => ({ name, src: bufferSource(bytes, name) });
const whole = (src: ByteSource): Buffer => src.read(0, src.size);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function replayed(outcome: ReplayOutcome): Extract<ReplayOutcome, { kind: 'replayed' }> {
  if (outcome.kind !== 'replayed') throw new Error(`expected a replay, got ${outcome.kind}: ${JSON.stringify(outcome)}`);
  return outcome;
}

function keysAndValues(hive: Buffer | ByteSource): { keys: Set<string>; values: Set<string>; warnings: string[] } {
  const keys = new Set<string>();
  const values = new Set<string>();
  const warnings: string[] = [];
  for (const item of walkHive(hive)) {
    if (item.type === 'registry-key') keys.add(item.key);
    else if (item.type === 'registry-value') values.add(`${item.key}\\\\${item.name}`);
    else if (item.type === 'warning') warnings.push(item.message);
  }
  return { keys, values, warnings };
}

/** Offsets of the HvLE entries of a new-format log. */
function entryOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = 512; at + 40 <= bytes.length && bytes.toString('latin1', at, at + 4) === 'HvLE'; at += bytes.readUInt32LE(at + 4)) out.push(at);
  return out;
}

describeIf(HAVE, CORPUS_MISSING)('transaction logs of a real Windows 10 NTUSER.DAT', () => {
  const hive = HAVE ? read('transactions_NTUSER.DAT') : Buffer.alloc(0);
  const log1 = HAVE ? read('transactions_ntuser.dat.log1') : Buffer.alloc(0);
  const log2 = HAVE ? read('transactions_ntuser.dat.log2') : Buffer.alloc(0);

  test('Marvin32 gives the two hashes Windows wrote into every entry of both logs', () => {
    let checked = 0;
    for (const bytes of [log1, log2]) {
      for (const at of entryOffsets(bytes)) {
        const size = bytes.readUInt32LE(at + 4);
        const body = marvin32(bytes.subarray(at + 40, at + size));
        const head = marvin32(bytes.subarray(at, at + 32));
        expect([body.low, body.high]).toEqual([bytes.readUInt32LE(at + 24), bytes.readUInt32LE(at + 28)]);
        expect([head.low, head.high]).toEqual([bytes.readUInt32LE(at + 32), bytes.readUInt32LE(at + 36)]);
        checked++;
      }
    }
    expect(checked).toBe(24);
  });

  test('Marvin32 fed in pieces of any length is Marvin32 of the whole', () => {
    const rnd = prng(3074);
    const data = log1.subarray(512, 512 + 70_001);
    const expected = marvin32(data);
    for (let round = 0; round < 40; round++) {
      const h = new Marvin32();
      for (let at = 0; at < data.length; ) {
        const n = Math.min(data.length - at, Math.floor(rnd() * 9));
        h.update(data.subarray(at, at + n));
        at += n;
      }
      expect(h.digest()).toEqual(expected);
    }
  });

  test('the hive recovers as yarp recovers it: 23 entries, 566 to 588, from .LOG1; byte for byte', () => {
    expect(isDirtyHive(bufferSource(hive))).toBe(true);
    const out = replayed(replayHiveLogs(bufferSource(hive), [log('NTUSER.DAT.LOG1', log1), log('NTUSER.DAT.LOG2', log2)]));
    expect(out.facts).toMatchObject({ format: 'new', entries: 23, pages: 132, firstSequence: 566, lastSequence: 588, found: { sequence1: 567, sequence2: 566, checksumValid: true } });
    expect(out.facts.logs.map((l) => [l.name, l.entries, l.firstSequence, l.lastSequence, l.applied])).toEqual([
      ['NTUSER.DAT.LOG1', 23, 566, 588, 23],
      ['NTUSER.DAT.LOG2', 1, 562, 562, 0],
    ]);
    expect(out.warnings).toEqual([]);
    const bytes = whole(out.source);
    expect(bytes.readUInt32LE(4)).toBe(588);
    expect(bytes.readUInt32LE(8)).toBe(588);
    expect(sha256(bytes)).toBe(YARP_SHA256);
    // Once replayed the hive is clean: nothing more to apply.
    expect(isDirtyHive(out.source)).toBe(false);
    expect(replayHiveLogs(out.source, [log('NTUSER.DAT.LOG1', log1)]).kind).toBe('clean');
    // The logs given the other way round: the same hive.
    expect(sha256(whole(replayed(replayHiveLogs(bufferSource(hive), [log('b', log2), log('a', log1)])).source))).toBe(YARP_SHA256);
  });

  test('reads of the replayed hive at any place and length are the bytes of the whole', () => {
    const out = replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', log1)]));
    const all = whole(out.source);
    const rnd = prng(588);
    for (let i = 0; i < 300; i++) {
      const at = Math.floor(rnd() * (all.length + 600)) - 300;
      const n = Math.floor(rnd() * 20_000);
      const got = out.source.read(at, n);
      expect(got.equals(at < 0 ? Buffer.alloc(0) : all.subarray(at, at + n))).toBe(true);
    }
  });

  test('keys and values only the logs held are read: 515 more keys and 576 more values', () => {
    const before = keysAndValues(hive);
    const after = keysAndValues(replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', log1), log('LOG2', log2)])).source);
    expect([before.keys.size, before.values.size]).toEqual([2590, 4119]);
    expect([after.keys.size, after.values.size]).toEqual([3105, 4695]);
    expect(after.warnings).toEqual([]);
    expect([...before.keys].some((k) => k.endsWith('Software\\Microsoft\\Payment\\PaymentApps'))).toBe(false);
    expect([...after.keys].some((k) => k.endsWith('Software\\Microsoft\\Payment\\PaymentApps'))).toBe(true);
    const onedrive = (s: Set<string>): boolean => [...s].some((v) => v.endsWith('Software\\Microsoft\\OneDrive\\\\StandaloneUpdaterSafeMode'));
    expect(onedrive(before.values)).toBe(false);
    expect(onedrive(after.values)).toBe(true);
  });

  test('what only the logs held is marked: every new key and value, none that reads as in the file as found', () => {
    const out = replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', log1), log('LOG2', log2)]));
    const before = new Map<string, string>();
    for (const r of walkHive(hive)) if (r.type === 'registry-key' || r.type === 'registry-value') before.set(`${r.type} ${r.key}\\\\${r.type === 'registry-value' ? r.name : ''}`, JSON.stringify(r));
    let marked = 0;
    let fresh = 0;
    for (const r of walkHive(out.source, undefined, out.changed)) {
      if (r.type !== 'registry-key' && r.type !== 'registry-value') continue;
      const id = `${r.type} ${r.key}\\\\${r.type === 'registry-value' ? r.name : ''}`;
      const was = before.get(id);
      if (r.fromTransactionLog) marked++;
      if (was === undefined) {
        fresh++;
        expect([id, r.fromTransactionLog]).toEqual([id, true]);
      } else if (!r.fromTransactionLog) expect([id, JSON.stringify(r)]).toEqual([id, was]);
    }
    // 1,116 keys and values the file as found does not have (515 more keys and 576 more values, net); 1,450 marked (the rest rewritten by the logs).
    expect(fresh).toBe(1116);
    expect(marked).toBe(1450);
    // Without the logs' changes nothing is marked.
    expect([...walkHive(out.source)].some((r) => 'fromTransactionLog' in r)).toBe(false);
  });

  testIf(HAVE && toolAvailable('reglookup'), 'reglookup is not installed (apt-get install reglookup)')('reglookup reads the replayed hive as we do (as many keys and values)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-replay-'));
    try {
      const file = path.join(dir, 'NTUSER.DAT');
      const out = replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', log1), log('LOG2', log2)]));
      writeFileSync(file, whole(out.source));
      const csv = execFileSync('reglookup', ['-i', file], { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').slice(1).filter((l) => l !== '');
      const refKeys = csv.filter((l) => l.split(',')[1] === 'KEY').length;
      const refValues = csv.length - refKeys;
      const ours = keysAndValues(out.source);
      // reglookup lists the root key too, and every value once.
      expect(refKeys).toBe(ours.keys.size);
      expect(refValues).toBe(ours.values.size);
      // And on the primary file as found, the corpus's own reglookup expectation: the same tool, fewer keys.
      const asFound = readFileSync(corpusPath('regf', 'regipy', 'transactions_NTUSER.DAT.expected.reglookup.csv'), 'latin1').split('\n').slice(1).filter((l) => l !== '');
      expect(asFound.filter((l) => l.split(',')[1] === 'KEY').length).toBeLessThan(refKeys);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged entry stops the replay before it: a byte of the fifth entry flipped, four applied', () => {
    const damaged = Buffer.from(log1);
    const fifth = entryOffsets(damaged)[4]!;
    damaged[fifth + 600] ^= 0xff;
    const out = replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', damaged), log('LOG2', log2)]));
    expect(out.facts).toMatchObject({ entries: 4, firstSequence: 566, lastSequence: 569 });
    expect(out.facts.logs[0]!.note).toBe(`entry at byte ${fifth}: body hash (Hash-1) does not match; not read further`);
    expect(whole(out.source).readUInt32LE(4)).toBe(569);
    // The header hash too.
    const header = Buffer.from(log1);
    header[fifth + 16] ^= 0x01;
    expect(replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', header)])).facts.logs[0]!.note).toMatch(/header hash \(Hash-2\) does not match/);
  });

  test('a gap in the sequence stops the replay: the entry of 570 cut out, 566 to 569 applied, said', () => {
    const at = entryOffsets(log1);
    const cut = Buffer.concat([log1.subarray(0, at[4]), log1.subarray(at[5])]);
    const out = replayed(replayHiveLogs(bufferSource(hive), [log('LOG1', cut)]));
    expect(out.facts).toMatchObject({ entries: 4, lastSequence: 569 });
    expect(out.warnings).toEqual(['sequence gap in LOG1: entry 570 expected, 571 found; later entries not applied']);
  });

  test('logs holding nothing from the hive\'s sequence on apply nothing, and say why', () => {
    const out = replayHiveLogs(bufferSource(hive), [log('LOG2', log2), log('junk', Buffer.from('not a log at all, but long enough to be read'.repeat(40)))]);
    expect(out.kind).toBe('none');
    if (out.kind !== 'none') return;
    expect(out.logs).toEqual([
      { name: 'LOG2', format: 'new', entries: 1, firstSequence: 562, lastSequence: 562, applied: 0 },
      { name: 'junk', format: null, entries: 0, firstSequence: null, lastSequence: null, applied: 0, note: 'no regf base block' },
    ]);
  });

  test('hostile logs (bytes flipped, cut anywhere) never throw, and what is applied is a prefix of the real sequence', () => {
    const rnd = prng(56688);
    for (let round = 0; round < 60; round++) {
      const m = Buffer.from(log1);
      const flips = Math.floor(rnd() * 6);
      for (let i = 0; i < flips; i++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      const bytes = rnd() < 0.3 ? m.subarray(0, Math.floor(rnd() * m.length)) : m;
      const out = replayHiveLogs(bufferSource(hive), [log('LOG1', bytes)]);
      if (out.kind !== 'replayed') continue;
      expect(out.facts.firstSequence).toBe(566);
      expect(out.facts.lastSequence).toBe(566 + out.facts.entries - 1);
      expect(out.facts.lastSequence).toBeLessThanOrEqual(588);
      expect(() => keysAndValues(out.source)).not.toThrow();
    }
  });
});

describe('transaction logs written by the test writer (fixtures/lib/regf-log-writer.mjs)', () => {
  const tree = (extra: object[]) => ({
    name: 'ROOT',
    subkeys: [{ name: 'Software', subkeys: [{ name: '7-Zip', subkeys: [{ name: 'Compression', values: [{ name: 'ArcHistory', type: 'REG_BINARY', data: Buffer.from('C:\\Users\\Public\\out.7z\0\0', 'utf16le') }] }] }, ...extra] }],
  });
  const before: Buffer = writeHive(tree([]));
  const middle: Buffer = writeHive(tree([{ name: 'Middle', values: [{ name: 'v', type: 'REG_SZ', data: 'x'.repeat(3000) }] }]));
  const after: Buffer = writeHive(tree([{ name: 'Middle', values: [{ name: 'v', type: 'REG_SZ', data: 'x'.repeat(3000) }] }, { name: 'Zeta', values: [{ name: 'w', type: 'REG_SZ', data: 'y'.repeat(9000) }] }]));

  test('new format, two entries over two logs in either order: the hive as the last state holds it', () => {
    const { primary, log: one } = newFormatLog(before, [middle, after], { sequence: 41 }) as { primary: Buffer; log: Buffer };
    expect(after.length).toBeGreaterThan(before.length);
    expect(isDirtyHive(bufferSource(primary))).toBe(true);
    const out = replayed(replayHiveLogs(bufferSource(primary), [log('NTUSER.DAT.LOG1', one)]));
    expect(out.facts).toMatchObject({ format: 'new', entries: 2, firstSequence: 41, lastSequence: 42 });
    const bytes = whole(out.source);
    expect(bytes.subarray(4096).equals(after.subarray(4096))).toBe(true);
    expect(keysAndValues(bytes).values).toEqual(keysAndValues(after).values);
    // The second entry in the other log (rotated), given first: the sequence decides the order.
    const entries = (newFormatLog(before, [middle, after], { sequence: 41 }) as { entries: Buffer[] }).entries;
    const header = one.subarray(0, 512);
    const split = replayed(replayHiveLogs(bufferSource(primary), [log('LOG2', Buffer.concat([header, entries[1]!])), log('LOG1', Buffer.concat([header, entries[0]!]))]));
    expect(split.facts.logs.map((l) => [l.name, l.applied])).toEqual([['LOG2', 1], ['LOG1', 1]]);
    expect(whole(split.source).equals(bytes)).toBe(true);
  });

  test('new format: an entry whose pages leave its hive bins, or whose hive bins size is not whole bins, stops the reading', () => {
    const { primary, log: one } = newFormatLog(before, [after], { sequence: 7 }) as { primary: Buffer; log: Buffer };
    const header = one.subarray(0, 512);
    const outside = logEntry(7, 4096, [{ offset: 4096, bytes: Buffer.alloc(4096, 1) }]);
    const odd = logEntry(7, 5000, [{ offset: 0, bytes: Buffer.alloc(4096, 1) }]);
    for (const [bad, why] of [[outside, /dirty page 0 .* is not valid/], [odd, /hive bins size 5000 is not valid/]] as const) {
      const out = replayHiveLogs(bufferSource(primary), [log('LOG1', Buffer.concat([header, bad]))]);
      expect(out.kind).toBe('none');
      if (out.kind === 'none') expect(out.logs[0]!.note).toMatch(why);
    }
  });

  test('old format (Windows up to 8): the dirty vector\'s pages over the hive, when the log is of this hive state', () => {
    const { primary, log: old } = oldFormatLog(before, after, { sequence: 9 }) as { primary: Buffer; log: Buffer };
    const out = replayed(replayHiveLogs(bufferSource(primary), [log('SYSTEM.LOG', old)]));
    expect(out.facts).toMatchObject({ format: 'old', entries: 1, firstSequence: 10, lastSequence: 10 });
    const bytes = whole(out.source);
    expect(bytes.subarray(4096).equals(after.subarray(4096))).toBe(true);
    expect(isDirtyHive(out.source)).toBe(false);
    // A log of another state of the hive (its last-written time differs) is not applied.
    const other = Buffer.from(old);
    other.writeBigUInt64LE(other.readBigUInt64LE(12) + 1n, 12);
    let x = 0;
    for (let i = 0; i < 508; i += 4) x = (x ^ other.readUInt32LE(i)) >>> 0;
    other.writeUInt32LE(x, 508);
    const none = replayHiveLogs(bufferSource(primary), [log('SYSTEM.LOG', other)]);
    expect(none.kind).toBe('none');
    if (none.kind === 'none') expect(none.logs[0]!.note).toMatch(/last-written time differs/);
  });

  test('a clean hive is left alone, whatever lies beside it', () => {
    const { log: one } = newFormatLog(before, [after]) as { log: Buffer };
    expect(replayHiveLogs(bufferSource(before), [log('LOG1', one)]).kind).toBe('clean');
  });

  test('the bound on held pages stops a replay with a warning, what came before it applied', () => {
    const { primary, log: one } = newFormatLog(before, [middle, after], { sequence: 3 }) as { primary: Buffer; log: Buffer };
    const saved = LIMITS.maxHiveReplayBytes;
    try {
      (LIMITS as { maxHiveReplayBytes: number }).maxHiveReplayBytes = 4096;
      const out = replayHiveLogs(bufferSource(primary), [log('LOG1', one)]);
      const warnings = out.kind === 'clean' ? [] : out.warnings;
      expect(warnings.join('\n')).toMatch(/replay stopped at entry 3: more than 4096 bytes of dirty pages/);
    } finally {
      (LIMITS as { maxHiveReplayBytes: number }).maxHiveReplayBytes = saved;
    }
  });
});
