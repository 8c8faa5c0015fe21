/**
 * A history is read a chunk at a time (never whole: a padded history of hundreds of MB stays in
 * bounds). These tests hold the lines and warnings to what reading the whole file, decoding it at
 * once and splitting it gives (the reading before, kept here as the reference), on generated
 * histories that cross the chunk size and hold what is hard to split in pieces: multi-byte
 * characters, invalid UTF-8, UTF-16 with and without surrogate pairs, CRLF, zsh's Meta bytes,
 * byte-order marks, lines past the length limit, and the line limit. One difference, by design:
 * bytes past the line limit or past a long line's kept characters are not read, so an invalid
 * sequence there is not warned about.
 */
import { describe, expect, test } from '@jest/globals';
import { bufferSource, type ByteSource } from '../../../src/util/byte-source.js';
import { LIMITS } from '../../../src/util/limits.js';
import { historyCommands, parseHistory, readHistoryLines, type Shell } from '../../../src/artifacts/history/parse.js';
import { historyParser } from '../../../src/artifacts/history/index.js';
import { NO_TIMES } from '../../../src/model/finding.js';
import { makeBashHistory } from '../../../fixtures/lib/history-fixtures.mjs';
import { cpuClock } from '../../helpers/cpu.js';

/** The whole-file reading: unmetafy, decode by BOM, sample for binary, split, bound. */
function wholeFileLines(buf: Buffer, shell: Shell): { lines: string[]; warnings: string[]; binary: boolean } {
  const warnings: string[] = [];
  let bytes = buf.subarray(0, LIMITS.maxTextArtifactBytes);
  if (shell === 'zsh' && bytes.includes(0x83)) {
    const out = Buffer.alloc(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) out[n++] = bytes[i] === 0x83 && i + 1 < bytes.length ? bytes[++i]! ^ 0x20 : bytes[i]!;
    bytes = out.subarray(0, n);
  }
  let text: string;
  const utf16 = (body: Buffer, label: 'utf-16le' | 'utf-16be'): string => {
    if (body.length % 2 !== 0) warnings.push(`${label} text has an odd trailing byte`);
    try {
      return new TextDecoder(label, { fatal: true }).decode(body);
    } catch {
      warnings.push(`invalid ${label.toUpperCase()} (lone surrogates) replaced with U+FFFD`);
      return new TextDecoder(label).decode(body);
    }
  };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = utf16(bytes.subarray(2), 'utf-16le');
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = utf16(bytes.subarray(2), 'utf-16be');
  else {
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      warnings.push('invalid UTF-8 sequences replaced with U+FFFD');
      text = new TextDecoder('utf-8').decode(body);
    }
  }
  const sample = text.slice(0, 64 * 1024);
  const binary = sample.length > 0 && (sample.match(/[\u0000-\u0008\u000e-\u001f]/g)?.length ?? 0) / sample.length > 0.1;
  if (binary) warnings.push('file looks like binary data, not a text history; commands may be garbage');
  const lines: string[] = [];
  let truncated = 0;
  for (let start = 0; start <= text.length; ) {
    if (lines.length >= LIMITS.maxHistoryLines) {
      warnings.push(`more than ${LIMITS.maxHistoryLines} lines; the rest is skipped`);
      break;
    }
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end);
    if (line.length > LIMITS.maxNameBytes) {
      line = line.slice(0, LIMITS.maxNameBytes);
      truncated++;
    }
    lines.push(line);
    start = end + 1;
  }
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (truncated > 0) warnings.push(`${truncated} line(s) longer than ${LIMITS.maxNameBytes} characters truncated`);
  return { lines, warnings, binary };
}

function chunked(buf: Buffer, shell: Shell): { lines: string[]; warnings: string[]; binary: boolean } {
  const warnings: string[] = [];
  const { lines, binary } = readHistoryLines(bufferSource(buf), shell, warnings);
  return { lines: lines as string[], warnings, binary };
}

let seed = 17;
const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);

/** Text pieces, some of them many characters long so that lines cross the 1 MiB chunks and the length limit. */
const PIECES = ['ls', ' ', '7z a -pX out.7z docs', 'ü', '€', '𝄞', '\r', '\r\n', '\n', '\n\n', '\t', '\u0001', '\u0000', '\ufeff', 'x'.repeat(3000), '€'.repeat(12_000), '𝄞'.repeat(9000)];

