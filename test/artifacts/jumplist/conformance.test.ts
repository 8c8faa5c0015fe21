/**
 * Every Jump List of ../shared/corpus/jumplist against the corpus expectations: the compound file's
 * streams (names and sizes, olecfinfo / olecfexport), the DestList entries (own-destlist.json: entry
 * number, host, time, pin status, access count, path, and the offset where the stream ends), each LNK
 * stream against lnkinfo, and each CustomDestinations link against lnkinfo on the corpus' own split.
 */
import { expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../../helpers/corpus.js';
import { bufferSource } from '../../../src/util/byte-source.js';
import { jumpListParser } from '../../../src/artifacts/jumplist/index.js';
import type { JumpListRecord } from '../../../src/artifacts/jumplist/parse.js';
import { openCfb } from '../../../src/artifacts/cfb/cfb.js';
import { parseDestList } from '../../../src/artifacts/jumplist/destlist.js';
import { compareLnk, lnkDisagreements, readLnkinfo } from '../lnk/lnkinfo.js';

const HAVE = corpusAvailable();

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/destinations-ms$/i.test(name)) out.push(full);
  }
  return out;
}

const files = HAVE ? walk(corpusPath('jumplist')) : [];
const automatic = files.filter((f) => /automaticdestinations-ms$/i.test(f));
const custom = files.filter((f) => /customdestinations-ms$/i.test(f));

async function parse(file: string) {
  const buf = readFileSync(file);
  const name = path.basename(file);
  const result = await jumpListParser.parse(bufferSource(buf), { relPath: name, name, head: buf.subarray(0, 4100), size: buf.length, format: null });
  return { result, records: (result?.records ?? []) as unknown as JumpListRecord[] };
}

/** "==== stream 1 (416 bytes) lnkinfo rc=0" / "==== LNK #0 at offset 36 (...) lnkinfo rc=0" sections. */
function sections(text: string): { head: string; body: string }[] {
  return text.split(/^(?====)/m).filter((s) => s.startsWith('====')).map((s) => ({ head: s.slice(0, s.indexOf('\n')), body: s.slice(s.indexOf('\n') + 1) }));
}

interface OwnDestList {
  version?: number;
  number_of_entries?: number;
  end_offset?: number;
  error?: string;
  entries?: { offset: number; entry_number: number; stream_name: string; hostname: string; score: number; last_modification: string; pin_status: number; access_count?: number; path: string }[];
}

describeIf(HAVE, CORPUS_MISSING)('Jump List corpus', () => {
  test('the corpus has the 11 files the manifest lists', () => {
    expect(files.length).toBe(11);
  });

  test.each(automatic.map((f) => [path.relative(corpusPath('jumplist'), f), f]))('%s: streams, DestList and LNK streams', async (_rel, file) => {
    const tools = JSON.parse(readFileSync(`${file}.expected.tools.json`, 'utf8')) as { info: { streams: { stream: string; size: number }[] } };
    const cfb = openCfb(bufferSource(readFileSync(file)))!;
    const ours = cfb.entries.filter((e) => e.type === 2).map((e) => ({ stream: e.name, size: e.size })).sort((a, b) => a.stream.localeCompare(b.stream));
    expect(ours).toEqual(tools.info.streams.map((s) => ({ stream: s.stream, size: s.size })).sort((a, b) => a.stream.localeCompare(b.stream)));

    const own = JSON.parse(readFileSync(`${file}.expected.own-destlist.json`, 'utf8')) as OwnDestList;
    const dest = parseDestList(cfb.streamHead('DestList', 1 << 24), 10_000);
    if (own.error) expect(dest?.entries ?? []).toEqual([]);
    else {
      expect(dest!.version).toBe(own.version);
      expect(dest!.endOffset).toBe(own.end_offset);
      expect(dest!.entries.map((e) => ({ offset: e.offset, entry_number: e.entryNumber, stream_name: e.streamName, hostname: e.hostname, score: e.score, last_modification: e.lastModified, pin_status: e.pinStatus, path: e.path, ...(e.accessCount === null ? {} : { access_count: e.accessCount }) })))
        .toEqual(own.entries!.map((e) => ({ ...e, score: Math.round(e.score * 1000) / 1000, last_modification_filetime: undefined })).map(({ last_modification_filetime: _, ...rest }) => rest));
    }

    const { result, records } = await parse(file);
    expect(result).not.toBeNull();
    const expected = sections(readFileSync(`${file}.expected.lnkinfo-streams.txt`, 'utf8'));
    let compared = 0;
    for (const s of expected) {
      const name = /^==== stream (\S+)/.exec(s.head)![1]!;
      const r = records.find((x) => x.streamName === name.toLowerCase());
      if (!/rc=0/.test(s.head)) continue;
      expect(r?.lnk).toBeTruthy();
      const exp = readLnkinfo(s.body);
      expect({ name, diff: lnkDisagreements(exp, r!.lnk!) }).toEqual({ name, diff: [] });
      compared += compareLnk(exp, r!.lnk!).length;
    }
    if (expected.length > 0) expect(compared).toBeGreaterThan(0);
  });

  test.each(custom.map((f) => [path.relative(corpusPath('jumplist'), f), f]))('%s: every embedded link', async (_rel, file) => {
    const { result, records } = await parse(file);
    expect(result).not.toBeNull();
    const expected = sections(readFileSync(`${file}.expected.lnkinfo-embedded.txt`, 'utf8'));
    expect(records.length).toBe(expected.length);
    expected.forEach((s, i) => {
      const exp = readLnkinfo(s.body);
      expect({ i, diff: lnkDisagreements(exp, records[i]!.lnk!) }).toEqual({ i, diff: [] });
    });
  });
});
