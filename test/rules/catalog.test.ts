import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { loadRuleCatalog, validateRule, RuleCatalogError } from '../../src/rules/catalog.js';

describe('rule catalog', () => {
  const catalog = loadRuleCatalog();

  test('every rule file loads, ids are unique, each rule has a reference and ATT&CK ids', () => {
    expect(catalog.size).toBeGreaterThan(20);
    for (const rule of catalog.values()) {
      expect(rule.references.length).toBeGreaterThan(0);
      // sigma-<level> rules take their ATT&CK ids from the matched Sigma rule's tags (docs/eventlogs.md).
      if (rule.id.startsWith('sigma-')) expect(rule.description).toMatch(/ATT&CK ids come from the Sigma rule's tags/);
      // yara-<level> rules take theirs from the matched YARA rule's tags and meta (docs/yara.md).
      else if (rule.id.startsWith('yara-')) expect(rule.description).toMatch(/ATT&CK ids come from the rule's tags/);
      else expect(rule.attack.length).toBeGreaterThan(0);
    }
  });

  test('validation rejects rules without references or with bad scores', () => {
    const base = { id: 'x', title: 't', description: 'd', score: 10, strong: false, attack: ['T1074.001'], references: ['r'] };
    expect(validateRule(base, 'f').id).toBe('x');
    expect(() => validateRule({ ...base, references: [] }, 'f')).toThrow(RuleCatalogError);
    expect(() => validateRule({ ...base, score: 500 }, 'f')).toThrow(RuleCatalogError);
    expect(() => validateRule({ ...base, attack: ['lateral'] }, 'f')).toThrow(RuleCatalogError);
    expect(() => validateRule({ ...base, id: 'Bad Id' }, 'f')).toThrow(RuleCatalogError);
  });

  test('docs/rules.md lists exactly the registered rules (run `npm run docs:rules` after changing rules)', () => {
    const doc = readFileSync('docs/rules.md', 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...catalog.keys()].sort());
  });
});
