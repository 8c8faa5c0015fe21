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
import { parseHistory, readHistoryLines, type Shell } from '../../../src/artifacts/history/parse.js';
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
  return { lines, warnings, binary };
}

let seed = 17;
const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);

/** Text pieces, some of them many characters long so that lines cross the 1 MiB chunks and the length limit. */
const PIECES = ['ls', ' ', '7z a -pX out.7z docs', 'ü', '€', '𝄞', '\r', '\r\n', '\n', '\n\n', '\t', '\u0001', '\u0000', '\ufeff', 'x'.repeat(3000), '€'.repeat(12_000), '𝄞'.repeat(9000)];

function textOf(length: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < length) {
    const p = PIECES[rand(PIECES.length)]!;
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
        let buf: Buffer = Buffer.from(textOf(rand(3) === 0 ? 1_100_000 : 2000));
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

describe('a padded history', () => {
  test('250 MB of history is read in bounded memory, up to the line limit, and its staging commands are found', () => {
    const line = '7z a -pSecret C:\\Users\\Public\\out.7z C:\\Users\\bob\\Documents\n';
    const count = Math.ceil((250 * 1024 * 1024) / line.length);
    // A source made on demand: the test itself does not hold the 250 MB.
    const pattern = Buffer.from(line.repeat(Math.ceil((1024 * 1024) / line.length) + 1));
    const size = count * line.length;
    const src: ByteSource = {
      size,
      name: 'ConsoleHost_history.txt',
      read(position: number, length: number): Buffer {
        const out = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
        for (let at = 0; at < out.length; ) {
          const from = (position + at) % line.length;
          const n = Math.min(out.length - at, pattern.length - from);
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
    global.gc?.();
    const before = process.memoryUsage();
    const clock = cpuClock();
    const r = parseHistory(src, 'powershell');
    const after = process.memoryUsage();
    expect(r.commands).toHaveLength(LIMITS.maxHistoryLines);
    expect(r.commands[LIMITS.maxHistoryLines - 1]).toEqual({ line: LIMITS.maxHistoryLines, command: line.trimEnd(), time: null });
    expect(r.warnings).toEqual([`more than ${LIMITS.maxHistoryLines} lines; the rest is skipped`]);
    // What stays is the commands (one string each), not the file: before, the file, its text and its lines were held at once.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(200 * 1024 * 1024);
    expect(clock()).toBeLessThan(20_000);
  });
});