/** ASCII only (most histories): whole chunks of it are read without a decoder call per line. Lines past the kept bytes and the kept characters too. */
const ASCII_PIECES = ['ls', ' ', '7z a -pX out.7z docs', '\r', '\r\n', '\n', '\n\n', '\t', '\u0001', '\u0000', 'x'.repeat(3000), 'y'.repeat(40_000), 'z'.repeat(140_000)];

function textOf(length: number, pieces: readonly string[] = PIECES): string {
  const parts: string[] = [];
  let n = 0;
  while (n < length) {
    const p = pieces[rand(pieces.length)]!;
    parts.push(p);
    n += p.length;
  }
  return parts.join('');
}

/** Bytes that UTF-8 cannot hold as they are: stray continuation bytes, cut sequences, 0xff. */
function spoil(buf: Buffer, count: number): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i < count && out.length > 0; i++) out[rand(out.length)] = [0xff, 0x80, 0xe2, 0xc3, 0xf0][rand(5)]!;
  return out;
}

const CASES: Array<{ name: string; make: () => Buffer; shell: Shell }> = [
  { name: 'UTF-8', make: () => Buffer.from(textOf(400_000)), shell: 'sh' },
  { name: 'UTF-8 with a BOM, and a second one after it', make: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\ufeff${textOf(50_000)}`)]), shell: 'powershell' },
  { name: 'invalid UTF-8 throughout', make: () => spoil(Buffer.from(textOf(700_000)), 200), shell: 'bash' },
  {
    name: 'a cut sequence right at the chunk edge',
    make: () => {
      const b = Buffer.from(textOf(1_200_000));
      b[1024 * 1024 - 1] = 0xe2; // a three-byte lead, one continuation, then a byte that is none
      b[1024 * 1024] = 0x82;
      b[1024 * 1024 + 1] = 0x41;
      return b;
    },
    shell: 'bash',
  },
  { name: 'UTF-16LE', make: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(textOf(700_000), 'utf16le')]), shell: 'powershell' },
  { name: 'UTF-16LE, odd length', make: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(textOf(300_000), 'utf16le'), Buffer.from([0x41])]), shell: 'powershell' },
  { name: 'UTF-16LE with lone surrogates', make: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a\ud800b\n${textOf(200_000)}\udc00`, 'utf16le')]), shell: 'powershell' },
  { name: 'UTF-16BE', make: () => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(textOf(600_000), 'utf16le').swap16()]), shell: 'powershell' },
  {
    name: 'zsh, Meta bytes at chunk edges',
    make: () => {
      const b = Buffer.from(textOf(1_100_000));
      for (let i = 0; i < 400; i++) b[rand(b.length)] = 0x83;
      b[1024 * 1024 - 1] = 0x83; // a pair cut by the first chunk's end
      return b;
    },
    shell: 'zsh',
  },
  { name: 'binary', make: () => Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256)), shell: 'bash' },
  { name: 'one line far past the length limit', make: () => Buffer.from(`${'€'.repeat(2_000_000)}\r\nls\n`), shell: 'bash' },
  { name: 'empty', make: () => Buffer.alloc(0), shell: 'bash' },
  { name: 'only newlines and CRs', make: () => Buffer.from('\r\n\n\r\r\n'), shell: 'bash' },
  { name: 'no newline at the end', make: () => Buffer.from('a\nb\r'), shell: 'bash' },
  { name: 'ASCII, across chunks, with lines past the kept bytes and characters', make: () => Buffer.from(textOf(3_500_000, ASCII_PIECES)), shell: 'sh' },
  { name: 'ASCII after a chunk that is not', make: () => Buffer.from(`${textOf(1_100_000)}${textOf(1_500_000, ASCII_PIECES)}`), shell: 'bash' },
];

