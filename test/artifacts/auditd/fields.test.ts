/**
 * An audit record's key=value pairs are found in one pass (`fields`): the same pairs the regular
 * expressions gave, without their quadratic retries inside a long run of name characters.
 */
import { describe, expect, test } from '@jest/globals';
import { fields, parseAudit } from '../../../src/artifacts/auditd/parse.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { cpuClock } from '../../helpers/cpu.js';

/** What the regular expressions gave (the reference). */
function byRegex(body: string): ReturnType<typeof fields> {
  const gs = body.indexOf('\u001d');
  const main = gs < 0 ? body : body.slice(0, gs);
  const raw = new Map<string, string>();
  const quoted = new Set<string>();
  for (const m of main.matchAll(/([A-Za-z0-9_[\]-]+)=("([^"]*)"|'([^']*)'|(\S*))/g)) {
    raw.set(m[1]!, m[3] ?? m[4] ?? m[5] ?? '');
    if (m[3] !== undefined || m[4] !== undefined) quoted.add(m[1]!);
  }
  const enriched = new Map<string, string>();
  if (gs >= 0) for (const m of body.slice(gs + 1).matchAll(/([A-Z_]+)="([^"]*)"/g)) enriched.set(m[1]!, m[2]!);
  return { raw, quoted, enriched };
}

describe('audit record fields', () => {
  test('the same pairs as the regular expressions, on generated records', () => {
    let seed = 5;
    const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
    const pieces = ['a', 'Z', '0', '_', '[', ']', '-', '=', '"', "'", ' ', '\t', '\n', '\u00a0', '\u2028', '\ufeff', 'é', '\u001d', 'key=', 'a0="x y"', "b='q'", 'UID="root"', 'exe=/usr/bin/7z', '=""', 'x'];
    let pairs = 0;
    for (let t = 0; t < 5000; t++) {
      const body = Array.from({ length: 1 + rand(30) }, () => pieces[rand(pieces.length)]!).join('');
      const got = fields(body);
      expect({ body, ...got }).toEqual({ body, ...byRegex(body) });
      pairs += got.raw.size + got.enriched.size;
    }
    expect(pairs).toBeGreaterThan(5000); // the records did hold pairs
  });

  test('a 256 Ki-character run of name characters with no "=" is passed over in linear time (was 64 s)', () => {
    const clock = cpuClock();
    const got = fields(`syscall=59 ${'a'.repeat(256 * 1024)} exe="/usr/bin/7z"\u001dUID="${'R'.repeat(256 * 1024)}`);
    expect(clock()).toBeLessThan(2000);
    expect(got.raw).toEqual(new Map([['syscall', '59'], ['exe', '/usr/bin/7z']]));
    expect(got.enriched.size).toBe(0);
  });

  test('a 20 MB log of one line of one letter: read in linear time, cut once, said once', () => {
    const log = Buffer.from(`type=SYSCALL msg=audit(1700000000.000:1): arch=c000003e syscall=59 ${'a'.repeat(20 * 1024 * 1024)}\ntype=EOE msg=audit(1700000000.000:1): \n`);
    const clock = cpuClock();
    const r = parseAudit(bufferSource(log));
    expect(clock()).toBeLessThan(5000);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.syscall).toBe('59');
    expect(r.warnings.filter((w) => /longer than/.test(w))).toEqual(['line 1: longer than 262144 characters, cut']);
  });
});
