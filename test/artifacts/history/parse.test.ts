import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { parseHistory, shellFromPath, userFromPath } from '../../../src/artifacts/history/parse.js';
import { historyParser } from '../../../src/artifacts/history/index.js';
import { makeBashHistory, makeFishHistory, makePsReadLineHistory, makeZshHistory } from '../../../fixtures/lib/history-fixtures.mjs';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { cpuClock } from '../../helpers/cpu.js';

const src = (b: Buffer) => bufferSource(b);

describe('shell and user from path', () => {
  test.each([
    ['C/Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt', 'powershell', 'alice'],
    ['C/Users/bob/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/Visual Studio Code Host_history.txt', 'powershell', 'bob'],
    ['home/carol/.bash_history', 'bash', 'carol'],
    ['root/.zsh_history', 'zsh', 'root'],
    ['home/dan/.local/share/fish/fish_history', 'fish', 'dan'],
    ['root/.ash_history', 'sh', 'root'],
    ['home/eve/.python_history', 'python', 'eve'],
    ['home/eve/notes.txt', null, 'eve'],
  ])('%s', (p, shell, user) => {
    expect(shellFromPath(p)).toBe(shell);
    expect(userFromPath(p)).toBe(user);
  });
});

describe('formats', () => {
  test('PSReadLine joins backtick continuations and reports the start line', () => {
    const buf = makePsReadLineHistory(['cd C:\\Users\\Public', 'rar a -hpX out.rar `\n  C:\\Users\\alice\\Documents', 'exit']);
    const r = parseHistory(src(buf), 'powershell');
    expect(r.commands.map((c) => c.line)).toEqual([1, 2, 4]);
    expect(r.commands[1]!.command).toBe('rar a -hpX out.rar `\n  C:\\Users\\alice\\Documents');
    expect(r.warnings).toEqual([]);
  });
  test('PSReadLine with a UTF-16LE BOM', () => {
    const r = parseHistory(src(makePsReadLineHistory(['Get-ChildItem ü', 'whoami'], { bom: 'utf16le' })), 'powershell');
    expect(r.commands.map((c) => c.command)).toEqual(['Get-ChildItem ü', 'whoami']);
  });
  test('bash timestamps apply to the next command only', () => {
    const r = parseHistory(src(makeBashHistory([{ command: 'ls', time: 1700000000 }, { command: 'pwd' }])), 'bash');
    expect(r.commands).toEqual([
      { line: 2, command: 'ls', time: '2023-11-14T22:13:20.0000000Z' },
      { line: 3, command: 'pwd', time: null },
    ]);
  });
  test('zsh extended history, multi-line and metafied bytes', () => {
    const buf = makeZshHistory([{ command: 'echo ăé€', time: 1700000001 }, { command: 'tar czf /tmp/x.tgz \\\n ~/docs', time: 1700000002 }]);
    expect(buf.includes(0x83)).toBe(true);
    const r = parseHistory(src(buf), 'zsh');
    expect(r.commands[0]).toEqual({ line: 1, command: 'echo ăé€', time: '2023-11-14T22:13:21.0000000Z' });
    expect(r.commands[1]!.line).toBe(2);
    expect(r.commands[1]!.command).toBe('tar czf /tmp/x.tgz \\\n ~/docs');
  });
  test('fish cmd/when pairs with escapes', () => {
    const r = parseHistory(src(makeFishHistory([{ command: 'echo a\nb', time: 1700000003, paths: ['/tmp'] }, { command: 'ls', time: 1700000004 }])), 'fish');
    expect(r.commands).toEqual([
      { line: 1, command: 'echo a\nb', time: '2023-11-14T22:13:23.0000000Z' },
      { line: 5, command: 'ls', time: '2023-11-14T22:13:24.0000000Z' },
    ]);
  });
});

describe('hostile input', () => {
  test('invalid UTF-8 is replaced with a warning', () => {
    const r = parseHistory(src(Buffer.from([0x6c, 0x73, 0xff, 0xfe, 0x0a, 0x70, 0x77, 0x64, 0x0a])), 'bash');
    expect(r.commands.map((c) => c.command)).toEqual(['ls\ufffd\ufffd', 'pwd']);
    expect(r.warnings.join(' ')).toMatch(/invalid UTF-8/);
    expect(r.corrupted).toBe(true);
  });
  test('lone surrogates in UTF-16 are replaced with a warning', () => {
    const body = Buffer.from('ab\n', 'utf16le');
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xd8]), body]);
    const r = parseHistory(src(buf), 'powershell');
    expect(r.warnings.join(' ')).toMatch(/UTF-16LE/);
    expect(r.commands[0]!.command).toBe('\ufffdab');
  });
  test('binary garbage gives a warning, no crash', () => {
    const garbage = Buffer.alloc(100_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    const r = parseHistory(src(garbage), 'bash');
    expect(r.warnings.join(' ')).toMatch(/binary/);
    expect(r.corrupted).toBe(true);
  });
  test('overlong lines are truncated to the limit', () => {
    const r = parseHistory(src(Buffer.from(`${'A'.repeat(LIMITS.maxNameBytes * 3)}\nls\n`)), 'bash');
    expect(r.commands[0]!.command.length).toBe(LIMITS.maxNameBytes);
    expect(r.commands[1]!.command).toBe('ls');
    expect(r.warnings.join(' ')).toMatch(/truncated/);
  });
  test('a history beyond the line limit stops at the limit in bounded time', () => {
    const buf = Buffer.from('x\n'.repeat(LIMITS.maxHistoryLines + 5000));
    const t0 = cpuClock();
    const r = parseHistory(src(buf), 'sh');
    expect(r.commands.length).toBe(LIMITS.maxHistoryLines);
    expect(r.warnings.join(' ')).toMatch(/more than/);
    expect(t0()).toBeLessThan(15_000);
  });
  test('a PSReadLine history ending in a backtick does not loop', () => {
    const r = parseHistory(src(Buffer.from('a `\nb `\n')), 'powershell');
    expect(r.commands).toHaveLength(1);
  });
});

describeIf(corpusAvailable(), CORPUS_MISSING)('corpus PSReadLine history', () => {
  test('arsenicpilot ConsoleHost_history.txt: 207 commands (207 lines, no continuations: grep -c)', async () => {
    const buf = readFileSync(corpusPath('history', 'arsenicpilot', 'ConsoleHost_history.txt'));
    const rel = 'Users/arsenic/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt';
    const ctx = { relPath: rel, name: 'ConsoleHost_history.txt', head: buf.subarray(0, 4100), size: buf.length, format: null };
    expect(historyParser.matches(ctx)).toBe(true);
    const result = (await historyParser.parse(src(buf), ctx))!;
    const lines = buf.toString('utf8').split('\n').filter((l) => l.length > 0);
    expect(result.records).toHaveLength(207);
    expect(result.records).toHaveLength(lines.length);
    expect(result.records[0]).toMatchObject({ type: 'history-command', line: 1, shell: 'powershell', user: 'arsenic', time: null });
    expect(result.warnings).toEqual([]);
  });
});
