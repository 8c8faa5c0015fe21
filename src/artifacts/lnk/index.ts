/** Windows shortcut (.lnk) parser: one `lnk` record; links to archives and staging places become `access` candidates. */
import { hiveOwner } from '../registry/index.js';
import type { ArtifactParser, ArtifactResult, DetectContext } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { accessCandidate } from '../access/candidate.js';
import { hasLnkHeader, parseLnk, type LnkRecord } from './parse.js';
import { lnkTargetIsFolder, lnkTargetPath } from './target.js';
import { LIMITS } from '../../util/limits.js';
import { HEADER_SIZE, LINK_CLSID } from './layout.js';


function detectLnk(result: ArtifactResult<LnkRecord>, ctx: DetectContext): Candidate[] {
  const r = result.records[0];
  if (!r) return [];
  const path = lnkTargetPath(r);
  if (!path) return [];
  const opened: { time: string; by: string }[] = [];
  // Windows writes a Recent\*.lnk when the target is first opened and rewrites it on each open. A birth
  // time after the last write is a copy's (a collected or extracted image), not the first open.
  const { born, modified } = ctx.times;
  if (born && (!modified || born < modified)) opened.push({ time: born, by: 'link created (first opened)' });
  if (modified) opened.push({ time: modified, by: 'link last written (last opened)' });
  const c = accessCandidate({
    artifact: ctx.relPath,
    target: { source: 'LNK', path, folder: lnkTargetIsFolder(r), driveType: r.driveType },
    user: hiveOwner(ctx.relPath),
    times: ctx.times,
    opened,
    details: { targetCreated: r.targetCreated, targetModified: r.targetModified, fileSize: r.fileSize, volumeSerialNumber: r.volumeSerialNumber, driveType: r.driveType, machineId: r.machineId },
  });
  return c ? [c] : [];
}

export const lnkParser: ArtifactParser<LnkRecord> = {
  id: 'lnk',
  description: 'Windows shortcut (.lnk, MS-SHLLINK): target paths, times, volume, machine id; links to archives and staging folders',
  dataSources: ['DS0022'],
  fuzzSeeds: ['lnk'],
  // hasLnkHeader: the header size (u32 0x4c), then the link CLSID.
  claims: { magics: [{ at: 0, bytes: Buffer.concat([Buffer.of(HEADER_SIZE, 0, 0, 0), LINK_CLSID]) }] },
  matches: (ctx) => hasLnkHeader(ctx.head),
  async parse(src) {
    const buf = src.read(0, Math.min(src.size, LIMITS.maxLnkBytes));
    const p = parseLnk(buf);
    if (!p) return null;
    const warnings = src.size > LIMITS.maxLnkBytes ? [...p.warnings, `file is ${src.size} bytes; only the first ${LIMITS.maxLnkBytes} were read`] : p.warnings;
    return { parser: 'lnk', records: [p.record], warnings, corrupted: p.corrupted };
  },
  detect: detectLnk,
};

export const parsers: readonly ArtifactParser[] = [lnkParser];
