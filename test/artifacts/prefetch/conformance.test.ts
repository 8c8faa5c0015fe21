/**
 * Corpus conformance: every Prefetch file under ../shared/corpus/prefetch against sccainfo
 * (libscca 20200717): format version, hash, executable, run count, every last run time (100 ns),
 * every file name in order, every volume (device path, creation time, serial). Files sccainfo
 * rejects are listed with the reason and what we do instead.
 */
import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { bufferSource } from '../../../src/util/byte-source.js';
import { parsePrefetch } from '../../../src/artifacts/prefetch/parse.js';
import { filetimeToIso } from '../../../src/util/filetime.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';

const HAVE_CORPUS = corpusAvailable();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Jan 11, 2016 22:08:20.985330400 UTC" -> "2016-01-11T22:08:20.9853304Z"; "Not set (0)" -> null. */
function sccaTime(s: string): string | null {
  const m = /^(\w{3}) (\d{2}), (\d{4}) (\d{2}:\d{2}:\d{2})\.(\d{7})\d* UTC$/.exec(s.trim());
  if (!m) return null;
  const month = String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0');
  return `${m[3]}-${month}-${m[2]}T${m[4]}.${m[5]}Z`;
}

interface Expected {
  version: number;
  hash: string;
  executable: string;
  runCount: number;
  lastRunTimes: string[];
  filenames: string[];
  volumes: { name: string; created: string | null; serial: string }[];
}

function readSccainfo(file: string): Expected {
  const e: Expected = { version: 0, hash: '', executable: '', runCount: 0, lastRunTimes: [], filenames: [], volumes: [] };
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\t([^:\t]+(?::[^:\t]*)?)\t*: (.*)$/.exec(raw);
    if (!m) continue;
    const [key, value] = [m[1]!.trim(), m[2]!];
    if (key === 'Format version') e.version = Number(value);
    else if (key === 'Prefetch hash') e.hash = value.replace(/^0x/, '').toUpperCase();
    else if (key === 'Executable filename') e.executable = value;
    else if (key === 'Run count') e.runCount = Number(value);
    else if (key.startsWith('Last run time')) {
      const t = sccaTime(value);
      if (t) e.lastRunTimes.push(t);
    } else if (key.startsWith('Filename:')) e.filenames.push(value);
    else if (key === 'Device path') e.volumes.push({ name: value, created: null, serial: '' });
    else if (key === 'Creation time') e.volumes[e.volumes.length - 1]!.created = sccaTime(value);
    else if (key === 'Serial number') e.volumes[e.volumes.length - 1]!.serial = value.replace(/^0x/, '').toUpperCase();
  }
  return e;
}

function prefetchFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...prefetchFiles(full));
    else if (name.toLowerCase().endsWith('.pf')) out.push(full);
  }
  return out;
}

describeIf(HAVE_CORPUS, CORPUS_MISSING)('Prefetch corpus vs sccainfo', () => {
  const files = prefetchFiles(corpusPath('prefetch'));
  const readable = files.filter((f) => JSON.parse(readFileSync(`${f}.expected.tools.json`, 'utf8')).info.sccainfo_rc === 0);

  test('the corpus holds the files the conformance table names', () => {
    expect(files.length).toBe(59);
    expect(readable.length).toBe(57);
  });

  test.each(readable.map((f) => [path.relative(corpusPath('prefetch'), f), f]))('%s agrees with sccainfo', (_rel, file) => {
    const expected = readSccainfo(`${file}.expected.sccainfo.txt`);
    const parsed = parsePrefetch(bufferSource(readFileSync(file)));
    expect(parsed).not.toBeNull();
    const r = parsed!.record;
    expect(parsed!.warnings).toEqual([]);
    expect(r.version).toBe(expected.version);
    expect(r.hash).toBe(expected.hash);
    expect(r.executableName).toBe(expected.executable);
    expect(r.runCount).toBe(expected.runCount);
    expect([r.lastRun, ...r.previousRuns].filter((t) => t !== null)).toEqual(expected.lastRunTimes);
    expect(r.filesLoaded).toEqual(expected.filenames);
    expect(r.volumes.map((v) => ({ name: v.name, created: v.created, serial: v.serial }))).toEqual(expected.volumes);
  });

  // sccainfo 20200717 rejects format 31 ("unsupported format version"): checked against the facts the
  // file states twice (the volume name is \VOLUME{<creation FILETIME>-<serial>}) and its own file list.
  test('AM_DELTA_PATCH (format 31, MAM) without a reference output: self-consistent', () => {
    const file = corpusPath('prefetch', 'plaso', 'winprefetch', 'AM_DELTA_PATCH_1.443.990.0.EX-7037CF86.pf');
    const parsed = parsePrefetch(bufferSource(readFileSync(file)))!;
    expect(parsed.warnings).toEqual([]);
    const r = parsed.record;
    expect(r).toMatchObject({ version: 31, compression: 'MAM', executableName: 'AM_DELTA_PATCH_1.443.990.0.EX', hash: '7037CF86', runCount: 1 });
    expect(path.basename(file)).toContain(`-${r.hash}.pf`);
    const v = r.volumes[0]!;
    const m = /^\\VOLUME\{([0-9a-f]{16})-([0-9a-f]{8})\}$/.exec(v.name)!;
    expect(m[2]!.toUpperCase()).toBe(v.serial);
    expect(v.created).toBe(filetimeToIso(BigInt(`0x${m[1]}`)));
    expect(r.filesLoaded).toContain(`${v.name}\\WINDOWS\\SOFTWAREDISTRIBUTION\\DOWNLOAD\\INSTALL\\AM_DELTA_PATCH_1.443.990.0.EXE`);
    expect(r.lastRun! > v.created!).toBe(true);
  });

  test('notAPrefetch.pf (sccainfo rc 1) is not ours', () => {
    expect(parsePrefetch(bufferSource(readFileSync(corpusPath('prefetch', 'ez-prefetch', 'Bad', 'notAPrefetch.pf'))))).toBeNull();
  });
});
