/**
 * Jump Lists to `jumplist-entry` records (field names after JLECmd's CSV columns, camelCase):
 * AutomaticDestinations-ms is a compound file (artifacts/cfb) of numbered LNK streams plus the
 * DestList stream (./destlist.ts) that orders them and says when each was last opened;
 * CustomDestinations-ms is a header followed by LNKs, each behind the shell link CLSID, ended by
 * the 0xbabffbab footer: we read every LNK header found in order. Pure and bounded.
 */
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { openCfb } from '../cfb/cfb.js';
import { HEADER_SIZE, LINK_CLSID } from '../lnk/layout.js';
import { parseLnk, type LnkRecord } from '../lnk/parse.js';
import { lnkTargetPath } from '../lnk/target.js';
import type { ArtifactRecord, ArtifactResult } from '../types.js';

/** Facts about one Jump List file (`parse --format json` summary, `explain`). */
export interface JumpListFacts {
  format: 'automaticDestinations-ms' | 'customDestinations-ms';
  appId: string | null;
  appName: string | null;
  destListVersion?: number | null;
  destListEntries?: number;
  lnkStreams?: number;
  links?: number;
}

type JumpListResult = ArtifactResult<JumpListRecord, JumpListFacts>;
import { APP_IDS, appIdFromName } from './appids.js';
import { parseDestList, type DestListEntry } from './destlist.js';

export interface JumpListRecord extends ArtifactRecord {
  type: 'jumplist-entry';
  format: 'automatic' | 'custom';
  appId: string | null;
  appIdDescription: string | null;
  /** Automatic: position in the DestList (0 = first listed); custom: null. */
  mru: number | null;
  entryNumber: number | null;
  /** Automatic: the LNK stream name; custom: '#N', the N-th link in the file. */
  streamName: string;
  lastModified: string | null;
  hostname: string | null;
  pinned: boolean | null;
  accessCount: number | null;
  /** The DestList path, else the link's target. */
  path: string | null;
  destList: Omit<DestListEntry, 'path' | 'entryNumber' | 'streamName' | 'lastModified' | 'hostname' | 'pinned' | 'accessCount'> | null;
  lnk: LnkRecord | null;
}

const LNK_SIGNATURE = Buffer.concat([Buffer.from([HEADER_SIZE, 0, 0, 0]), LINK_CLSID]);

function base(format: JumpListRecord['format'], appId: string | null): Pick<JumpListRecord, 'type' | 'format' | 'appId' | 'appIdDescription'> {
  return { type: 'jumplist-entry', format, appId, appIdDescription: appId ? (APP_IDS[appId]?.name ?? null) : null };
}

export function parseAutomatic(src: ByteSource, name: string): JumpListResult | null {
  const cfb = openCfb(src);
  if (!cfb) return null;
  const warnings = [...cfb.warnings];
  const appId = appIdFromName(name);
  const records: JumpListRecord[] = [];
  const destListEntry = cfb.entries.find((e) => e.type === 2 && e.name.toLowerCase() === 'destlist');
  const dest = destListEntry ? parseDestList(cfb.streamHead('DestList', LIMITS.maxJumpListBytes), LIMITS.maxJumpListEntries) : null;
  if (!destListEntry) warnings.push('no DestList stream');
  if (dest) for (const w of dest.warnings) warnings.push(w);
  let corrupted = (dest?.warnings.length ?? 0) > 0;
  const lnkOf = (stream: string): LnkRecord | null => {
    const bytes = cfb.streamHead(stream, LIMITS.maxLnkBytes);
    const p = parseLnk(bytes);
    if (!p) {
      if (bytes.length > 0) warnings.push(`stream ${stream} is not a shell link`);
      return null;
    }
    for (const w of p.warnings.slice(0, 5)) warnings.push(`stream ${stream}: ${w}`);
    corrupted ||= p.corrupted;
    return p.record;
  };
  const listed = new Set<string>();
  for (const [mru, e] of (dest?.entries ?? []).entries()) {
    listed.add(e.streamName);
    const { path, entryNumber, streamName, lastModified, hostname, pinned, accessCount, ...rest } = e;
    const lnk = cfb.entries.some((x) => x.type === 2 && x.name.toLowerCase() === streamName) ? lnkOf(streamName) : null;
    records.push({ ...base('automatic', appId), mru, entryNumber, streamName, lastModified, hostname, pinned, accessCount, path: path || (lnk && lnkTargetPath(lnk)), destList: rest, lnk });
  }
  // LNK streams the DestList does not list (a damaged or missing DestList) are still read.
  for (const s of cfb.entries) {
    if (records.length >= LIMITS.maxJumpListEntries) break;
    if (s.type !== 2 || !/^[0-9a-f]{1,8}$/i.test(s.name) || listed.has(s.name.toLowerCase())) continue;
    const lnk = lnkOf(s.name);
    records.push({ ...base('automatic', appId), mru: null, entryNumber: parseInt(s.name, 16), streamName: s.name.toLowerCase(), lastModified: null, hostname: null, pinned: null, accessCount: null, path: lnk && lnkTargetPath(lnk), destList: null, lnk });
  }
  return {
    parser: 'jumplist',
    records,
    warnings,
    corrupted,
    facts: { format: 'automaticDestinations-ms', appId, appName: appId ? (APP_IDS[appId]?.name ?? null) : null, destListVersion: dest?.version ?? null, destListEntries: dest?.entries.length ?? 0, lnkStreams: cfb.entries.filter((s) => s.type === 2 && /^[0-9a-f]{1,8}$/i.test(s.name)).length },
  };
}

export function parseCustom(src: ByteSource, name: string): JumpListResult | null {
  const b = src.read(0, Math.min(src.size, LIMITS.maxJumpListBytes));
  if (b.length < 12) return null;
  const warnings: string[] = [];
  if (src.size > b.length) warnings.push(`file is ${src.size} bytes; only the first ${b.length} were read`);
  const appId = appIdFromName(name);
  const records: JumpListRecord[] = [];
  let corrupted = false;
  for (let at = b.indexOf(LNK_SIGNATURE); at >= 0 && records.length < LIMITS.maxJumpListEntries; at = b.indexOf(LNK_SIGNATURE, at)) {
    const p = parseLnk(b, at);
    if (!p) break;
    for (const w of p.warnings.slice(0, 5)) warnings.push(`link #${records.length + 1} at ${at}: ${w}`);
    corrupted ||= p.corrupted;
    records.push({ ...base('custom', appId), mru: null, entryNumber: null, streamName: `#${records.length + 1}`, lastModified: null, hostname: null, pinned: null, accessCount: null, path: lnkTargetPath(p.record), destList: null, lnk: p.record });
    at += Math.max(p.length, HEADER_SIZE);
  }
  return {
    parser: 'jumplist',
    records,
    warnings,
    corrupted,
    facts: { format: 'customDestinations-ms', appId, appName: appId ? (APP_IDS[appId]?.name ?? null) : null, links: records.length },
  };
}
