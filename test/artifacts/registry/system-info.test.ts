/**
 * The machine's facts from SYSTEM and SOFTWARE against RegRipper's compname, timezone, shutdown and
 * winver plugins (the corpus SYSTEM hive whose root is broken, and written hives); local times made
 * UTC by the zone's rules against the IANA time zone database (Node's ICU); and in a scan: the root's
 * `system`, a transcript's local times given the zone, a hive copy elsewhere not taken for the machine.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf, toolAvailable, toolMissing } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parseRegf } from '../../../src/artifacts/regf/parse.js';
import { passOver } from '../../../src/artifacts/registry/hive-pass.js';
import { localToUtcByZone, softwareHiveFacts, systemHiveFacts } from '../../../src/artifacts/registry/system-info.js';
import type { TimeZoneFacts } from '../../../src/model/system.js';
import { scan } from '../../../src/pipeline/scan.js';
import { settleZoneYears } from '../../../src/pipeline/system-facts.js';
import { render } from '../../../src/report/index.js';
import { isoFromMs } from '../../../src/util/filetime.js';
// @ts-expect-error plain-JS fixture library without type declarations
import { writeHive } from '../../../fixtures/lib/regf-writer.mjs';
import { makePowerShellTranscript } from '../../../fixtures/lib/history-fixtures.mjs';
import { hiveOnDisk } from './helpers.js';

const T = new Date('2025-02-20T04:10:00Z');
/** A zone rule as the TimeZoneInformation key holds it (the kernel's TIME_FIELDS: year, month, day = week, hour, minute, second, ms, weekday). */
const st = (month: number, dow: number, week: number, hour: number): Buffer => {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(month, 2);
  b.writeUInt16LE(week, 4);
  b.writeUInt16LE(hour, 6);
  b.writeUInt16LE(dow, 14);
  return b;
};
const filetime = (d: Date): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(d.getTime()) * 10000n + 116444736000000000n);
  return b;
};
const dw = (n: number): number => n >>> 0;

function systemHive(opts: { name: string; zoneKey: string; bias: number; daylight: Buffer; standard: Buffer; current?: number }): Buffer {
  const cs = {
    name: `ControlSet00${opts.current ?? 1}`,
    subkeys: [
      { name: 'Control', subkeys: [
        { name: 'ComputerName', subkeys: [{ name: 'ComputerName', values: [{ name: 'ComputerName', type: 'REG_SZ', data: opts.name.toUpperCase() }] }] },
        { name: 'TimeZoneInformation', lastWritten: T, values: [
          { name: 'Bias', type: 'REG_DWORD', data: dw(opts.bias) }, { name: 'StandardName', type: 'REG_SZ', data: '@tzres.dll,-322' }, { name: 'StandardBias', type: 'REG_DWORD', data: 0 },
          { name: 'StandardStart', type: 'REG_BINARY', data: opts.standard }, { name: 'DaylightName', type: 'REG_SZ', data: '@tzres.dll,-321' }, { name: 'DaylightBias', type: 'REG_DWORD', data: dw(-60) },
          { name: 'DaylightStart', type: 'REG_BINARY', data: opts.daylight }, { name: 'ActiveTimeBias', type: 'REG_DWORD', data: dw(opts.bias) }, { name: 'TimeZoneKeyName', type: 'REG_SZ', data: opts.zoneKey },
          { name: 'DynamicDaylightTimeDisabled', type: 'REG_DWORD', data: 0 },
        ] },
        { name: 'Windows', values: [{ name: 'ShutdownTime', type: 'REG_BINARY', data: filetime(T) }] },
      ] },
      { name: 'Services', subkeys: [{ name: 'Tcpip', subkeys: [{ name: 'Parameters', values: [{ name: 'Hostname', type: 'REG_SZ', data: opts.name }, { name: 'Domain', type: 'REG_SZ', data: 'contoso.local' }] }] }] },
    ],
  };
  return writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Select', values: [{ name: 'Current', type: 'REG_DWORD', data: opts.current ?? 1 }] }, cs] });
}

