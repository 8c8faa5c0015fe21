import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { validateRule } from '../../src/rules/catalog.js';
import { fingerprintHits, sensitiveKind, type FingerprintFacts } from '../../src/fingerprint/predicates.js';

const RULES = JSON.parse(readFileSync('src/rules/data/fingerprint.json', 'utf8')) as unknown[];
const IDS = new Set(RULES.map((r) => validateRule(r, 'fingerprint.json').id));

function facts(over: Partial<FingerprintFacts>): FingerprintFacts {
  return { format: null, classification: 'unknown', classConfidence: 'high', hints: [], entropy: 7.99, chiSquare: 250, extensionMismatch: null, ...over };
}

describe('fingerprint rules and predicates', () => {
  test('every rule is valid, prefixed and cites a reference', () => {
    expect(IDS.size).toBe(RULES.length);
    for (const id of IDS) expect(id.startsWith('fingerprint-')).toBe(true);
  });

  test('every hit the stage can emit names a defined rule', () => {
    const cases: FingerprintFacts[] = [
      facts({ classification: 'high-entropy-unknown' }),
      facts({ classification: 'high-entropy-unknown', classConfidence: 'medium' }),
      facts({ format: 'age', classification: 'encrypted' }),
      facts({ format: 'cfb', classification: 'encrypted', hints: ['cfb-encrypted-package'] }),
      facts({ format: 'zip', classification: 'archive', extensionMismatch: { extension: 'tmp', expected: ['@not-archive'], actual: 'zip' } }),
      facts({ format: 'exe', classification: 'executable', extensionMismatch: { extension: 'txt', expected: ['@text'], actual: 'exe' } }),
      facts({ format: 'png', classification: 'media', extensionMismatch: { extension: 'jpg', expected: ['jpg'], actual: 'png' } }),
    ];
    const fired = new Set(cases.flatMap((c) => fingerprintHits(c).map((h) => h.rule)));
    expect([...fired].sort()).toEqual([...IDS].sort());
  });

  test('low-confidence blobs do not score; medium ones score less than the rule default', () => {
    expect(fingerprintHits(facts({ classification: 'high-entropy-unknown', classConfidence: 'low' }))).toEqual([]);
    expect(fingerprintHits(facts({ classification: 'high-entropy-unknown', classConfidence: 'medium' }))[0]!.score).toBe(30);
  });

  test('sensitive system data kinds by format', () => {
    expect(sensitiveKind({ format: 'regf' })).toBe('registry-hive');
    expect(sensitiveKind({ format: 'ese' })).toBe('ese-database');
    expect(sensitiveKind({ format: 'mdmp' })).toBe('memory-dump');
    expect(sensitiveKind({ format: 'ost' })).toBe('mail-store');
    expect(sensitiveKind({ format: 'kdbx' })).toBe('password-database');
    expect(sensitiveKind({ format: 'zip' })).toBeNull();
  });
});
