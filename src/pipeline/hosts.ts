/**
 * Several hosts, several roots (issue 16). A root can carry a host label (`--host NAME` per root,
 * or `ROOT=NAME`): the label becomes part of the finding ids of that root and a `host` field on
 * its findings and timeline rows. Without labels the ids stay as they were (root base name + kind
 * + path + locators), except that two roots sharing a base name get distinct labels, so identical
 * trees never give identical ids.
 */
import type { ScoredFindings } from './score.js';

/** A host label: letters, digits, dot, dash, underscore; it names a machine in ids and reports. */
export const HOST_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The label finding ids are made from: the root's own, qualified by the host when one is given. */
export function hostIdLabel(rootLabel: string, host: string | undefined): string {
  return host === undefined ? rootLabel : `${host}:${rootLabel}`;
}

/** Sets the host on a root's findings (in place); their timeline rows take it from them (src/timeline/timeline.ts). */
export function labelWithHost(scored: ScoredFindings, host: string): ScoredFindings {
  for (const f of scored.findings) f.host = host;
  return scored;
}

/** Roots whose base names collide get `name#2`, `name#3`, ... in scan order (the first keeps its label). */
export function distinctLabels<T extends { label: string }>(roots: T[]): T[] {
  const seen = new Map<string, number>();
  return roots.map((r) => {
    const n = (seen.get(r.label) ?? 0) + 1;
    seen.set(r.label, n);
    return n === 1 ? r : { ...r, label: `${r.label}#${n}` };
  });
}
