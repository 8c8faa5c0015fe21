import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogError, checkUniqueIds, loadArtifactLocations, loadBuiltinHotspots, loadHotspotFiles } from '../../src/hotspots/catalog.js';

const dir = mkdtempSync(path.join(tmpdir(), 'stagehunt-hotspots-'));
function hotspotFile(name: string, entries: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(entries));
  return file;
}
const entry = (id: string) => ({ id, description: 'd', pattern: 'Staging', weight: 10, references: ['r'] });

describe('hotspot catalog', () => {
  test('built-in ids are unique and artifact locations validate', () => {
    expect(() => checkUniqueIds(loadBuiltinHotspots())).not.toThrow();
    const locations = loadArtifactLocations();
    expect(locations.length).toBeGreaterThan(0);
    for (const l of locations) expect(['any', 'windows', 'linux', 'macos']).toContain(l.os);
  });

  test('--hotspots files: a duplicate id (within or across files, or of a built-in) is refused', () => {
    const a = hotspotFile('a.json', [entry('user-a')]);
    expect(loadHotspotFiles([a]).map((h) => h.id)).toEqual(['user-a']);
    expect(() => loadHotspotFiles([a, a])).toThrow(CatalogError);
    const builtinId = loadBuiltinHotspots()[0]!.id;
    expect(() => loadHotspotFiles([hotspotFile('b.json', [entry(builtinId)])])).toThrow(/duplicate hotspot id/);
    expect(loadHotspotFiles([])).toEqual([]);
  });
});
