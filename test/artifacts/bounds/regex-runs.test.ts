/**
 * Regular expressions over attacker-controlled text that retried every start inside a long run
 * (`/\0+$/`, `/[\\/]+$/`, `/\s*\(S-1-...\)\s*$/`, `/^\s*LABEL = (.+?)\s*$/m`) were quadratic in the
 * run: a registry value of 4 MiB of NULs before one letter would have taken hours. Each is now a
 * scan; these tests hold each to the expression's result on generated text and to linear time on
 * the run that made it slow.
 */
import { describe, expect, test } from '@jest/globals';
import { trimEndOf } from '../../../src/util/trim.js';
import { asText } from '../../../src/artifacts/registry/magic.js';
import { renderValue } from '../../../src/artifacts/evtx/values.js';
import { VALUE } from '../../../src/artifacts/evtx/layout.js';
import { contextField } from '../../../src/artifacts/evtx/detect.js';
import { userName } from '../../../src/timeline/evidence.js';
import { cpuClock } from '../../helpers/cpu.js';

let seed = 11;
const rand = (k: number): number => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * k);
const textOf = (pieces: readonly string[], most: number): string => Array.from({ length: rand(most) }, () => pieces[rand(pieces.length)]!).join('');

describe('the same results as the expressions, on generated text', () => {
  test('trailing NULs and slashes', () => {
    for (let t = 0; t < 3000; t++) {
      const s = textOf(['\0', '\\', '/', 'a', ' ', '\0\0\0'], 12);
      expect(trimEndOf(s, '\0')).toBe(s.replace(/\0+$/, ''));
      expect(trimEndOf(s, '\\/')).toBe(s.replace(/[\\/]+$/, ''));
    }
  });

  test('a user name without its SID suffix', () => {
    const reference = (user: string): string | null => {
      const name = user.replace(/\s*\(S-1-[0-9-]+\)\s*$/i, '').trim();
      return name === '' ? null : name;
    };
    const pieces = ['alice', ' ', '\t', '(', ')', 'S-1-5-21-1-2', 's-1-', '-', '9', '(S-1-5-18)', ' (S-1-5-21-100-1001) ', '\u00a0', 'x(y)'];
    for (let t = 0; t < 5000; t++) {
      const user = textOf(pieces, 8);
      expect({ user, name: userName(user) }).toEqual({ user, name: user ? reference(user) : null });
    }
  });

  test('a field of a PowerShell 4103 ContextInfo', () => {
    const reference = (context: string, label: string): string | null => new RegExp(`^\\s*${label} = (.+?)\\s*$`, 'm').exec(context)?.[1] ?? null;
    const pieces = ['Host Application = ', 'User = ', 'powershell.exe -nop', 'CORP\\bob', ' ', '\t', '\n', '\r\n', '\r', '\u2028', '=', 'Host Application =', 'x', '\u00a0'];
    let found = 0;
    for (let t = 0; t < 5000; t++) {
      const context = textOf(pieces, 10);
      for (const label of ['Host Application', 'User']) {
        const want = reference(context, label);
        expect({ context, label, value: contextField(context, label) }).toEqual({ context, label, value: want });
        if (want !== null) found++;
      }
    }
    expect(found).toBeGreaterThan(1000); // the generated texts did hold fields
  });
});

describe('linear on the runs that made them slow', () => {
  test('4 MiB of NULs before one letter: a registry value as text, an EVTX ANSI string', () => {
    const clock = cpuClock();
    const value = Buffer.alloc(4 * 1024 * 1024 + 8);
    value.write('a\0b\0', 0, 'latin1');
    value.write('x\0', value.length - 2, 'latin1');
    expect(asText(value)!.length).toBe(value.length / 2);
    const ansi = Buffer.concat([Buffer.alloc(60_000), Buffer.from('z')]);
    expect(renderValue(ansi, 0, ansi.length, VALUE.ansiString)).toHaveLength(60_001);
    expect(clock()).toBeLessThan(2000);
  });

  test('a long run of slashes, of spaces in a user name, of blank lines in a ContextInfo', () => {
    const clock = cpuClock();
    expect(trimEndOf(`${'\\'.repeat(200_000)}x`, '\\/')).toHaveLength(200_001);
    expect(userName(`alice${' '.repeat(200_000)}x`)).toBe(`alice${' '.repeat(200_000)}x`);
    expect(contextField(`${'\n'.repeat(100_000)}${' '.repeat(100_000)}x\n        Host Application = powershell.exe ${' '.repeat(100_000)}-nop  `, 'Host Application')).toBe(`powershell.exe ${' '.repeat(100_000)}-nop`);
    expect(clock()).toBeLessThan(2000);
  });
});
