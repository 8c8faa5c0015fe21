/**
 * A test that cannot run says why: every conditional skip goes through `describeIf` / `testIf`
 * (test/helpers/corpus.ts), which put the reason into the skipped test's title. A bare
 * `describe.skip` / `test.skip` / `it.skip` (or `xit`, `xdescribe`) elsewhere in test/ skips silently.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const TEST_DIR = path.resolve('test');
const HELPER = path.join(TEST_DIR, 'helpers', 'corpus.ts');
const SELF = path.join(TEST_DIR, 'integrity', 'visible-skips.test.ts');
const BARE_SKIP = /\b(?:describe|test|it)\.skip\b|\b(?:xit|xtest|xdescribe)\s*\(/;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (/\.(?:ts|mts)$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('skipped tests are visible', () => {
  test('no test file skips without the helpers (only test/helpers/corpus.ts calls .skip)', () => {
    const files = tsFiles(TEST_DIR);
    expect(files.length).toBeGreaterThan(100);
    const offenders: string[] = [];
    for (const file of files) {
      if (file === HELPER || file === SELF) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (BARE_SKIP.test(line)) offenders.push(`${path.relative(TEST_DIR, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  test('the pattern catches the forms it forbids', () => {
    for (const line of ['(ok ? describe : describe.skip)(', 'const m = ok ? it : it.skip;', 'test.skip(\'x\', f)', 'xit(\'x\', f)']) expect([line, BARE_SKIP.test(line)]).toEqual([line, true]);
    for (const line of ['describeIf(ok, CORPUS_MISSING)(', 'testIf(ok, why)(', 'const skipped = 1;']) expect([line, BARE_SKIP.test(line)]).toEqual([line, false]);
  });
});
