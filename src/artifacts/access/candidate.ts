/** Building `access` candidates the same way for LNK, Jump List, ShellBags, ComDlg32 and TypedPaths entries. */
import type { FileTimes } from '../../model/finding.js';
import type { Candidate, TimelineEvent } from '../../rules/types.js';
import { judgeAccess, type AccessTarget } from './judge.js';

export interface AccessInput {
  /** relPath of the artifact file (the .lnk, the Jump List, the hive). */
  artifact: string;
  target: AccessTarget;
  user?: string | null;
  times?: FileTimes;
  key?: string;
  value?: string;
  jumpEntry?: string;
  /** When the entry was opened or browsed, with what says so ('LNK file modified', 'DestList', ...). */
  opened?: { time: string; by: string }[];
  details?: Record<string, unknown>;
}

/** The candidate for one entry, or null when the path says nothing about staging. */
export function accessCandidate(input: AccessInput): Candidate | null {
  const judged = judgeAccess(input.target);
  if (judged.hits.length === 0) return null;
  const verb = input.target.source === 'ShellBags' || ((input.target.source === 'ComDlg32' || input.target.source === 'TypedPaths') && input.target.folder) ? 'browsed' : 'opened';
  const events: TimelineEvent[] = (input.opened ?? []).map((o) => ({ time: o.time, type: verb, description: `${input.target.path} ${verb} (${input.target.source}: ${o.by})` }));
  const c: Candidate = {
    kind: 'access',
    path: input.artifact,
    hits: judged.hits,
    names: [{ path: input.target.path, role: 'opens' }],
    events,
    details: {
      source: input.target.source,
      // The latest open or browse: the moment the episode timeline places this finding at.
      accessTime: events.length ? events.map((e) => e.time).sort().pop()! : null,
      target: input.target.path,
      folder: input.target.folder,
      place: judged.staging ?? judged.remote ?? 'other',
      ...(input.details ?? {}),
    },
  };
  if (input.times) c.times = input.times;
  if (input.user !== undefined) c.user = input.user;
  if (input.key !== undefined) c.key = input.key;
  if (input.value !== undefined) c.value = input.value;
  if (input.jumpEntry !== undefined) c.jumpEntry = input.jumpEntry;
  return c;
}