describe('a history read a chunk at a time gives the lines of the whole file', () => {
  test.each(CASES)('$name', ({ make, shell }) => {
    const buf = make();
    const want = wholeFileLines(buf, shell);
    expect(chunked(buf, shell)).toEqual(want);
  });

  test('generated histories with the line limit lowered: the same lines, the same warnings', () => {
    const limits = LIMITS as { maxHistoryLines: number };
    const saved = limits.maxHistoryLines;
    try {
      for (let round = 0; round < 60; round++) {
        limits.maxHistoryLines = 1 + rand(40);
        const shell = (['sh', 'zsh', 'powershell'] as const)[rand(3)];
        let buf: Buffer = Buffer.from(textOf(rand(3) === 0 ? 1_100_000 : 2000, rand(2) === 0 ? ASCII_PIECES : PIECES));
        if (rand(3) === 0) buf = spoil(buf, 10);
        if (rand(4) === 0) buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(buf.toString(), 'utf16le')]);
        const got = chunked(buf, shell);
        const want = wholeFileLines(buf, shell);
        // Bytes past the line limit, or past the characters kept of a long line, are not read: an
        // invalid sequence there is not warned about (a whole-file decode did warn).
        const unread = got.warnings.some((w) => /more than|truncated/.test(w));
        const invalid = (w: string): boolean => /^invalid /.test(w);
        if (unread && !got.warnings.some(invalid)) want.warnings = want.warnings.filter((w) => !invalid(w));
        expect({ round, ...got }).toEqual({ round, ...want });
      }
    } finally {
      limits.maxHistoryLines = saved;
    }
  });
});

/**
 * `count` copies of `line` and then `last`, made on demand as they are read: the test itself does
 * not hold the hundreds of MB.
 */
function repeatedLines(line: string, count: number, last = ''): ByteSource {
  const pattern = Buffer.from(line.repeat(Math.ceil((1024 * 1024) / line.length) + 1));
  const end = Buffer.from(last);
  const body = count * line.length;
  const size = body + end.length;
  const src: ByteSource = {
    size,
    name: 'history',
    read(position: number, length: number): Buffer {
      const out = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      for (let at = 0; at < out.length; ) {
        const pos = position + at;
        if (pos >= body) {
          at += end.copy(out, at, pos - body);
          continue;
        }
        const from = pos % line.length;
        const n = Math.min(out.length - at, pattern.length - from, body - pos);
        pattern.copy(out, at, from, from + n);
        at += n;
      }
      return out;
    },
    readInto(buf: Uint8Array, position: number): number {
      const got = src.read(position, buf.length);
      buf.set(got);
      return got.length;
    },
  };
  return src;
}

describe('a padded history', () => {
  test('250 MB of history is read in bounded memory, up to the line limit, and its staging commands are found', () => {
    const line = '7z a -pSecret C:\\Users\\Public\\out.7z C:\\Users\\bob\\Documents\n';
    const count = Math.ceil((250 * 1024 * 1024) / line.length);
    // A source made on demand: the test itself does not hold the 250 MB.
    const src = repeatedLines(line, count);
    global.gc?.();
    const before = process.memoryUsage();
    const clock = cpuClock();
    const r = parseHistory(src, 'powershell');
    const after = process.memoryUsage();
    expect(r.commands).toHaveLength(LIMITS.maxHistoryLines);
    expect(r.commands[LIMITS.maxHistoryLines - 1]).toEqual({ line: LIMITS.maxHistoryLines, command: line.trimEnd(), time: null });
    expect(r.warnings).toEqual([`more than ${LIMITS.maxHistoryLines} lines; the rest is skipped`]);
    // What stays is the commands (one string each), not the file: before, the file, its text and its lines were held at once.
    // What is counted includes chunks read and not collected yet (20 MB once under a loaded full run):
    // the bound is far below the 250 MB a history held whole would keep.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(200 * 1024 * 1024);
    expect(clock()).toBeLessThan(20_000);
  });
});

/** The line limit lowered for the length of `run`. */
function withLineLimit<T>(max: number, run: () => T): T {
  const limits = LIMITS as { maxHistoryLines: number };
  const saved = limits.maxHistoryLines;
  limits.maxHistoryLines = max;
  try {
    return run();
  } finally {
    limits.maxHistoryLines = saved;
  }
}

async function withLineLimitAsync<T>(max: number, run: () => Promise<T>): Promise<T> {
  const limits = LIMITS as { maxHistoryLines: number };
  const saved = limits.maxHistoryLines;
  limits.maxHistoryLines = max;
  try {
    return await run();
  } finally {
    limits.maxHistoryLines = saved;
  }
}

