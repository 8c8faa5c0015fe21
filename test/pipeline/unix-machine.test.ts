/**
 * A Linux root's machine (etc/hostname, etc/timezone or the zone etc/localtime links to,
 * etc/os-release) and the Trash's local deletion times made UTC in its zone; hostile etc files give
 * nothing; and a .trashinfo time whose zone is unknown no longer depends on the zone of the machine
 * running the scan (the same report under TZ=UTC and TZ=Pacific/Auckland).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from '../../src/pipeline/scan.js';
import { makeTrashinfo } from '../../fixtures/lib/recyclebin-writers.mjs';
import { runCli } from '../helpers/cli.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const T = new Date('2024-07-10T12:05:00Z');

/** A Linux tree whose bob trashed a tarball of documents; `etc` as each test wants it. */
function linuxRoot(etc: (put: (rel: string, text: string | Buffer) => void, root: string) => void): string {
  const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-unix-'));
  made.push(root);
  const put = (rel: string, data: string | Buffer): void => {
    const file = path.join(root, ...rel.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    utimesSync(file, T, T);
  };
  mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true });
  put('home/bob/.local/share/Trash/info/docs.tar.gz.trashinfo', makeTrashinfo({ path: '/tmp/.x/docs.tar.gz', deletionDate: '2024-07-10T14:03:00' }));
  put('home/bob/.local/share/Trash/files/docs.tar.gz', Buffer.from('1f8b0800000000000003', 'hex'));
  etc(put, root);
  return root;
}

async function scanned(root: string) {
  const report = await scan({ roots: [root], os: 'linux', scope: 'all', now: () => new Date('2026-12-01T00:00:00Z') });
  const trash = report.findings.find((f) => f.kind === 'trash')!;
  return { report, trash };
}

describe('a Linux root says what the machine is', () => {
  test('etc/hostname, etc/timezone, etc/os-release; the Trash time made UTC in that zone, with its timeline event', async () => {
    const root = linuxRoot((put) => {
      put('etc/hostname', 'web01\n');
      put('etc/timezone', 'Europe/Berlin\n');
      put('etc/os-release', 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    });
    const { report, trash } = await scanned(root);
    expect(report.meta.roots[0]!.system).toEqual({ hostname: 'web01', ianaTimeZone: { name: 'Europe/Berlin', source: 'etc/timezone' }, productName: 'Debian GNU/Linux 12 (bookworm)', sources: ['etc'] });
    // July in Berlin: UTC+02:00.
    expect(trash.deletedAt).toBe('2024-07-10T12:03:00.0000000Z');
    expect(trash.details).toMatchObject({ localDeletedAt: '2024-07-10T14:03:00', timezone: "Europe/Berlin: the machine's time zone (etc/timezone)" });
    expect([...report.timeline].some((r) => r.type === 'deleted' && r.time === '2024-07-10T12:03:00.0000000Z' && r.description === '/tmp/.x/docs.tar.gz deleted to the Trash')).toBe(true);
  });

  test('the zone etc/localtime links to (systemd), the link read and never followed', async () => {
    const root = linuxRoot((_put, r) => {
      mkdirSync(path.join(r, 'etc'), { recursive: true });
      symlinkSync('../usr/share/zoneinfo/America/New_York', path.join(r, 'etc', 'localtime'));
    });
    const { report, trash } = await scanned(root);
    expect(report.meta.roots[0]!.system?.ianaTimeZone).toEqual({ name: 'America/New_York', source: 'etc/localtime (a link to its zone)' });
    expect(trash.deletedAt).toBe('2024-07-10T18:03:00.0000000Z');
  });

  test('hostile etc: no zone, no name, the Trash time kept local and out of the timeline', async () => {
    const root = linuxRoot((put, r) => {
      put('etc/hostname', `${'a'.repeat(8192)}\n`);
      put('etc/timezone', '../../../etc/passwd\n');
      put('etc/os-release', 'PRETTY_NAME="\u001b[2Jx"\n');
      symlinkSync('/usr/share/zoneinfo/Not/AZone', path.join(r, 'etc', 'localtime'));
    });
    const { report, trash } = await scanned(root);
    // The os-release name is kept as text (the writers neutralise it where they render); nothing else is.
    expect(report.meta.roots[0]!.system).toEqual({ productName: '\u001b[2Jx', sources: ['etc'] });
    expect(trash.deletedAt).toBe('2024-07-10T14:03:00');
    expect(trash.details).toMatchObject({ timezone: 'local (unknown)' });
    expect([...report.timeline].some((r) => r.type === 'deleted')).toBe(false);
  });
});

describe('a local time of unknown zone does not take the zone of the machine running the scan', () => {
  test('the same findings, episodes and timeline under TZ=UTC and TZ=Pacific/Auckland', () => {
    const root = linuxRoot(() => undefined);
    const run = (tz: string): unknown => {
      const r = runCli(['scan', root, '--scope', 'all', '--format', 'json', '--quiet'], { env: { TZ: tz } });
      const report = JSON.parse(r.stdout) as { findings: unknown; episodes: unknown; timeline: unknown };
      return { findings: report.findings, episodes: report.episodes, timeline: report.timeline };
    };
    expect(run('Pacific/Auckland')).toEqual(run('UTC'));
  });
});
