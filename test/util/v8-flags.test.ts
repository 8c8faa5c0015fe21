/**
 * The V8 flags stagehunt sets at run time and their defaults (src/util/v8-flags.ts): a code cache
 * made after setting them is rejected by a new process, one made after `restoreV8FlagDefaults` is
 * accepted; so every default in the table is V8's own. In fresh Node processes (flags are per
 * process), which import the built module (`npm test` builds first).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/cli.js';

const BUILT = pathToFileURL(path.join(ROOT, 'dist', 'util', 'v8-flags.js')).href;

const SOURCE = 'function add(a, b) { return a + b; } add(1, 2);';

function node(script: string): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  expect(r.stderr).toBe('');
  return r.stdout;
}

/** A code cache made in one process after the flags were set as `sets` (and set back, with `restore`): does a new process, flags untouched, accept it? */
function cacheAccepted(sets: string, restore: boolean): boolean {
  const made = node(`
    import { Script } from 'node:vm';
    import { restoreV8FlagDefaults, setV8Flag } from ${JSON.stringify(BUILT)};
    const script = new Script(${JSON.stringify(SOURCE)});
    script.runInThisContext();
    ${sets}
    if (${restore}) restoreV8FlagDefaults();
    process.stdout.write(script.createCachedData().toString('base64'));
  `);
  const taken = node(`
    import { Script } from 'node:vm';
    const script = new Script(${JSON.stringify(SOURCE)}, { cachedData: Buffer.from(${JSON.stringify(made)}, 'base64') });
    process.stdout.write(JSON.stringify(script.cachedDataRejected === false));
  `);
  return JSON.parse(taken) as boolean;
}

const EVERY_FLAG = `
  setV8Flag('semi-space-growth-factor', 1);
  setV8Flag('heap-growing-percent', 50);
  setV8Flag('expose-gc', true);
  setV8Flag('enable-experimental-regexp-engine', true);
  setV8Flag('enable-experimental-regexp-engine-on-excessive-backtracks', true);
`;

describe('V8 flags set at run time', () => {
  test('untouched, a code cache is accepted; one flag changed, it is rejected (V8 hashes the flags into it)', () => {
    expect(cacheAccepted('', false)).toBe(true);
    expect(cacheAccepted(`setV8Flag('heap-growing-percent', 50);`, false)).toBe(false);
    expect(cacheAccepted(`setV8Flag('expose-gc', true);`, false)).toBe(false);
  });

  test('every flag stagehunt sets, set back to the table\'s defaults: the cache is accepted (the defaults are V8\'s)', () => {
    expect(cacheAccepted(EVERY_FLAG, false)).toBe(false);
    expect(cacheAccepted(EVERY_FLAG, true)).toBe(true);
  });
});
