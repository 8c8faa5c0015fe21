/**
 * PowerShell transcripts: the sessions' host command lines and the commands after prompts (or after
 * invocation headers), their ">> " lines joined, users from the prologue, times local as written and
 * turned into UTC only when the file's own born and modified times pin the offset; the staging
 * commands among them judged by the history rules; hostile layouts bounded.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { historyParser } from '../../../src/artifacts/history/index.js';
import { parseHistory, shellFromPath } from '../../../src/artifacts/history/parse.js';
import { localToUtc, transcriptLocalTime, transcriptStamps, transcriptZone } from '../../../src/artifacts/history/transcript.js';
import type { DetectContext } from '../../../src/artifacts/types.js';
import { NO_TIMES, type FileTimes } from '../../../src/model/finding.js';
import { scan } from '../../../src/pipeline/scan.js';
import { makePowerShellTranscript } from '../../../fixtures/lib/history-fixtures.mjs';

/** Wall-clock times of a machine at UTC+01:00, written as Dates whose UTC fields are the local time. */
const local = (hhmmss: string): Date => new Date(`2025-02-20T${hhmmss}Z`);
const REL = 'Users/mallory/Documents/20250220/PowerShell_transcript.WS01.Xq7w1.20250220023912.txt';
const COMPRESS = 'Compress-Archive -Path C:\\Users\\alice\\Documents\\* -DestinationPath C:\\Users\\Public\\Libraries\\d.zip';

const sessions = [
  {
    start: local('03:39:12'),
    end: local('03:47:30'),
    user: 'CONTOSO\\mallory',
    host: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    commands: [
      { time: local('03:40:05'), text: 'Get-ChildItem C:\\Users\\alice\\Documents', output: ['', '    Directory: C:\\Users\\alice\\Documents', 'PS C:\\ is not a prompt here'] },
      { time: local('03:41:10'), text: '$src = @(', more: ['"C:\\Users\\alice\\Documents\\*"', ')'] },
      { time: local('03:42:00'), text: COMPRESS },
      { time: local('03:45:00'), text: 'Remove-Item C:\\Users\\Public\\Libraries\\d.zip' },
      { time: local('03:45:30'), prompt: 'mallory@WS01 $ ', text: 'whoami' },
    ],
  },
  {
    start: local('03:46:00'),
    end: local('03:47:30'),
    user: 'CONTOSO\\svc_backup',
    host: 'powershell.exe -NoProfile -c "& C:\\ProgramData\\7za.exe a -pS3cret C:\\PerfLogs\\x.7z C:\\Users\\alice\\Documents"',
    commands: [],
  },
];

function ctx(relPath: string, buf: Buffer, times: FileTimes = NO_TIMES): DetectContext {
  return { relPath, name: relPath.split('/').pop()!, head: buf.subarray(0, 4100), size: buf.length, format: null, os: 'windows', hotspot: null, hotspotWeight: 0, times };
}

/** File times of the transcript as Windows keeps them: born at the first start, last written at the last end, at UTC+01:00. */
const PINNED: FileTimes = { born: '2025-02-20T02:39:12.4000000Z', modified: '2025-02-20T02:47:30.9000000Z', accessed: null, changed: null };