/** Writes a file into a test root at a '/'-separated path, dated T. */
const putIn = (root: string) => (rel: string, bytes: Buffer): void => {
  const file = path.join(root, ...rel.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  utimesSync(file, T, T);
};

/**
 * A transcript of mallory's session from 10:15 to 10:20 local time on `day` (yyyy-mm-dd) on `host`,
 * one Compress-Archive at 10:16:30 local, put into `root`; then the root scanned whole.
 */
async function scanWithTranscript(root: string, put: ReturnType<typeof putIn>, day: string, host: string): ReturnType<typeof scan> {
  const local = (hms: string): Date => new Date(`${day}T${hms}Z`);
  const stamp = day.replace(/-/g, '');
  put(`Users/mallory/Documents/${stamp}/PowerShell_transcript.${host}.a1.${stamp}101500.txt`, makePowerShellTranscript([
    { start: local('10:15:00'), end: local('10:20:00'), user: 'CONTOSO\\mallory', host: 'powershell.exe', commands: [
      { time: local('10:16:30'), text: 'Compress-Archive -Path C:\\Users\\alice\\Documents\\* -DestinationPath C:\\Users\\Public\\d.zip' },
    ] },
  ], { invocationHeaders: true }));
  return scan({ roots: [root], os: 'windows', scope: 'all', now: () => new Date('2026-12-01T00:00:00Z') });
}

const W_EUROPE = { name: 'ws01', zoneKey: 'W. Europe Standard Time', bias: -60, daylight: st(3, 0, 5, 2), standard: st(10, 0, 5, 3) };
const SYSTEM = systemHive(W_EUROPE);
const SOFTWARE: Buffer = writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows NT', subkeys: [{ name: 'CurrentVersion', values: [
  { name: 'ProductName', type: 'REG_SZ', data: 'Windows 10 Pro' }, { name: 'EditionID', type: 'REG_SZ', data: 'Professional' }, { name: 'DisplayVersion', type: 'REG_SZ', data: '22H2' },
  { name: 'CurrentBuild', type: 'REG_SZ', data: '19045' }, { name: 'CurrentBuildNumber', type: 'REG_SZ', data: '19045' }, { name: 'UBR', type: 'REG_DWORD', data: 5247 },
  { name: 'InstallDate', type: 'REG_DWORD', data: 1700000000 }, { name: 'RegisteredOwner', type: 'REG_SZ', data: 'Contoso' },
], subkeys: [{ name: 'Winlogon', values: [{ name: 'Shell', type: 'REG_SZ', data: 'explorer.exe' }] }] }] }] }] });

async function facts(bytes: Buffer): Promise<ReturnType<typeof systemHiveFacts>> {
  const parsed = await parseRegf(bufferSource(bytes), { relPath: 'Windows/System32/config/SYSTEM', name: 'SYSTEM', head: bytes.subarray(0, 4100), size: bytes.length, format: 'regf' });
  const view = passOver(parsed!.records).view;
  return { ...systemHiveFacts(view), ...softwareHiveFacts(view) };
}

