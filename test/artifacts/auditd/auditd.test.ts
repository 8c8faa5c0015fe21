/**
 * auditd: EXECVE arguments (quoted, hex-encoded, split into pieces) joined with SYSCALL, CWD and PATH
 * by serial, interleaved events, enriched names; staging commands found by the one command matcher;
 * damaged lines warned about.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAudit, streamAudit } from '../../../src/artifacts/auditd/parse.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { scan } from '../../../src/pipeline/scan.js';
import { runCli } from '../../helpers/cli.js';
import { levelRank, type Finding } from '../../../src/model/finding.js';
import { auditLog } from '../../../fixtures/lib/auditd-writer.mjs';

const T = new Date('2025-03-15T05:06:41.250Z');
const SEVEN = ['7z', 'a', '-pS3cret pass', '-mhe=on', '/dev/shm/.x/loot.7z', '/home/alice/Documents'];
const log = auditLog(
  [
    { serial: 501, time: T, argv: SEVEN, cwd: '/home/alice', paths: ['/usr/bin/7z', '/lib64/ld-linux-x86-64.so.2'] },
    { serial: 502, time: new Date(T.getTime() + 1000), argv: ['ls', '-la', '/home/alice/Photos från sommaren'] },
  ],
  { interleave: true, splitAt: 16, enriched: true },
);

describe('auditd parser', () => {
  test('arguments decoded (hex, long split ones) and joined with SYSCALL, CWD and PATH by serial', () => {
    const { events, warnings, corrupted } = parseAudit(bufferSource(Buffer.from(log)));
    expect(warnings).toEqual([]);
    expect(corrupted).toBe(false);
    expect(events).toHaveLength(2);
    const [a, b] = events;
    expect(a).toMatchObject({ serial: 501, time: '2025-03-15T05:06:41.250Z', syscall: '59', success: true, uid: '1000', auid: '1000', user: 'alice', exe: '/usr/bin/7z', cwd: '/home/alice', argv: SEVEN });
    expect(a!.paths.map((p) => p.name)).toEqual(['/usr/bin/7z', '/lib64/ld-linux-x86-64.so.2']);
    expect(a!.command).toBe("7z a '-pS3cret pass' -mhe=on /dev/shm/.x/loot.7z /home/alice/Documents");
    expect(b!.argv).toEqual(['ls', '-la', '/home/alice/Photos från sommaren']);
  });

  test('without EXECVE the PROCTITLE gives argv; junk lines are warned about, not fatal', () => {
    const text = `garbage line\n${log.split('\n').filter((l) => !l.startsWith('type=EXECVE')).join('\n')}`;
    const { events, warnings, corrupted } = parseAudit(bufferSource(Buffer.from(text)));
    expect(events[0]!.argv).toEqual(SEVEN);
    expect(corrupted).toBe(true);
    expect(warnings).toEqual(['line 1: not an audit record']);
  });

  test('truncation anywhere never throws', () => {
    const buf = Buffer.from(log);
    for (let cut = 0; cut < buf.length; cut += 37) expect(() => parseAudit(bufferSource(buf.subarray(0, cut)))).not.toThrow();
  });
});

/** A log over several 1 MiB read steps: interleaved pairs, an event left open (no EOE) early on, junk lines. */
function bigLog(): string {
  const events = [];
  for (let i = 0; i < 6000; i++) events.push({ serial: 10_000 + i, time: new Date(T.getTime() + i * 1000), argv: ['cp', `/home/alice/file-${i}.txt`, '/tmp/.s/'], cwd: '/home/alice' });
  const text = auditLog(events.slice(0, 2), { interleave: true }) + auditLog(events.slice(2));
  const lines = text.split('\n');
  const open = lines.findIndex((l) => l.startsWith('type=EOE') && l.includes(':10003)'));
  lines.splice(open, 1); // event 10003 stays open until the end
  lines.splice(5000, 0, 'not an audit line');
  return lines.join('\n');
}

describe('auditd streamed (stagehunt parse --format jsonl)', () => {
  const collect = (buf: Buffer) => {
    const warnings: string[] = [];
    const stream = streamAudit(bufferSource(buf), warnings);
    const events = [];
    let next = stream.next();
    for (; !next.done; next = stream.next()) events.push(next.value);
    return { events, warnings, corrupted: next.value };
  };

  test('the stream yields parse\'s events, in the same order, with the same warnings', () => {
    for (const text of [log, `garbage line\n${log}`, bigLog()]) {
      const buf = Buffer.from(text);
      expect(collect(buf)).toEqual(parseAudit(bufferSource(buf)));
    }
  });

  test('events come out as the log is read, not at its end', () => {
    const buf = Buffer.from(bigLog().split('\n').filter((l) => !l.includes(':10003)')).join('\n'));
    expect(buf.length).toBeGreaterThan(2 * 1024 * 1024);
    let read = 0;
    const inner = bufferSource(buf);
    const src = { ...inner, read(position: number, length: number) {
      read = Math.max(read, position + length);
      return inner.read(position, length);
    } };
    const first = streamAudit(src, []).next();
    expect(first.done).toBe(false);
    expect(read).toBeLessThanOrEqual(1024 * 1024);
  });

  test('stagehunt parse --format jsonl prints the streamed events, equal to parse\'s records', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-auditd-stream-'));
    try {
      const file = path.join(dir, 'audit.log');
      const text = bigLog();
      writeFileSync(file, text);
      const r = runCli(['parse', file, '--format', 'jsonl']);
      expect(r.status).toBe(0);
      const printed = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(printed).toEqual(JSON.parse(JSON.stringify(parseAudit(bufferSource(Buffer.from(text))).events)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('auditd in a scanned Linux image', () => {
  let root = '';
  let findings: Finding[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'stagehunt-auditd-'));
    mkdirSync(path.join(root, 'var', 'log', 'audit'), { recursive: true });
    mkdirSync(path.join(root, 'home', 'alice'), { recursive: true });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=debian\n');
    writeFileSync(path.join(root, 'var', 'log', 'audit', 'audit.log.1'), log);
    findings = (await scan({ roots: [root], os: 'linux', scope: 'hotspots', now: () => new Date(0) })).findings;
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('7z -p -mhe into /dev/shm: an event finding at high or above with serial, user and command', () => {
    const f = findings.find((x) => x.kind === 'event' && x.event?.recordId === 501)!;
    expect(f).toBeDefined();
    expect(levelRank(f.level)).toBeGreaterThanOrEqual(levelRank('high'));
    expect(f.path).toBe('var/log/audit/audit.log.1');
    expect(f.event).toEqual({ channel: 'audit', recordId: 501, eventId: null });
    expect(f.user).toBe('alice');
    expect(f.details).toMatchObject({ source: 'auditd EXECVE', process: '/usr/bin/7z', time: '2025-03-15T05:06:41.250Z' });
    expect(f.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['history-archive-password', 'history-archive-to-staging-location']));
  });

  test('the plain ls gives no finding', () => {
    expect(findings.filter((x) => x.event?.recordId === 502)).toEqual([]);
  });
});