describe('PowerShell transcript parsing', () => {
  test('named by its file name', () => {
    expect(shellFromPath(REL)).toBe('powershell-transcript');
    expect(shellFromPath('C/Transcripts/powershell_transcript.SRV.abc.20250101000000.txt')).toBe('powershell-transcript');
    expect(shellFromPath('Users/a/Documents/transcript.txt')).toBeNull();
  });

  test.each(['utf8', 'utf16le'] as const)('%s: host command lines and prompted commands, joined, timed and owned as written', (encoding) => {
    const buf = makePowerShellTranscript(sessions, { encoding, invocationHeaders: true });
    const parsed = parseHistory(bufferSource(buf), 'powershell-transcript');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.commands.map((c) => [c.localTime, c.user, c.command])).toEqual([
      ['2025-02-20T03:39:12', 'mallory', sessions[0]!.host],
      ['2025-02-20T03:40:05', 'mallory', 'Get-ChildItem C:\\Users\\alice\\Documents'],
      ['2025-02-20T03:41:10', 'mallory', '$src = @(\n"C:\\Users\\alice\\Documents\\*"\n)'],
      ['2025-02-20T03:42:00', 'mallory', COMPRESS],
      ['2025-02-20T03:45:00', 'mallory', 'Remove-Item C:\\Users\\Public\\Libraries\\d.zip'],
      // A custom prompt: after an invocation header the line is the command, prompt and all.
      ['2025-02-20T03:45:30', 'mallory', 'mallory@WS01 $ whoami'],
      ['2025-02-20T03:46:00', 'svc_backup', sessions[1]!.host],
    ]);
    expect(parsed.commands.every((c) => c.time === null)).toBe(true);
    // The host command line is at its Host Application line (after the stars, the start line and five fields).
    expect(parsed.commands[0]!.line).toBe(8);
  });

  test('without invocation headers: commands by their prompt, untimed; output is not a command', () => {
    const buf = makePowerShellTranscript(sessions);
    const parsed = parseHistory(bufferSource(buf), 'powershell-transcript');
    expect(parsed.commands.map((c) => [c.localTime, c.command.split('\n')[0]])).toEqual([
      ['2025-02-20T03:39:12', sessions[0]!.host],
      [null, 'Get-ChildItem C:\\Users\\alice\\Documents'],
      [null, '$src = @('],
      [null, COMPRESS],
      [null, 'Remove-Item C:\\Users\\Public\\Libraries\\d.zip'],
      ['2025-02-20T03:46:00', sessions[1]!.host],
    ]);
  });

  test('local stamps: only real dates', () => {
    expect(transcriptLocalTime('20250220034730')).toBe('2025-02-20T03:47:30');
    expect(['20250230120000', '20251320120000', '20250220246000', '2025022003473', 'x0250220034730'].map(transcriptLocalTime)).toEqual([null, null, null, null, null]);
  });
});

describe('the transcript zone', () => {
  const buf = makePowerShellTranscript(sessions, { invocationHeaders: true });

  test('the first start and last end are read from the ends of the file', () => {
    expect(transcriptStamps(bufferSource(buf))).toEqual({ firstStart: '2025-02-20T03:39:12', lastEnd: '2025-02-20T03:47:30' });
    expect(transcriptStamps(bufferSource(makePowerShellTranscript(sessions, { encoding: 'utf16le' })))).toEqual({ firstStart: '2025-02-20T03:39:12', lastEnd: '2025-02-20T03:47:30' });
  });

  test('pinned when born at the first start and modified at the last end at one quarter-hour offset', () => {
    const zone = transcriptZone('2025-02-20T03:39:12', '2025-02-20T03:47:30', PINNED.born, PINNED.modified);
    expect(zone?.offsetMinutes).toBe(60);
    expect(localToUtc('2025-02-20T03:42:00', zone!)).toBe('2025-02-20T02:42:00.0000000Z');
    // Nepal, +05:45.
    expect(transcriptZone('2025-02-20T08:24:12', '2025-02-20T08:32:30', PINNED.born, PINNED.modified)?.offsetMinutes).toBe(345);
  });

  test.each([
    ['a copy: born and modified moments apart', '2025-03-01T10:00:00.0000000Z', '2025-03-01T10:00:01.0000000Z'],
    ['born and modified at different offsets', '2025-02-20T02:39:12.0000000Z', '2025-02-20T03:47:30.0000000Z'],
    ['modified off a quarter hour', '2025-02-20T02:39:12.0000000Z', '2025-02-20T02:53:30.0000000Z'],
    ['no born time', null, '2025-02-20T02:47:30.0000000Z'],
    ['more than 14 hours away', '2025-02-19T12:39:12.0000000Z', '2025-02-19T12:47:30.0000000Z'],
  ])('not pinned: %s', (_what, born, modified) => {
    expect(transcriptZone('2025-02-20T03:39:12', '2025-02-20T03:47:30', born, modified)).toBeNull();
  });

  test('no end time (the session still open or killed): not pinned', () => {
    const open = makePowerShellTranscript([{ ...sessions[0]!, end: undefined }], { invocationHeaders: true });
    expect(transcriptStamps(bufferSource(open)).lastEnd).toBeNull();
  });
});

