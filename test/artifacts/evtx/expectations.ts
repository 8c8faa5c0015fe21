/**
 * The EVTX corpus expectations (evtxexport -f xml from libevtx, evtx_dump.py from python-evtx)
 * read into the fields `stagehunt parse` prints, for comparison. The XML is read with regular
 * expressions over each <Event> block: both tools write one element per line or per block in a
 * fixed shape, and this reader is for those files only.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { corpusPath } from '../../helpers/corpus.js';

export interface ExpectedEvent {
  recordId: number;
  time: string;
  channel: string;
  provider: string;
  eventId: number;
  computer: string;
  userSid: string | null;
  data: Record<string, string>;
}

/** Every .evtx data file under evtx/ (not the *.expected.* outputs), relative to it. */
export function corpusLogs(): string[] {
  const root = corpusPath('evtx');
  const out: string[] = [];
  for (const dir of readdirSync(root).sort()) {
    const full = path.join(root, dir);
    if (!statSync(full).isDirectory()) continue;
    for (const name of readdirSync(full).sort()) if (name.endsWith('.evtx')) out.push(`${dir}/${name}`);
  }
  return out;
}

export function readTools(rel: string): { info: Record<string, unknown> } {
  return JSON.parse(readFileSync(corpusPath('evtx', `${rel}.expected.tools.json`), 'utf8'));
}

function decode(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

function one(block: string, re: RegExp): string {
  const m = re.exec(block);
  return m ? decode(m[1]!) : '';
}

/** Data and UserData fields as the parser names them (Name attribute, #n for unnamed Data, leaf element names). */
function fields(block: string): Record<string, string> {
  const data: Record<string, string> = {};
  const put = (name: string, value: string) => {
    let key = name;
    for (let i = 2; Object.hasOwn(data, key); i++) key = `${name}#${i}`;
    data[key] = value;
  };
  const ed = /<EventData>([\s\S]*?)<\/EventData>/.exec(block);
  if (ed) {
    let unnamed = 0;
    const re = /<(Data|Binary)(?: Name="([^"]*)")?(?:\/>|>([\s\S]*?)<\/\1>)/g;
    for (let m = re.exec(ed[1]!); m; m = re.exec(ed[1]!)) {
      const name = m[2] !== undefined ? decode(m[2]) : m[1] === 'Data' ? `#${++unnamed}` : m[1]!;
      put(name, decode(m[3] ?? ''));
    }
    return data;
  }
  const ud = /<UserData>\s*<([\w:-]+)[^>]*?(\/)?>([\s\S]*?)<\/UserData>/.exec(block);
  if (ud && !ud[2]) {
    const re = /<([\w:-]+)[^>/]*?(?:\/>|>([^<]*)<\/\1>)/g;
    const inner = ud[3]!.replace(new RegExp(`</${ud[1]}>\\s*$`), '');
    for (let m = re.exec(inner); m; m = re.exec(inner)) put(m[1]!, decode(m[2] ?? ''));
  }
  return data;
}

function events(xml: string, time: (raw: string) => string): ExpectedEvent[] {
  return xml.split(/<Event xmlns=/).slice(1).map((block) => ({
    recordId: Number(one(block, /<EventRecordID>(\d+)</)),
    time: time(one(block, /SystemTime="([^"]*)"/)),
    channel: one(block, /<Channel>([^<]*)</),
    provider: one(block, /<Provider Name="([^"]*)"/),
    eventId: Number(one(block, /<EventID[^>]*>(\d+)</)),
    computer: one(block, /<Computer>([^<]*)</),
    userSid: one(block, /<Security UserID="([^"]*)"/) || null,
    data: fields(block),
  }));
}

/** evtxexport -f xml: SystemTime with 9 fraction digits (the last two always 00). */
export function readEvtxexport(rel: string): ExpectedEvent[] {
  return parseEvtxexportXml(gunzipSync(readFileSync(corpusPath('evtx', `${rel}.expected.evtxexport.xml.gz`))).toString('utf8'));
}

/** evtxexport's XML output, as the parser's fields (times cut to 7 fraction digits). */
export function parseEvtxexportXml(xml: string): ExpectedEvent[] {
  const sevenDigits = (t: string) => t.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7})00Z$/, '$1Z');
  return events(xml, sevenDigits).map((e) => ({ ...e, data: Object.fromEntries(Object.entries(e.data).map(([k, v]) => [k, sevenDigits(v)])) }));
}

/** evtx_dump.py: "YYYY-MM-DD hh:mm:ss.ffffff" (python datetime, microseconds). */
export function readPythonEvtx(rel: string): ExpectedEvent[] {
  const xml = gunzipSync(readFileSync(corpusPath('evtx', `${rel}.expected.python-evtx.xml.gz`))).toString('utf8');
  return events(xml, (t) => t.replace(' ', 'T'));
}
