import { describe, expect, test } from '@jest/globals';
import { isInside } from '../../src/evidence/root.js';

// The one "is this path inside a root" check, by path segments (output paths, --root for explain,
// pairing listings).
describe('isInside', () => {
  test.each([
    ['/ev/root', '/ev/root', true],
    ['/ev/root', '/ev/root/a/b.zip', true],
    ['/ev/root', '/ev/root/..evil/out.json', true],
    ['/ev/root', '/ev/root/...', true],
    ['/ev/root', '/ev/root/a/../b', true],
    ['/ev/root', '/ev/root/../x', false],
    ['/ev/root', '/ev', false],
    ['/ev/root', '/ev/root-2/x', false],
    ['/ev/root', '/ev/rootx', false],
    ['/ev/root', '/elsewhere/out.json', false],
    ['/', '/anything', true],
  ])('%s contains %s: %s', (root, candidate, inside) => {
    expect(isInside(root, candidate)).toBe(inside);
  });
});