describe('PowerShell transcript detection', () => {
  test('staging commands are history findings, owned by the session user, at UTC when the zone is pinned', async () => {
    const buf = makePowerShellTranscript(sessions, { invocationHeaders: true });
    const c = ctx(REL, buf, PINNED);
    const found = historyParser.detect!((await historyParser.parse(bufferSource(buf), c))!, c);
    expect(found.map((f) => [f.line, f.user, f.hits.map((h) => h.rule).sort()])).toEqual([
      [expect.any(Number), 'mallory', ['history-archive-to-staging-location', 'history-archive-user-data', 'history-powershell-compression']],
      [expect.any(Number), 'mallory', ['history-delete-staged-archive']],
      [expect.any(Number), 'svc_backup', ['history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data', 'history-archiver-create', 'history-archiver-unusual-folder']],
    ]);
    const [compress] = found;
    expect(compress).toMatchObject({ format: 'powershell-transcript', details: { shell: 'powershell-transcript', time: '2025-02-20T02:42:00.0000000Z', localTime: '2025-02-20T03:42:00', timezone: expect.stringMatching(/^UTC\+01:00 \(the file was born/) } });
    expect(compress!.events).toEqual([{ time: '2025-02-20T02:42:00.0000000Z', type: 'command', description: `mallory ran: ${COMPRESS}` }]);
    // The scan's streamed pass gives the same findings.
    const streamed = await historyParser.scan!(bufferSource(buf), c);
    expect(streamed!.candidates).toEqual(found);
  });

  test('an unpinned zone: the local time kept as written, no timeline event', async () => {
    const buf = makePowerShellTranscript(sessions, { invocationHeaders: true });
    const c = ctx(REL, buf, { ...PINNED, born: PINNED.modified });
    const [compress] = historyParser.detect!((await historyParser.parse(bufferSource(buf), c))!, c);
    expect(compress!.details).toMatchObject({ time: null, localTime: '2025-02-20T03:42:00', timezone: 'local (unknown)' });
    expect(compress!.events).toEqual([]);
  });
});

describe('hostile transcripts', () => {
  test('a line of stars that never closes, 100,000 ">> " lines, a forged prologue: bounded, no throw', () => {
    const lines = ['**********************', 'Windows PowerShell transcript start', 'Start time: 99999999999999', 'Username: \u001b[2J', 'Host Application: ' + 'A'.repeat(200_000)];
    for (let i = 0; i < 70; i++) lines.push('not a header');
    lines.push('PS C:\\> rar a x.rar', ...Array.from({ length: 100_000 }, () => `>> ${'B'.repeat(10)}`), '**********************');
    const buf = Buffer.from(lines.join('\r\n'), 'utf8');
    const parsed = parseHistory(bufferSource(buf), 'powershell-transcript');
    expect(parsed.commands).toHaveLength(1);
    expect(parsed.commands[0]!.command.length).toBeLessThanOrEqual(64 * 1024);
    expect(parsed.warnings).toEqual(['1 line(s) longer than 32768 characters truncated', '1 transcript command(s) longer than 65536 characters truncated']);
  });

  test('300 mutated transcripts (bytes flipped, cut, lines doubled): commands or nothing, never a throw', () => {
    const seed = makePowerShellTranscript(sessions, { invocationHeaders: true });
    let state = 7401;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let i = 0; i < 300; i++) {
      let buf = Buffer.from(seed);
      for (let k = 0; k < 8; k++) buf[next(buf.length)] = next(256);
      if (i % 3 === 0) buf = buf.subarray(0, next(buf.length));
      if (i % 5 === 0) buf = Buffer.concat([buf, buf.subarray(next(buf.length))]);
      const parsed = parseHistory(bufferSource(buf), 'powershell-transcript');
      for (const c of parsed.commands) expect(c.command.length).toBeLessThanOrEqual(64 * 1024);
      expect(() => transcriptStamps(bufferSource(buf))).not.toThrow();
    }
  });
});

describe('a transcript in a scan', () => {
  test('found in the hotspot scope, in the episode of the archive it wrote, told at its UTC time', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-transcript-'));
    try {
      const file = path.join(root, ...REL.split('/'));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, makePowerShellTranscript(sessions, { invocationHeaders: true }));
      utimesSync(file, new Date(PINNED.modified!), new Date(PINNED.modified!));
      mkdirSync(path.join(root, 'Users', 'Public', 'Libraries'), { recursive: true });
      const report = await scan({ roots: [root], os: 'windows', scope: 'hotspots', now: () => new Date('2026-12-01T00:00:00Z') });
      const transcript = report.findings.filter((f) => f.path === REL);
      expect(transcript.map((f) => f.kind)).toEqual(['history', 'history', 'history']);
      // The temp directory's born time is now, not the transcript's start: the zone is not pinned here, the time stays local.
      const compress = transcript.find((f) => String(f.details?.command).startsWith('Compress-Archive'))!;
      expect(compress.details).toMatchObject({ localTime: '2025-02-20T03:42:00' });
      const texts = report.episodes!.flatMap((e) => e.steps.map((s) => s.text)).filter((t) => t.includes('transcript'));
      expect(texts.some((t) => t.startsWith("mallory's PowerShell transcript (line ") && t.includes('2025-02-20 03:42:00 local time'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
