/**
 * A file named by a history is inspected once: walked inside a hotspot, it is not inspected again
 * as a followed name; outside the hotspots, it is followed. The scan remembers walked files by
 * directory, not one by one (pipeline/scan.ts InspectedFiles), so both halves can fail.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Finding } from '../../src/model/finding.js';
import { scan } from '../../src/pipeline/scan.js';

let root: string;
let findings: Finding[];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'stagehunt-inspected-once-'));
  for (const d of ['etc', 'root', 'tmp', 'var/cache/.x']) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'root/.bash_history'), 'tar czf /tmp/p.tgz /etc\ntar czf /var/cache/.x/o.tgz /etc\n');
  const gz = gzipSync(Buffer.alloc(4096, 0x41));
  writeFileSync(path.join(root, 'tmp/p.tgz'), gz);
  writeFileSync(path.join(root, 'var/cache/.x/o.tgz'), gz);
  findings = (await scan({ roots: [root], os: 'linux', scope: 'hotspots', minLevel: 'info', isolation: false })).findings;
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

test('a named file in a walked hotspot is reported once; a named file outside the hotspots is followed and reported once', () => {
  const fileFindings = (rel: string): Finding[] => findings.filter((f) => f.kind === 'file' && f.path === rel);
  expect(fileFindings('tmp/p.tgz')).toHaveLength(1);
  expect(fileFindings('var/cache/.x/o.tgz')).toHaveLength(1);
});
