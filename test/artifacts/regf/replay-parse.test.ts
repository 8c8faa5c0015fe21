/**
 * The regf parser with a dirty hive's transaction logs beside it (ArtifactContext.openSibling):
 * parse, scan and stream read the replayed hive, each log opened is closed, and a log that cannot
 * be opened or read leaves the hive as found with a warning saying so.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { parseRegf, scanHiveOnce, streamRegf } from '../../../src/artifacts/regf/parse.js';
import type { ArtifactContext, DetectContext } from '../../../src/artifacts/types.js';
import { bufferSource, type ByteSource, type ClosableSource } from '../../../src/util/byte-source.js';

const HAVE = corpusAvailable();
const read = (name: string): Buffer => (HAVE ? readFileSync(corpusPath('regf', 'regipy', name)) : Buffer.alloc(0));

const hive = read('transactions_NTUSER.DAT');
const logs: Record<string, Buffer> = { 'NTUSER.DAT.LOG1': read('transactions_ntuser.dat.log1'), 'NTUSER.DAT.LOG2': read('transactions_ntuser.dat.log2') };

/** A context whose opener hands out the corpus logs (or `broken` ones), counting opens and closes. */
function context(options: { missing?: string[]; failing?: string[] } = {}): { ctx: ArtifactContext; opened: string[]; closed: string[] } {
  const opened: string[] = [];
  const closed: string[] = [];
  const ctx: ArtifactContext = {
    relPath: 'Users/tony/NTUSER.DAT',
    name: 'NTUSER.DAT',
    head: hive.subarray(0, 4100),
    size: hive.length,
    format: 'regf',
    siblings: Object.keys(logs).map((name) => ({ name, isDirectory: false })),
    openSibling(name: string): ClosableSource | null {
      if (options.missing?.includes(name) || !logs[name]) return null;
      opened.push(name);
      const src: ByteSource = options.failing?.includes(name)
        ? { size: logs[name]!.length, name, read: () => { throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }); } }
        : bufferSource(logs[name]!, name);
      return Object.assign(src, { close: () => void closed.push(name) });
    },
  };
  return { ctx, opened, closed };
}

describeIf(HAVE, CORPUS_MISSING)('the regf parser with the logs beside the hive', () => {
  test('parse: the replayed hive, its facts and header record; both logs opened, both closed', async () => {
    const { ctx, opened, closed } = context();
    const res = (await parseRegf(bufferSource(hive), ctx))!;
    expect(res.facts).toMatchObject({ dirty: true, keyCount: 3105, valueCount: 4695, transactionLogs: ['NTUSER.DAT.LOG1', 'NTUSER.DAT.LOG2'], replayed: { entries: 23, firstSequence: 566, lastSequence: 588 } });
    expect(res.records[0]).toMatchObject({ type: 'registry-hive', dirty: false, sequence1: 588, replayed: { logs: ['NTUSER.DAT.LOG1'], entries: 23, found: { sequence1: 567, sequence2: 566 } } });
    expect(res.corrupted).toBe(false);
    expect(res.warnings).toEqual(['dirty hive (sequence 567 != 566): 23 log entries (sequence 566 to 588) of NTUSER.DAT.LOG1 applied, 132 dirty pages: keys and values are read as Windows would load the hive']);
    expect(opened).toEqual(['NTUSER.DAT.LOG1', 'NTUSER.DAT.LOG2']);
    expect(closed).toEqual(opened);
  });

  test('scan and stream read the same replayed hive', async () => {
    const scanned = (await scanHiveOnce(bufferSource(hive), { ...context().ctx, os: 'windows', hotspot: null, hotspotWeight: 0, times: { modified: null, accessed: null, changed: null, born: null } } as DetectContext))!;
    expect(scanned.result.facts).toMatchObject({ keyCount: 3105, valueCount: 4695, replayed: { entries: 23 } });
    const warnings: string[] = [];
    const records = [...streamRegf(bufferSource(hive), context().ctx, warnings)];
    expect(records.filter((r) => r.type === 'registry-key')).toHaveLength(3105);
    expect(warnings).toHaveLength(1);
  });

  test('the .LOG1 not there: the .LOG2 alone applies nothing, and the warning says why for each', async () => {
    const { ctx } = context({ missing: ['NTUSER.DAT.LOG1'] });
    const res = (await parseRegf(bufferSource(hive), ctx))!;
    expect(res.facts).toMatchObject({ dirty: true, keyCount: 2590 });
    expect(res.facts!.replayed).toBeUndefined();
    expect(res.warnings.at(-1)).toBe("dirty hive: transaction logs present but none applies (NTUSER.DAT.LOG2: entries 562 to 562, none from the hive's sequence on; NTUSER.DAT.LOG1: could not be opened); recent changes may be missing");
  });

  test('a log that fails to read (EIO) leaves the hive as found, said, and every log closed', async () => {
    const { ctx, opened, closed } = context({ failing: ['NTUSER.DAT.LOG1'] });
    const res = (await parseRegf(bufferSource(hive), ctx))!;
    expect(res.facts).toMatchObject({ dirty: true, keyCount: 2590, valueCount: 4119 });
    expect(res.warnings).toContain('transaction logs could not be read: EIO: i/o error, read');
    expect(closed).toEqual(opened);
  });

  test('without an opener (a file handed over alone), the logs are named, not read', async () => {
    const { ctx } = context();
    const res = (await parseRegf(bufferSource(hive), { ...ctx, openSibling: undefined }))!;
    expect(res.facts).toMatchObject({ dirty: true, keyCount: 2590 });
    expect(res.warnings.at(-1)).toBe('transaction logs present but not replayed: NTUSER.DAT.LOG1, NTUSER.DAT.LOG2');
  });
});