function regripper(file: string, plugin: string): string {
  return execFileSync('regripper', ['-r', file, '-p', plugin], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}


/** "ComputerName    = X" / "  Bias           -> 300 (5 hours)" / "ShutdownTime  : 2025-02-20 04:09:59Z" lines of the plugins. */
const field = (text: string, re: RegExp): string | undefined => re.exec(text)?.[1]?.trim();

describe('the machine against RegRipper', () => {
  testIf(corpusAvailable() && toolAvailable('regripper'), corpusAvailable() ? toolMissing('regripper') : CORPUS_MISSING)('the corpus regipy corrupted_system_hive: name, host name and zone as compname.pl and timezone.pl read them', async () => {
    const file = corpusPath('regf', 'regipy', 'corrupted_system_hive');
    const ours = await facts(readFileSync(file));
    const comp = regripper(file, 'compname');
    const tz = regripper(file, 'timezone');
    expect(ours.computerName).toBe(field(comp, /^ComputerName\s+=\s*(.*)$/m));
    expect(ours.hostname).toBe(field(comp, /^TCP\/IP Hostname\s+=\s*(.*)$/m));
    expect(ours.timeZone).toMatchObject({
      standardName: field(tz, /StandardName\s+->\s*(.*)$/m),
      daylightName: field(tz, /DaylightName\s+->\s*(.*)$/m),
      bias: Number(field(tz, /\bBias\s+->\s*(-?\d+)/m)),
      activeBias: Number(field(tz, /ActiveTimeBias\s+->\s*(-?\d+)/m)),
    });
    expect(ours).toMatchObject({ computerName: 'GINEVRA', hostname: 'ginevra', timeZone: { name: 'Eastern Standard Time', bias: 300, daylightBias: -60, daylightStart: { month: 3, dayOfWeek: 0, week: 2, hour: 2, minute: 0 }, standardStart: { month: 11, dayOfWeek: 0, week: 1, hour: 2, minute: 0 } } });
  });

  testIf(toolAvailable('regripper'), toolMissing('regripper'))('written SYSTEM and SOFTWARE: every field the four plugins print', async () => {
    const sys = await facts(SYSTEM);
    const soft = await facts(SOFTWARE);
    hiveOnDisk(SYSTEM, (file) => {
      const tz = regripper(file, 'timezone');
      expect(sys.timeZone).toMatchObject({ name: field(tz, /TimeZoneKeyName->\s*(.*)$/m), bias: Number(field(tz, /\bBias\s+->\s*(-?\d+)/m)), activeBias: Number(field(tz, /ActiveTimeBias\s+->\s*(-?\d+)/m)) });
      const comp = regripper(file, 'compname');
      expect([sys.computerName, sys.hostname]).toEqual([field(comp, /^ComputerName\s+=\s*(.*)$/m), field(comp, /^TCP\/IP Hostname\s+=\s*(.*)$/m)]);
      // RegRipper converts FILETIMEs through a float and prints whole seconds: 04:10:00 comes out as 04:09:59.
      const shutdown = Date.parse(`${field(regripper(file, 'shutdown'), /^ShutdownTime\s+:\s*(.*)Z$/m)!.replace(' ', 'T')}Z`);
      expect(Math.abs(Date.parse(sys.lastShutdown!) - shutdown)).toBeLessThanOrEqual(1000);
    });
    hiveOnDisk(SOFTWARE, (file) => {
      const ver = regripper(file, 'winver');
      expect([soft.productName, soft.registeredOwner]).toEqual([field(ver, /^ProductName\s+(.*)$/m), field(ver, /^RegisteredOwner\s+(.*)$/m)]);
      expect(soft.installed).toBe(`${field(ver, /^InstallDate\s+(.*)Z$/m)!.replace(' ', 'T')}.0000000Z`);
    });
    expect(sys).toEqual({
      computerName: 'WS01', hostname: 'ws01', domain: 'contoso.local', lastShutdown: '2025-02-20T04:10:00.0000000Z',
      timeZone: { name: 'W. Europe Standard Time', standardName: '@tzres.dll,-322', daylightName: '@tzres.dll,-321', bias: -60, standardBias: 0, daylightBias: -60, daylightStart: { month: 3, dayOfWeek: 0, week: 5, hour: 2, minute: 0 }, standardStart: { month: 10, dayOfWeek: 0, week: 5, hour: 3, minute: 0 }, activeBias: -60, daylightDisabled: false },
    });
    expect(soft).toEqual({ productName: 'Windows 10 Pro', edition: 'Professional', displayVersion: '22H2', build: '19045.5247', installed: '2023-11-14T22:13:20.0000000Z', registeredOwner: 'Contoso' });
  });

  test('Select\\Current picks the control set; a hive that is neither gives nothing', async () => {
    const two = systemHive({ ...W_EUROPE, name: 'other', current: 2 });
    expect((await facts(two)).hostname).toBe('other');
    expect(await facts(writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Software', subkeys: [] }] }))).toEqual({});
  });
});

/** The UTC instant a local wall time is in an IANA zone, by Node's ICU: the offset found by two rounds of guessing. */
function icuUtc(localIso: string, timeZone: string): number {
  const wall = Date.parse(`${localIso}Z`);
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const offset = (utc: number): number => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(utc)).map((x) => [x.type, x.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - utc;
  };
  let utc = wall - offset(wall);
  utc = wall - offset(utc);
  return utc;
}

describe('local times made UTC by the zone rules, against the IANA database', () => {
  const zones: Array<[string, TimeZoneFacts]> = [
    ['America/New_York', { name: 'Eastern Standard Time', standardName: null, daylightName: null, bias: 300, standardBias: 0, daylightBias: -60, daylightStart: { month: 3, dayOfWeek: 0, week: 2, hour: 2, minute: 0 }, standardStart: { month: 11, dayOfWeek: 0, week: 1, hour: 2, minute: 0 }, activeBias: null, daylightDisabled: false }],
    ['Europe/Berlin', { name: 'W. Europe Standard Time', standardName: null, daylightName: null, bias: -60, standardBias: 0, daylightBias: -60, daylightStart: { month: 3, dayOfWeek: 0, week: 5, hour: 2, minute: 0 }, standardStart: { month: 10, dayOfWeek: 0, week: 5, hour: 3, minute: 0 }, activeBias: null, daylightDisabled: false }],
    ['Australia/Sydney', { name: 'AUS Eastern Standard Time', standardName: null, daylightName: null, bias: -600, standardBias: 0, daylightBias: -60, daylightStart: { month: 10, dayOfWeek: 0, week: 1, hour: 2, minute: 0 }, standardStart: { month: 4, dayOfWeek: 0, week: 1, hour: 3, minute: 0 }, activeBias: null, daylightDisabled: false }],
    ['Asia/Kathmandu', { name: 'Nepal Standard Time', standardName: null, daylightName: null, bias: -345, standardBias: 0, daylightBias: 0, daylightStart: null, standardStart: null, activeBias: null, daylightDisabled: false }],
  ];
  test.each(zones)('%s: every 31 hours from 2009 to 2025 (every hour of the day, every week of the year), away from the changes, the same instant', (iana, zone) => {
    let compared = 0;
    for (let t = Date.UTC(2009, 0, 1); t < Date.UTC(2026, 0, 1); t += 31 * 3_600_000) {
      const local = new Date(t).toISOString().slice(0, 19);
      const expected = icuUtc(local, iana);
      // The hour a change skips or repeats has no one answer: left out, with an hour of margin.
      if (Math.abs(icuUtc(new Date(t - 3_600_000).toISOString().slice(0, 19), iana) - (expected - 3_600_000)) > 0 || Math.abs(icuUtc(new Date(t + 3_600_000).toISOString().slice(0, 19), iana) - (expected + 3_600_000)) > 0) continue;
      expect([local, localToUtcByZone(local, zone)]).toEqual([local, isoFromMs(expected)]);
      compared++;
    }
    expect(compared).toBeGreaterThan(4_700);
  });
});

/** A REG_TZI_FORMAT (Dynamic DST's per-year value): Bias, StandardBias, DaylightBias, StandardDate, DaylightDate as SYSTEMTIMEs (weekday third). */
function tzi(bias: number, daylightBias: number, standard: [number, number, number, number] | null, daylight: [number, number, number, number] | null): Buffer {
  const b = Buffer.alloc(44);
  b.writeInt32LE(bias, 0);
  b.writeInt32LE(daylightBias, 8);
  for (const [at, r] of [[12, standard], [28, daylight]] as const) {
    if (!r) continue;
    const [month, dow, week, hour] = r;
    b.writeUInt16LE(month, at + 2);
    b.writeUInt16LE(dow, at + 4);
    b.writeUInt16LE(week, at + 6);
    b.writeUInt16LE(hour, at + 8);
  }
  return b;
}

describe('Dynamic DST: the years a zone\'s rules changed in', () => {
  // Mexico City kept daylight time (first Sunday of April to the last of October) until 2022 and dropped it in 2023:
  // Windows' TimeZoneInformation then holds no daylight rule, and Time Zones\<zone>\Dynamic DST the years.
  const MEXICO = 'Central Standard Time (Mexico)';
  const withDst = tzi(360, -60, [10, 0, 5, 2], [4, 0, 1, 2]);
  const software: Buffer = writeHive({ name: 'ROOT', lastWritten: T, subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows NT', subkeys: [{ name: 'CurrentVersion', values: [{ name: 'ProductName', type: 'REG_SZ', data: 'Windows 10 Pro' }], subkeys: [{ name: 'Time Zones', subkeys: [
    { name: MEXICO, values: [{ name: 'TZI', type: 'REG_BINARY', data: tzi(360, -60, null, null) }], subkeys: [{ name: 'Dynamic DST', values: [
      { name: 'FirstEntry', type: 'REG_DWORD', data: 2021 }, { name: 'LastEntry', type: 'REG_DWORD', data: 2023 },
      { name: '2021', type: 'REG_BINARY', data: withDst }, { name: '2022', type: 'REG_BINARY', data: withDst }, { name: '2023', type: 'REG_BINARY', data: tzi(360, -60, null, null) },
    ] }] },
    { name: 'Hostile Standard Time', subkeys: [{ name: 'Dynamic DST', values: [{ name: 'FirstEntry', type: 'REG_DWORD', data: 0 }, { name: 'LastEntry', type: 'REG_DWORD', data: 0xffffffff }] }] },
  ] }] }] }] }] });
  const mexicoNow: TimeZoneFacts = { name: MEXICO, standardName: null, daylightName: null, bias: 360, standardBias: 0, daylightBias: -60, daylightStart: null, standardStart: null, activeBias: 360, daylightDisabled: false };

  test('SOFTWARE\'s years are read through the hive pass, and the machine\'s zone gets its own (a hostile FirstEntry/LastEntry reads nothing)', async () => {
    const soft = await facts(software);
    expect(Object.keys(soft.zoneYears ?? {})).toEqual([MEXICO.toLowerCase()]);
    const settled = settleZoneYears({ timeZone: mexicoNow, ...soft });
    expect(settled!.zoneYears).toBeUndefined();
    expect(settled!.timeZone!.years!.map((y) => [y.year, y.daylightStart?.month ?? null])).toEqual([[2021, 4], [2022, 4], [2023, null]]);
    // Another zone's years are not the machine's.
    expect(settleZoneYears({ timeZone: { ...mexicoNow, name: 'Pacific Standard Time' }, ...soft })!.timeZone!.years).toBeUndefined();
  });

  test('America/Mexico_City from 2009 to 2025 as the IANA database has it with the years; an hour off every summer before 2023 without them', async () => {
    const zone = settleZoneYears({ timeZone: mexicoNow, ...(await facts(software)) })!.timeZone!;
    let compared = 0;
    let offWithout = 0;
    for (let t = Date.UTC(2009, 0, 1); t < Date.UTC(2026, 0, 1); t += 31 * 3_600_000) {
      const local = new Date(t).toISOString().slice(0, 19);
      const expected = icuUtc(local, 'America/Mexico_City');
      if (Math.abs(icuUtc(new Date(t - 3_600_000).toISOString().slice(0, 19), 'America/Mexico_City') - (expected - 3_600_000)) > 0 || Math.abs(icuUtc(new Date(t + 3_600_000).toISOString().slice(0, 19), 'America/Mexico_City') - (expected + 3_600_000)) > 0) continue;
      expect([local, localToUtcByZone(local, zone)]).toEqual([local, isoFromMs(expected)]);
      if (localToUtcByZone(local, mexicoNow) !== isoFromMs(expected)) offWithout++;
      compared++;
    }
    expect(compared).toBeGreaterThan(4_700);
    expect(offWithout).toBeGreaterThan(1_500);
  });

  test('in a scan: the root\'s zone reports its years, a transcript of July 2022 is made UTC by 2022\'s rules, and no finding carries every zone\'s', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-dynamic-dst-'));
    const put = putIn(root);
    try {
      put('Windows/System32/config/SYSTEM', systemHive({ name: 'mx01', zoneKey: MEXICO, bias: 360, daylight: st(0, 0, 0, 0), standard: st(0, 0, 0, 0) }));
      put('Windows/System32/config/SOFTWARE', software);
      put('Windows/Temp/soft.hiv', software); // a copy of SOFTWARE staged in Temp: a finding of its own
      const report = await scanWithTranscript(root, put, '2022-07-14', 'MX01');
      const zone = report.meta.roots[0]!.system!.timeZone!;
      expect(zone.years!.map((y) => y.year)).toEqual([2021, 2022, 2023]);
      expect(JSON.stringify(report)).not.toContain('zoneYears');
      const compress = report.findings.find((f) => String(f.details?.command).startsWith('Compress-Archive'))!;
      // July 2022: Mexico City on daylight time, UTC-05:00 (the current rules alone would say UTC-06:00: 16:16:30).
      expect(compress.details).toMatchObject({ localTime: '2022-07-14T10:16:30', time: '2022-07-14T15:16:30.0000000Z', timezone: "Central Standard Time (Mexico) (UTC-06:00, the rules of 2021-2023 (Dynamic DST)): the machine's time zone (SYSTEM hive)" });
      expect(render('table', report, { color: false, width: 200 })).toContain('Central Standard Time (Mexico) (UTC-06:00, the rules of 2021-2023 (Dynamic DST))');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the machine in a scan', () => {
  test('the root says what the machine is, a transcript gets its zone, a hive copy elsewhere is not the machine', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'stagehunt-machine-'));
    const put = putIn(root);
    try {
      put('Windows/System32/config/SYSTEM', SYSTEM);
      put('Windows/System32/config/SOFTWARE', SOFTWARE);
      // reg save of another machine's SYSTEM into Temp (a staged hive copy): its zone is not this machine's.
      put('Windows/Temp/sys.hiv', systemHive({ name: 'elsewhere', zoneKey: 'Tokyo Standard Time', bias: -540, daylight: st(0, 0, 0, 0), standard: st(0, 0, 0, 0) }));
      const report = await scanWithTranscript(root, put, '2025-07-14', 'WS01');
      const system = report.meta.roots[0]!.system!;
      expect(system).toMatchObject({ hostname: 'ws01', productName: 'Windows 10 Pro', timeZone: { name: 'W. Europe Standard Time' }, sources: ['Windows/System32/config/SOFTWARE', 'Windows/System32/config/SYSTEM'].sort() });
      expect([...system.sources!].sort()).toEqual(['Windows/System32/config/SOFTWARE', 'Windows/System32/config/SYSTEM']);
      const compress = report.findings.find((f) => String(f.details?.command).startsWith('Compress-Archive'))!;
      // July: Central European Summer Time, UTC+02:00.
      expect(compress.details).toMatchObject({ localTime: '2025-07-14T10:16:30', time: '2025-07-14T08:16:30.0000000Z', timezone: "W. Europe Standard Time (UTC+01:00, daylight time by its rules): the machine's time zone (SYSTEM hive)" });
      expect([...report.timeline].some((row) => row.time === '2025-07-14T08:16:30.0000000Z' && row.type === 'command')).toBe(true);
      const text = render('table', report, { color: false, width: 100 });
      expect(text).toContain([
        'machine: ws01.contoso.local · Windows 10 Pro 22H2, build 19045.5247 · W. Europe Standard Time',
        '         (UTC+01:00, daylight time by its rules) · installed 2023-11-14 · last shutdown 2025-02-20',
        '         04:10:00Z',
      ].join('\n'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
