/**
 * A scan matches a history's commands as they are read, none held (`historyParser.scan`), and
 * `parse --format jsonl` writes them as they are read (`historyParser.stream`): both must give what
 * `parse` (+ `detect`) gives, on every shell's fixtures, the corpus history and a history past the
 * findings cap.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { historyParser } from '../../../src/artifacts/history/index.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import { LIMITS } from '../../../src/util/limits.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { makeBashHistory, makeFishHistory, makePsReadLineHistory, makeZshHistory } from '../../../fixtures/lib/history-fixtures.mjs';
import { makeContinuedHistory } from '../../../fixtures/lib/hostile-inputs.mjs';
import { corpusAvailable, corpusPath, CORPUS_MISSING, describeIf } from '../../helpers/corpus.js';

function ctx(relPath: string, buf: Buffer): DetectContext {
  return { relPath, name: relPath.split('/').pop()!, head: buf.subarray(0, 4100), size: buf.length, format: null, os: 'windows', hotspot: null, hotspotWeight: 0, times: NO_TIMES };
}

async function expectScanEqualsParse(relPath: string, buf: Buffer): Promise<number> {
  const c = ctx(relPath, buf);
  const held = (await historyParser.parse(bufferSource(buf), c))!;
  const scanned = (await historyParser.scan!(bufferSource(buf), c))!;
  expect(scanned.result).toEqual({ ...held, records: [] });
  const candidates = historyParser.detect!(held, c);
  expect(scanned.candidates).toEqual(candidates);
  const warnings: string[] = [];
  expect([...historyParser.stream!(bufferSource(buf), c, warnings)]).toEqual(held.records);
  expect(warnings).toEqual(held.warnings);
  return candidates.length;
}

const PSREADLINE = 'Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt';

describe('history streamed in a scan and in parse --format jsonl', () => {
  test('each shell: the same records, warnings, result and findings as parse + detect', async () => {
    let found = 0;
    found += await expectScanEqualsParse(PSREADLINE, makePsReadLineHistory(['cd C:\\Users\\Public', '& rar a -hpS3cret C:\\Users\\Public\\d.rar `\n  C:\\Users\\alice\\Documents', 'Remove-Item C:\\Users\\Public\\d.rar', 'exit']));
    found += await expectScanEqualsParse(PSREADLINE, makePsReadLineHistory(['Compress-Archive C:\\Users\\alice\\Documents C:\\ProgramData\\x.zip'], { bom: 'utf16le' }));
    found += await expectScanEqualsParse('home/bob/.bash_history', makeBashHistory([{ command: 'tar czf /dev/shm/.x/h.tgz /home/bob/Documents', time: 1714971967 }, { command: 'rm -f /dev/shm/.x/h.tgz' }, { command: 'ls' }]));
    found += await expectScanEqualsParse('root/.zsh_history', makeZshHistory([{ command: 'echo ăé€', time: 1700000001 }, { command: '7z a -pX /tmp/x.7z \\\n ~/docs', time: 1700000002 }]));
    found += await expectScanEqualsParse('home/dan/.local/share/fish/fish_history', makeFishHistory([{ command: 'zip -r -P pw /tmp/o.zip /srv', time: 1700000003, paths: ['/tmp'] }, { command: 'ls', time: 1700000004 }]));
    found += await expectScanEqualsParse('root/.zsh_history', makeContinuedHistory('zsh', 3000));
    found += await expectScanEqualsParse('home/eve/.python_history', Buffer.from('import os\n\u00ff\nos.system("7z a -p /tmp/a.7z /etc")\n'));
    expect(found).toBeGreaterThanOrEqual(5); // the fixtures had staging commands to find
  });

  test('past the findings cap: the first LIMITS.maxFindingsPerArtifact kept, every command still counted', async () => {
    const lines = Array.from({ length: LIMITS.maxFindingsPerArtifact + 500 }, (_, i) => ({ command: `7z a -pX /tmp/s${i}.7z /home/u/d${i}` }));
    const buf = makeBashHistory([...lines, { command: 'ls' }]);
    const c = ctx('home/u/.bash_history', buf);
    const scanned = (await historyParser.scan!(bufferSource(buf), c))!;
    expect(scanned.candidates).toHaveLength(LIMITS.maxFindingsPerArtifact);
    expect(scanned.candidates.at(-1)!.line).toBe(LIMITS.maxFindingsPerArtifact);
    expect(scanned.result.facts!.commands).toBe(lines.length + 1);
    await expectScanEqualsParse('home/u/.bash_history', buf);
  });

  test('a history that takes a while to read lets the event loop turn (Ctrl-C is handled while it is read)', async () => {
    const buf = Buffer.from('ls -la /var/log/app && cat /etc/hosts | grep -v localhost\n'.repeat(400_000));
    let done = false;
    let timerBeforeDone: boolean | null = null;
    setTimeout(() => (timerBeforeDone = !done), 10);
    const started = Date.now();
    const got = await historyParser.scan!(bufferSource(buf), ctx('home/u/.bash_history', buf));
    done = true;
    expect(got!.result.facts!.commands).toBe(400_000);
    // Only meaningful when the read outlasted the timer (it takes a second or more here).
    if (Date.now() - started > 100) expect(timerBeforeDone).toBe(true);
  });
});

describeIf(corpusAvailable(), CORPUS_MISSING)('history streamed in a scan: corpus', () => {
  test('arsenicpilot ConsoleHost_history.txt: same records, findings and result as parse + detect', async () => {
    await expectScanEqualsParse('Users/arsenic/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt', readFileSync(corpusPath('history', 'arsenicpilot', 'ConsoleHost_history.txt')));
  });
});
