import { describe, expect, test } from '@jest/globals';
import { bufferSource } from '../../../src/util/byte-source.js';
import { historyParser } from '../../../src/artifacts/history/index.js';
import { dollarIParser } from '../../../src/artifacts/recycle-bin/index.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { makeBashHistory, makePsReadLineHistory } from '../../../fixtures/lib/history-fixtures.mjs';
import { makeDollarI } from '../../../fixtures/lib/recyclebin-writers.mjs';

function ctx(relPath: string, buf: Buffer): DetectContext {
  return { relPath, name: relPath.split('/').pop()!, head: buf.subarray(0, 4100), size: buf.length, format: null, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

describe('history detector', () => {
  test('the staging story: rar into Public, then the archive in the Recycle Bin names the same path', async () => {
    const hist = makePsReadLineHistory([
      'whoami',
      'cd C:\\Users\\alice\\Documents',
      '& "C:\\Program Files\\WinRAR\\rar.exe" a -r -hpS3cret C:\\Users\\Public\\d.rar C:\\Users\\alice\\Documents\\*',
      'exit',
    ]);
    const hctx = ctx('C/Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt', hist);
    const hres = (await historyParser.parse(bufferSource(hist), hctx))!;
    const [cand, ...rest] = historyParser.detect!(hres, hctx);
    expect(rest).toEqual([]);
    expect(cand).toMatchObject({ kind: 'history', line: 3, user: 'alice', events: [] });
    expect(cand!.hits.map((h) => h.rule)).toContain('history-archive-password');
    const written = cand!.names!.find((n) => n.role === 'writes')!.path;

    const idx = makeDollarI({ originalPath: 'C:\\Users\\Public\\d.rar', deletedAt: '2024-05-06T05:06:07Z' });
    const ictx = { ...ctx('C/$Recycle.Bin/S-1-5-21-1-2-3-1001/$IABCDEF.rar', idx), siblings: [] };
    const [icand] = dollarIParser.detect!((await dollarIParser.parse(bufferSource(idx), ictx))!, ictx);
    expect(icand!.names).toEqual([{ path: written, role: 'original' }]);
  });
  test('bash history with a timestamp yields a command timeline event', async () => {
    const buf = makeBashHistory([{ command: 'tar czf /dev/shm/.x/h.tgz /home/bob/Documents', time: 1714971967 }]);
    const c = ctx('home/bob/.bash_history', buf);
    const [cand] = historyParser.detect!((await historyParser.parse(bufferSource(buf), c))!, c);
    expect(cand!.events).toEqual([{ time: '2024-05-06T05:06:07.0000000Z', type: 'command', description: 'bob ran: tar czf /dev/shm/.x/h.tgz /home/bob/Documents' }]);
    expect(cand!.line).toBe(2);
  });
});
