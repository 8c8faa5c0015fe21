/**
 * An NTFS image's own $MFT is read for the report by the trace stage only (scan.ts
 * ntfs-traces.ts parsersLeftToTraces leaves the standalone $MFT parser out of the walk's inspection of
 * `/$MFT`): a damaged record's warning still reaches the report's errors, once, from the trace
 * stage, as it does for the same $MFT collected KAPE-style into a directory root, whose walk leaves
 * the collected $MFT, $J and $LogFile to the trace stage too (ntfs-traces.ts CollectedNtfsFiles), in
 * every scope, inline, in the isolated worker (a file of 4 MiB or more) and with --jobs. The image's
 * JSON was byte-identical before and after the change.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, runCli } from '../helpers/cli.js';
import { describeIf, toolAvailable } from '../helpers/corpus.js';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { fileSource, workDir } from './helpers.js';
import { buildStagedImage, STAGED_TOOLS } from './staged-image.js';

const built = existsSync(BIN);
const ready = built && STAGED_TOOLS.every((t) => toolAvailable(t));

interface ScanError {
  path: string;
  op: string;
  message: string;
}

function scanErrors(root: string, extra: string[] = []): ScanError[] {
  const r = runCli(['scan', root, '--format', 'json', '--quiet', '--hash', 'none', ...extra], { timeoutMs: 120_000 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`scan exited ${r.status}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { errors: ScanError[] }).errors;
}

/** The damage: notes.txt's first attribute ($STANDARD_INFORMATION) claims a length of 7 bytes. */
const DAMAGE = /attribute 0x10 at \d+ has length 7/;

describeIf(ready, built ? `tools ${STAGED_TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('a damaged record of an image\'s own $MFT', () => {
  let dir: string;
  let damaged: string;
  let collection: string;
  beforeAll(() => {
    dir = path.join(workDir(), 'own-mft-once');
    rmSync(dir, { recursive: true, force: true });
    const img = buildStagedImage(dir);
    const vol = openNtfs(fileSource(img.image));
    const entry = vol.lookup('/PerfLogs/notes.txt')!.entry;
    const bytes = readFileSync(img.image);
    const mftAt = Number(bytes.readBigUInt64LE(0x30)) * vol.clusterSize;
    const rec = mftAt + entry * vol.recordSize;
    const first = rec + bytes.readUInt16LE(rec + 0x14);
    expect(bytes.readUInt32LE(first)).toBe(0x10);
    bytes.writeUInt32LE(7, first + 4);
    damaged = path.join(dir, 'damaged.img');
    writeFileSync(damaged, bytes);
    // The same $MFT, collected KAPE-style into a directory root.
    collection = path.join(dir, 'collection', 'C');
    mkdirSync(collection, { recursive: true });
    const own = openNtfs(fileSource(damaged));
    const mft = own.open(own.lookup('/$MFT')!)!;
    writeFileSync(path.join(collection, '$MFT'), mft.read(0, mft.size));
    // and padded past 4 MiB with empty records, as a larger collected $MFT is read (in the isolated worker)
    mkdirSync(path.join(dir, 'big', 'C'), { recursive: true });
    writeFileSync(path.join(dir, 'big', 'C', '$MFT'), Buffer.concat([mft.read(0, mft.size), Buffer.alloc(5 * 1024 * 1024)]));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the image scan reports the damage once, from the trace stage', () => {
    const errors = scanErrors(damaged).filter((e) => DAMAGE.test(e.message));
    expect(errors.map((e) => e.message.slice(0, e.message.indexOf(':', 1) + 1))).toEqual(['$MFT:']);
  });

  test('so does a scan of the same $MFT collected into a directory root, in every scope, in the isolated worker and with --jobs', () => {
    for (const root of [path.dirname(collection), path.join(dir, 'big')]) {
      for (const extra of [[], ['--scope', 'all'], ['--scope', 'all', '--jobs', '2']]) {
        const errors = scanErrors(root, extra);
        expect(errors.filter((e) => DAMAGE.test(e.message)).map((e) => e.message.slice(0, e.message.indexOf(':', 1) + 1))).toEqual(['C/$MFT:']);
        // no second reading of it by the walk's $MFT parser
        expect(errors.filter((e) => e.op === 'parse' && e.path === 'C/$MFT')).toEqual([]);
      }
    }
  }, 120_000);
});
