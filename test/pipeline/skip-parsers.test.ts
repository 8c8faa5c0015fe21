/**
 * An NTFS volume's own $MFT is read once per scan, by the trace stage (ntfs-traces.ts
 * parsersLeftToTraces): the walk's inspection of `/$MFT` leaves the standalone $MFT parser out, and only it.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { NO_TIMES } from '../../src/model/finding.js';
import { inspectFile, type InspectInput } from '../../src/pipeline/inspect.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { LIMITS } from '../../src/util/limits.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';

describeIf(corpusAvailable(), CORPUS_MISSING)('parsers left out of one file', () => {
  const data = (): Buffer => readFileSync(corpusPath('ntfs/ez-mft/NIST/DFR-16/$MFT'));
  const input = (body: Buffer, skipParsers?: ReadonlySet<string>): InspectInput => ({
    src: bufferSource(body), head: body.subarray(0, LIMITS.headBytes), relPath: '$MFT', name: '$MFT', size: body.length,
    times: NO_TIMES, hotspot: null, os: 'windows', skipParsers,
  });

  test('a $MFT is parsed for its facts unless the mft parser is left out', async () => {
    const body = data();
    const parsed = await inspectFile(input(body));
    expect(parsed.runs.map((r) => r.parser)).toContain('mft');
    expect((parsed.fileCandidate.details as Record<string, { records: number }> | undefined)?.mft?.records).toBeGreaterThan(0);
    const skipped = await inspectFile(input(body, new Set(['mft'])));
    expect(skipped.runs.map((r) => r.parser)).not.toContain('mft');
    expect((skipped.fileCandidate.details as Record<string, unknown> | undefined)?.mft).toBeUndefined();
    // The fingerprint does not depend on the parsers.
    expect(skipped.fingerprint).toEqual(parsed.fingerprint);
  });

  test('leaving out a parser that does not claim the file changes nothing', async () => {
    const body = data();
    expect(await inspectFile(input(body, new Set(['usn', 'evtx'])))).toEqual(await inspectFile(input(body)));
  });
});
