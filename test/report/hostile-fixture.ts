/** A scan report whose every evidence string is hostile, for the writer neutralisation tests. */
import type { Finding } from '../../src/model/finding.js';
import type { ScanReport } from '../../src/model/report.js';
import { buildEpisodes } from '../../src/timeline/episodes.js';

export const HOSTILE = {
  ansi: 'evil\u001b[31mRED\u001b[0m\u001b]8;;http://x.test\u0007link',
  cr: 'fake\rline\nsecond',
  formula: '=HYPERLINK("http://x.test","click")',
  plusCmd: '+cmd|\' /C calc\'!A0',
  atSign: '@SUM(1+1)',
  script: '<script>alert(1)</script>',
  svg: '</svg><img src=x onerror=alert(2)>',
  bidi: 'invoice\u202Egpj.exe',
  nul: 'a\u0000b.txt',
  pipe: 'x|y|z',
  long: 'L'.repeat(10_000),
};

export const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function f(id: string, over: Partial<Finding>): Finding {
  return {
    id,
    root: '/evidence/img',
    path: 'Users/Public/x.zip',
    kind: 'file',
    level: 'critical',
    score: 90,
    reasons: [{ rule: 'fingerprint-encrypted-container', score: 50, message: 'encrypted' }],
    hotspot: 'win-users-public',
    size: 100,
    format: 'zip',
    entropy: 7.9,
    times: { modified: '2025-03-15T04:25:10.000Z', accessed: '2025-03-15T04:25:10.000Z', changed: null, born: '2025-03-15T04:25:00.000Z' },
    attack: ['T1074.001', 'T1560.001'],
    ...over,
  };
}

export function hostileReport(): ScanReport {
  const H = HOSTILE;
  const findings: Finding[] = [
    f('a1', { path: `Users/Public/${H.formula}${H.bidi}.zip`, entry: `${H.nul}${H.ansi}${H.svg}`, reasons: [{ rule: 'archive-in-staging-location', score: 50, message: `zip ${H.script} ${H.cr}` }] }),
    f('h1', { kind: 'history', path: 'Users/alice/ConsoleHost_history.txt', line: 3, user: H.plusCmd, format: 'powershell-history', details: { command: `7z a ${H.long} ${H.ansi}`, shell: 'powershell', time: null }, reasons: [{ rule: 'history-archive-password', score: 50, message: `${H.formula} ${H.long}` }] }),
    f('r1', { kind: 'registry', path: 'Users/alice/NTUSER.DAT', key: `Software\\${H.pipe}`, value: H.atSign, details: { keyLastWritten: '2025-03-15T04:26:00.0000000Z', tool: 'WinRAR', list: 'archives', target: `C:\\${H.svg}` }, reasons: [{ rule: 'registry-archiver-history', score: 60, message: H.bidi }] }),
    f('d1', { kind: 'recycle-bin', path: '$Recycle.Bin/S-1-5-21-1/$IX.zip', originalPath: `C:\\Users\\Public\\${H.cr}${H.script}`, deletedAt: '2025-03-15T05:00:00.0000000Z', user: `alice ${H.ansi}` }),
  ];
  const timeline = findings.flatMap((x) => [
    { time: x.times.modified!, type: 'ma..', description: `${x.path}: ${x.reasons[0]!.message}`, findingId: x.id, root: x.root, path: x.path, level: x.level, score: x.score },
    { time: '2025-03-15T05:00:00.0000000Z', type: 'command', description: `${H.plusCmd} ${H.script} ${H.cr}`, findingId: x.id, root: x.root, path: x.path, level: x.level, score: x.score },
  ]);
  return {
    meta: {
      tool: 'stagehunt',
      version: '0.0.0-test',
      command: `stagehunt scan ${H.svg}`,
      options: { format: 'json' },
      roots: [{ path: '/evidence/img', os: 'windows', label: 'img', hotspotDirectories: 1, filesScanned: 4, bytesRead: 1, directories: 1, symlinksSkipped: 0, specialFilesSkipped: 0, otherDeviceSkipped: 0 }],
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      atime: { preservedWithNoatime: 4, openedWithoutNoatime: 0, note: 'ok' },
      node: 'v20',
      hashes: [{ root: '/evidence/img', path: `Users/Public/${H.script}`, size: 1, status: 'hashed', hashes: { sha256: 'ab'.repeat(32) } }],
    },
    summary: { verdict: 'Local data staging very likely', findings: 4, shown: 4, byLevel: { info: 0, low: 0, medium: 0, high: 0, critical: 4 }, highestLevel: 'critical', errors: 1 },
    findings,
    timeline,
    errors: [{ root: '/evidence/img', path: `${H.ansi}${H.script}`, op: 'open', code: 'EACCES', message: H.cr }],
    episodes: buildEpisodes(findings),
  };
}
