/**
 * Jump List parser (AutomaticDestinations-ms, CustomDestinations-ms): one `jumplist-entry` record per
 * entry; entries naming archives or staging places become `access` candidates with the entry as locator.
 */
import { hiveOwner } from '../registry/index.js';
import type { ArtifactParser, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { accessCandidate } from '../access/candidate.js';
import { CFB_MAGIC } from '../cfb/cfb.js';
import { lnkTargetIsFolder } from '../lnk/target.js';
import { parseAutomatic, parseCustom, type JumpListFacts, type JumpListRecord } from './parse.js';

const AUTOMATIC = /\.automaticdestinations-ms$/i;
const CUSTOM = /\.customdestinations-ms$/i;

function detectJumpList(result: ArtifactResult<JumpListRecord, JumpListFacts>, ctx: DetectContext): Candidate[] {
  const out: Candidate[] = [];
  for (const r of result.records) {
    if (!r.path) continue;
    const app = r.appIdDescription ?? (r.appId ? `AppID ${r.appId}` : 'unknown application');
    const c = accessCandidate({
      artifact: ctx.relPath,
      target: { source: 'Jump List', path: r.path, folder: r.lnk ? lnkTargetIsFolder(r.lnk) : false, driveType: r.lnk?.driveType ?? null },
      user: hiveOwner(ctx.relPath),
      times: ctx.times,
      jumpEntry: r.streamName,
      opened: r.lastModified ? [{ time: r.lastModified, by: `${app}, DestList entry ${r.entryNumber}` }] : [],
      details: { appId: r.appId, application: app, entryNumber: r.entryNumber, pinned: r.pinned, accessCount: r.accessCount, hostname: r.hostname, lastOpened: r.lastModified },
    });
    if (c) out.push(c);
  }
  return out;
}

export const jumpListParser: ArtifactParser<JumpListRecord, JumpListFacts> = {
  id: 'jumplist',
  description: 'Windows Jump Lists (AutomaticDestinations-ms: DestList and LNK streams; CustomDestinations-ms): archives and folders opened, by application',
  dataSources: ['DS0022'],
  fuzzSeeds: ['jumplist'],
  claims: { extensions: ['automaticdestinations-ms', 'customdestinations-ms'] },
  matches: (ctx) => (AUTOMATIC.test(ctx.name) && ctx.head.subarray(0, 8).equals(CFB_MAGIC)) || CUSTOM.test(ctx.name),
  async parse(src, ctx) {
    return AUTOMATIC.test(ctx.name) ? parseAutomatic(src, ctx.name) : parseCustom(src, ctx.name);
  },
  detect: detectJumpList,
};

export const parsers: readonly ArtifactParser[] = [jumpListParser];