describe('a scan reads the first and the last lines of a history too long to read whole', () => {
  test('generated histories, the limit lowered: each line given is the whole file\'s line of that number, the first and the last limit lines are given, the lines between are one count', () => {
    let skipped = 0;
    for (let round = 0; round < 80; round++) {
      const max = 1 + rand(40);
      const shell = (['sh', 'zsh', 'powershell'] as const)[rand(3)];
      let buf: Buffer = Buffer.from(textOf(rand(4) === 0 ? 1_100_000 : 200 + rand(20_000), rand(2) === 0 ? ASCII_PIECES : PIECES));
      if (rand(3) === 0) buf = spoil(buf, 10);
      if (rand(4) === 0) buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(buf.toString(), 'utf16le')]);
      else if (rand(6) === 0) buf = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(buf.toString(), 'utf16le').swap16()]);
      const all = withLineLimit(Number.MAX_SAFE_INTEGER, () => wholeFileLines(buf, shell).lines);
      const warnings: string[] = [];
      const { lines } = withLineLimit(max, () => readHistoryLines(bufferSource(buf), shell, warnings, 'newest'));
      const given = new Map<number, string>();
      const gaps: number[] = [];
      let n = 0;
      for (const item of lines) {
        if (typeof item === 'number') {
          gaps.push(n);
          n += item;
        } else given.set(n++, item);
      }
      for (const [at, line] of given) expect({ round, at, line }).toEqual({ round, at, line: all[at] });
      expect(warnings.filter((w) => /more than/.test(w))).toEqual([]);
      if (all.length <= 2 * max) {
        expect({ round, gaps }).toEqual({ round, gaps: [] });
        expect(given.size).toBe(all.length);
        continue;
      }
      skipped++;
      expect({ round, gaps }).toEqual({ round, gaps: [max] });
      for (let i = 0; i < max; i++) expect(given.has(i)).toBe(true);
      // The last line counted may be one a whole reading drops (a last line of only a CR): the window then holds one fewer.
      for (let i = all.length - max + 1; i < all.length; i++) expect({ round, i, has: given.has(i) }).toEqual({ round, i, has: true });
      expect(given.size).toBeLessThanOrEqual(2 * max);
      const gap = lines.find((l): l is number => typeof l === 'number')!;
      expect(warnings).toContain(`lines ${max + 1} to ${max + gap} not read: of a history this long, the first and the last ${max} are`);
    }
    expect(skipped).toBeGreaterThan(10);
  });

  const commandsOf = (text: string, shell: Shell, max: number) =>
    withLineLimit(max, () => {
      const buf = Buffer.from(text);
      return [...historyCommands(bufferSource(buf), shell, [], { binary: false }, 'newest')];
    });

  test('what the shells join ends where lines are not read: a bash time, a continued zsh command, a fish entry', () => {
    // bash: the time written last before them belongs to a command among them, not to the first after them.
    expect(commandsOf('a\n#1700000000\nx\ny\nz\nw\nv\nu\nc\nd\n', 'bash', 2)).toEqual([
      { line: 1, command: 'a', time: null },
      { line: 9, command: 'c', time: null },
      { line: 10, command: 'd', time: null },
    ]);
    // zsh: a command continued into them is given as far as it was read.
    expect(commandsOf(': 1700000000:0;a\n: 1700000001:0;7z a x.7z \\\nb\nc\nd\ne\nf\ng\n', 'zsh', 2)).toEqual([
      { line: 1, command: 'a', time: '2023-11-14T22:13:20.0000000Z' },
      { line: 2, command: '7z a x.7z \\', time: '2023-11-14T22:13:21.0000000Z' },
      { line: 7, command: 'f', time: null },
      { line: 8, command: 'g', time: null },
    ]);
    // fish: the entry open before them is given then, and a "when" after them belongs to none.
    const fish = ['- cmd: a', '  when: 1700000000', '- cmd: b', '  when: 1700000002', '- cmd: m1', '  when: 1700000004', '- cmd: m2', '  when: 1700000009', '- cmd: c', '  when: 1700000003'];
    expect(commandsOf(`${fish.join('\n')}\n`, 'fish', 3)).toEqual([
      { line: 1, command: 'a', time: '2023-11-14T22:13:20.0000000Z' },
      { line: 3, command: 'b', time: null },
      { line: 9, command: 'c', time: '2023-11-14T22:13:23.0000000Z' },
    ]);
  });

  const scanOf = async (src: ByteSource, relPath: string) => {
    const ctx = { relPath, name: relPath.split('/').pop()!, head: src.read(0, 4100), size: src.size, format: null, os: 'linux' as const, hotspot: null, hotspotWeight: 0, times: NO_TIMES };
    return (await historyParser.scan!(src, ctx))!;
  };

  test('a scan finds the staging commands among the newest lines at their numbers, links a deletion to an archive written before the lines not read, and says which it did not read', async () => {
    const benign = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ command: `ls -la /srv/app${from + i}` }));
    const entries = [
      ...benign(0, 4),
      { command: '7z a -pX /tmp/.h/head.7z /home/u/Documents' }, // line 5: read
      ...benign(5, 1500),
      { command: '7z a -pX /tmp/.h/middle.7z /home/u/Documents' }, // line 1501: not read
      ...benign(1501, 2998),
      { command: '7z a -pX /tmp/.h/tail.7z /home/u/Documents' }, // line 2999
      { command: 'rm -f /tmp/.h/head.7z' }, // line 3000: deletes what line 5 wrote
    ];
    const buf = makeBashHistory(entries);
    const got = await withLineLimitAsync(1000, () => scanOf(bufferSource(buf), 'home/u/.bash_history'));
    expect(got.candidates.map((c) => [c.line, c.hits.map((h) => h.rule)])).toEqual([
      [5, ['history-archiver-create', 'history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data']],
      [2999, ['history-archiver-create', 'history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data']],
      [3000, ['history-delete-staged-archive']],
    ]);
    expect(got.result.warnings).toEqual(['lines 1001 to 2000 not read: of a history this long, the first and the last 1000 are']);
    expect(got.result.facts!.commands).toBe(2000);
  });

  test('parse --format jsonl streams every line (it holds none), parse keeps the first limit lines', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ command: `ls -la /srv/app${i}` }));
    const buf = makeBashHistory(entries);
    const ctx = { relPath: 'home/u/.bash_history', name: '.bash_history', head: buf.subarray(0, 4100), size: buf.length, format: null };
    const warnings: string[] = [];
    const streamed = withLineLimit(1000, () => [...historyParser.stream!(bufferSource(buf), ctx, warnings)]);
    expect(streamed.map((r) => r.line)).toEqual(entries.map((_, i) => i + 1));
    expect(warnings).toEqual([]);
    const held = withLineLimit(1000, () => parseHistory(bufferSource(buf), 'bash'));
    expect(held.commands).toHaveLength(1000);
    expect(held.warnings).toEqual(['more than 1000 lines; the rest is skipped']);
  });

  test('a history that cannot be read to its end (a damaged image): its first lines are still matched, and the warning says why no more', async () => {
    const entries = [{ command: '7z a -pX /tmp/.h/head.7z /home/u/Documents' }, ...Array.from({ length: 120_000 }, (_, i) => ({ command: `ls -la /srv/app${i}` }))];
    const whole = bufferSource(makeBashHistory(entries));
    expect(whole.size).toBeGreaterThan(2 * 1024 * 1024);
    const failing: ByteSource = {
      ...whole,
      read(position: number, length: number): Buffer {
        if (position + length > 1024 * 1024) throw new Error('EIO: i/o error, read');
        return whole.read(position, length);
      },
    };
    const got = await withLineLimitAsync(1000, () => scanOf(failing, 'home/u/.bash_history'));
    expect(got.candidates.map((c) => c.line)).toEqual([1]);
    expect(got.result.warnings).toEqual(['the lines could not be counted (EIO: i/o error, read); the first 1000 are read', 'more than 1000 lines; the rest is skipped']);
  });

  test('250 MB of padding before the staging commands: a scan finds them, in bounded memory', async () => {
    const line = 'ls\n';
    const count = Math.floor((250 * 1024 * 1024) / line.length);
    const src = repeatedLines(line, count, '7z a -pS3cret /dev/shm/.x/out.7z /home/bob/Documents\nrm /dev/shm/.x/out.7z\n');
    global.gc?.();
    const before = process.memoryUsage();
    const clock = cpuClock();
    const got = await scanOf(src, 'home/bob/.bash_history');
    const after = process.memoryUsage();
    expect(got.candidates.map((c) => c.line)).toEqual([count + 1, count + 2]);
    expect(got.result.warnings).toEqual([`lines ${LIMITS.maxHistoryLines + 1} to ${count + 2 - LIMITS.maxHistoryLines} not read: of a history this long, the first and the last ${LIMITS.maxHistoryLines} are`]);
    // What is counted includes chunks read and not collected yet (20 MB once under a loaded full run):
    // the bound is far below the 250 MB a history held whole would keep.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * 1024 * 1024);
    expect(clock()).toBeLessThan(20_000);
  });
});
