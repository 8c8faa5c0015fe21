/**
 * A 7z solid block larger than what is left of an archive's budget gives its start
 * (src/artifacts/sevenzip/folder.ts `start`, archive/members.ts folderOutput): 7-Zip's solid blocks
 * reach a gigabyte, so most of a large staged 7z is one block, and before this none of its files was
 * given to the rules. The files wholly in the start are 7-Zip's extraction of them, byte for byte,
 * each checked against its own CRC-32 from the header; the others are a budget skip. A damaged
 * packed byte makes the files it touches fail their CRC-32, never a throw.
 */
import { describe, expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archiveMembers, type MemberBounds, type MemberBytes } from '../../../src/artifacts/archive/members.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { prng, wordSoup } from '../../helpers/random.js';

const ready = toolAvailable('7zz');
const reason = toolMissing('7zz');

/** Four files of 400 KB (text, random bytes, an x86 program's bytes, text again), in one solid block. */
function files(dir: string): Map<string, Buffer> {
  const random = prng(11);
  const out = new Map<string, Buffer>([
    ['a-notes.txt', wordSoup(400_000, 1, ['quarterly', 'payroll', 'invoice', 'customer', 'export', 'ledger', 'vendor', 'total'])],
    ['b-random.bin', Buffer.from(Array.from({ length: 400_000 }, () => Math.floor(random() * 256)))],
    ['c-program.bin', Buffer.concat(Array.from({ length: 4 }, () => readFileSync('/bin/ls'))).subarray(0, 400_000)],
    ['d-notes.txt', wordSoup(400_000, 2, ['secret', 'draft', 'merger', 'board', 'minutes', 'salary'])],
  ]);
  mkdirSync(path.join(dir, 'in'));
  for (const [name, data] of out) writeFileSync(path.join(dir, 'in', name), data);
  return out;
}

function load(bytes: Buffer, maxTotalBytes: number): Map<string, MemberBytes> {
  const bounds: MemberBounds = { maxMembers: 100, maxMemberBytes: 64 << 20, maxTotalBytes, packages: false };
  const listing = archiveMembers(bufferSource(bytes), 'x.7z', bounds)!;
  return new Map(listing.members.map((m) => [m.path, m.load()]));
}

describe('the start of a 7z solid block larger than the budget', () => {
  testIf(ready, reason)('LZMA2, LZMA, PPMd, BZip2 and LZMA2 under BCJ: the files wholly in the first 1 MB are 7-Zip\'s, each CRC-checked; the others are a budget skip', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-7z-start-'));
    try {
      const want = files(dir);
      // A chain of coders holds each coder's output: the budget is shared among them (BCJ over LZMA2: two).
      for (const [method, budget] of [[['-m0=LZMA2'], 1_000_000], [['-m0=LZMA'], 1_000_000], [['-m0=PPMd'], 1_000_000], [['-m0=BZip2'], 1_000_000], [['-m0=BCJ', '-m1=LZMA2'], 2_000_000]] as const) {
        const archive = path.join(dir, `${method.join('')}.7z`);
        execFileSync('7zz', ['a', '-bd', '-ms=on', ...method, archive, './in/*'], { cwd: dir, stdio: 'ignore' });
        expect(execFileSync('7zz', ['l', '-slt', archive], { encoding: 'utf8' })).toMatch(/Blocks = 1\n/);
        const bytes = readFileSync(archive);
        // Everything fits: every file whole.
        const all = load(bytes, 64 << 20);
        for (const [name, data] of want) expect({ method, name, same: (all.get(name) as { data?: Buffer }).data?.equals(data) ?? all.get(name) }).toEqual({ method, name, same: true });
        // The files in the block's order (7-Zip orders a solid block by extension): the first two end
        // within the start (800 KB of the 1 MB; of the chain's 2 MB, 1 MB for each coder), the third
        // starts in it and ends past it.
        const listing = execFileSync('7zz', ['l', '-slt', archive], { encoding: 'utf8' });
        const inBlock = [...listing.matchAll(/^Path = (.+)$/gm)].map((m) => m[1]!).filter((p) => want.has(p));
        expect([...inBlock].sort()).toEqual([...want.keys()]);
        const start = load(bytes, budget);
        for (const name of inBlock.slice(0, 2)) {
          const got = start.get(name)!;
          expect({ method, name, ok: got.ok, damaged: got.ok ? got.damaged : got.detail }).toEqual({ method, name, ok: true, damaged: undefined });
          expect({ method, name, same: got.ok && got.data.equals(want.get(name)!) }).toEqual({ method, name, same: true });
        }
        for (const name of inBlock.slice(2)) expect({ method, name, got: start.get(name) }).toMatchObject({ method, name, got: { ok: false, why: 'budget', detail: expect.stringMatching(/^past the first \d+ bytes of its solid block/) } });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  testIf(ready, reason)('a flipped byte in the packed start: the files it reaches fail their own CRC-32 (said damaged), nothing throws', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-7z-start-'));
    try {
      files(dir);
      const archive = path.join(dir, 'x.7z');
      execFileSync('7zz', ['a', '-bd', '-ms=on', '-m0=LZMA2', archive, './in/*'], { cwd: dir, stdio: 'ignore' });
      const bytes = readFileSync(archive);
      let damaged = 0;
      for (const at of [40, 5_000, 90_000, 300_000, 500_000]) {
        const copy = Buffer.from(bytes);
        copy[at] ^= 0x10;
        for (const got of load(copy, 1_000_000).values()) if (got.ok && got.damaged) damaged++;
      }
      expect(damaged).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
