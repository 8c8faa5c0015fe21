/**
 * Generators for the evidence-boundary cases of issue 18: each builds one hostile tree in a temp
 * directory and says what must (not) be seen. Shared by the hazard tests and the seeded
 * "links in paths" class (links-in-paths.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';
import { prng } from '../helpers/random.js';

/** A zip that looks staged (an archive in a temp folder): any one reached becomes a finding. */
export function stagedZip(label: string): Buffer {
  return buildZip({ entries: [{ name: `docs/${label}.txt`, data: `${label} `.repeat(200) }] });
}

function put(file: string, data: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
}

export interface LinkedRoots {
  /** Windows layout whose hotspot paths go through links: Windows -> ../OUTSIDE, Users -> ../U. */
  windows: string;
  /** Linux layout: root -> ../X, dev -> /dev, home/bob/.local -> ../X/local. */
  linux: string;
  /** Every file a link would reach: none may be reported, hashed or read. */
  outsideMarker: string;
  /** Links a scan in hotspot scope must count and list (display paths per root). */
  links: { windows: string[]; linux: string[] };
  /** A file reachable without links, so the scan is known to have run. */
  inside: { windows: string; linux: string };
}

/** Item 1: symlinks as components of hotspot start paths, in both layouts. */
export function buildLinkedRoots(base: string): LinkedRoots {
  const marker = 'OUTSIDE-MARKER';
  const outside = path.join(base, 'OUTSIDE');
  put(path.join(outside, 'Temp', `${marker}.zip`), stagedZip(marker));
  put(path.join(base, 'U', 'Public', `${marker}-public.zip`), stagedZip(marker));
  put(path.join(base, 'U', 'alice', 'AppData', 'Local', 'Temp', `${marker}-alice.zip`), stagedZip(marker));
  put(path.join(base, 'X', '.bash_history'), `zip -r /tmp/${marker}.zip /etc\n`);
  put(path.join(base, 'X', `${marker}-root.zip`), stagedZip(marker));
  put(path.join(base, 'X', 'local', 'share', 'Trash', 'files', `${marker}-trash.zip`), stagedZip(marker));

  const win = path.join(base, 'win');
  put(path.join(win, 'ProgramData', 'inside.zip'), stagedZip('inside'));
  mkdirSync(path.join(win, '$Recycle.Bin'), { recursive: true });
  symlinkSync('../OUTSIDE', path.join(win, 'Windows'));
  symlinkSync('../U', path.join(win, 'Users'));

  const lin = path.join(base, 'lin');
  put(path.join(lin, 'tmp', 'inside.zip'), stagedZip('inside'));
  mkdirSync(path.join(lin, 'etc'), { recursive: true });
  mkdirSync(path.join(lin, 'usr'), { recursive: true });
  mkdirSync(path.join(lin, 'home', 'bob'), { recursive: true });
  symlinkSync('../X', path.join(lin, 'root'));
  symlinkSync('/dev', path.join(lin, 'dev'));
  symlinkSync('../../../X/local', path.join(lin, 'home', 'bob', '.local'));
  return {
    windows: win,
    linux: lin,
    outsideMarker: marker,
    links: { windows: ['Users', 'Windows'], linux: ['dev', 'home/bob/.local', 'root'] },
    inside: { windows: 'ProgramData/inside.zip', linux: 'tmp/inside.zip' },
  };
}

/** Item 2: a file named with the raw byte 0xff and a decoy spelling its escape literally. */
export function buildNameDecoy(base: string): { root: string; real: Buffer; decoy: Buffer; realName: Buffer; decoyName: string } {
  const root = path.join(base, 'decoy');
  const temp = path.join(root, 'Windows', 'Temp');
  mkdirSync(temp, { recursive: true });
  const realName = Buffer.concat([Buffer.from('bad'), Buffer.from([0xff]), Buffer.from('.zip')]);
  const decoyName = 'bad\\xff.zip';
  const real = stagedZip('real');
  const decoy = stagedZip('decoy-different-content');
  writeFileSync(Buffer.concat([Buffer.from(`${temp}/`), realName]), real);
  writeFileSync(path.join(temp, decoyName), decoy);
  return { root, real, decoy, realName, decoyName };
}

/** Items 3 and 4: a root holding a directory named `..evil`, and a place for output targets. */
export function buildOutputCase(base: string): { root: string; evilDir: string; out: string } {
  const root = path.join(base, 'outroot');
  put(path.join(root, 'Windows', 'Temp', 'a.zip'), stagedZip('a'));
  const evilDir = path.join(root, '..evil');
  mkdirSync(evilDir);
  const out = path.join(base, 'out');
  mkdirSync(out);
  return { root, evilDir, out };
}

/** "Also": `levels` nested directories with a staged zip at the bottom (about 2 x levels bytes of path). */
export function buildDeepTree(base: string, levels: number): { root: string; bottomRel: string } {
  const root = path.join(base, 'deep');
  mkdirSync(root);
  const zip = path.join(base, 'bottom.zip');
  writeFileSync(zip, stagedZip('bottom'));
  // Beyond PATH_MAX no absolute path works: descend with relative cd, 1,000 levels per mkdir -p.
  const chunk = Array<string>(1000).fill('d').join('/');
  const rest = Array<string>(levels % 1000).fill('d').join('/');
  const script = `cd "$1" && for i in $(seq ${Math.floor(levels / 1000)}); do mkdir -p ${chunk} && cd ${chunk} || exit 1; done && ${rest ? `mkdir -p ${rest} && cd ${rest} && ` : ''}cp "$2" bottom.zip`;
  const made = spawnSync('bash', ['-c', script, 'x', root, zip]);
  if (made.status !== 0) throw new Error(`cannot build the deep tree: ${made.stderr.toString()}`);
  return { root, bottomRel: `${Array<string>(levels).fill('d').join('/')}/bottom.zip` };
}

/** "Also": a file in a hotspot with a second hard link outside the root. */
export function buildHardLink(base: string): { root: string; rel: string } {
  const root = path.join(base, 'hard');
  put(path.join(base, 'hard-outside', 'h.zip'), stagedZip('hard'));
  mkdirSync(path.join(root, 'Windows', 'Temp'), { recursive: true });
  linkSync(path.join(base, 'hard-outside', 'h.zip'), path.join(root, 'Windows', 'Temp', 'h.zip'));
  return { root, rel: 'Windows/Temp/h.zip' };
}

/** Concrete directories for a set of patterns: one user for `*`, every brace alternative. */
export function concreteDirs(patterns: string[], expand: (p: string) => string[]): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    for (const alt of expand(p)) {
      const segs = alt.split('/').map((s) => (s === '*' ? 'alice' : s.replace(/\*/g, '')));
      if (segs[0] === 'alice') segs[0] = 'stage';
      out.add(segs.join('/'));
    }
  }
  return [...out].sort();
}

/** What a link in a hotspot path may point at: outside the root, at the host, at itself, nowhere. */
const LINK_TARGETS = ['outside-abs', 'outside-rel', 'dev', 'host-root', 'dot', 'dotdot', 'dangling', 'chain'] as const;

export interface LinkedTree {
  root: string;
  /** Links placed, as display paths relative to the root. */
  links: string[];
  /** Links that a scan meets (no link above them): each must be counted and listed once. */
  reachableLinks: string[];
  /** Marker in the name of every file outside the root. */
  marker: string;
  /** Files inside the root that must still be found (not under any link). */
  insideFiles: string[];
}

/**
 * The "links in paths" class: a root of the given layout holding every hotspot directory (each
 * with a staged zip), where 1-4 components of randomly chosen hotspot paths are replaced by
 * symbolic links of random kinds. Outside the root, the link targets hold marked staged files.
 */
export function buildLinkedTree(base: string, seed: number, hotspotDirs: string[], artifactDirs: string[] = []): LinkedTree {
  const rand = prng(seed);
  const marker = `OUTSIDE${seed}`;
  const root = path.join(base, `tree-${seed}`);
  const outside = path.join(base, `outside-${seed}`);
  const linkable = [...new Set([...hotspotDirs, ...artifactDirs])].sort();
  for (const d of linkable) {
    put(path.join(outside, d, `${marker}.zip`), stagedZip(marker));
    put(path.join(outside, `${marker}-top.zip`), stagedZip(marker));
  }
  // Choose the link positions first: a component of a hotspot path, never the root itself.
  const chosen = new Set<string>();
  const count = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) {
    const dir = linkable[Math.floor(rand() * linkable.length)]!;
    const segs = dir.split('/');
    chosen.add(segs.slice(0, 1 + Math.floor(rand() * segs.length)).join('/'));
  }
  // A link under another chosen link is never met: drop it, the outer one hides it.
  const links = [...chosen].sort().filter((l, _i, all) => !all.some((o) => o !== l && l.startsWith(`${o}/`)));
  const underLink = (rel: string): boolean => links.some((l) => rel === l || rel.startsWith(`${l}/`));
  const insideFiles: string[] = [];
  for (const d of hotspotDirs) {
    if (underLink(d)) continue;
    put(path.join(root, d, 'inside.zip'), stagedZip('inside'));
    insideFiles.push(`${d}/inside.zip`);
  }
  for (const d of artifactDirs) if (!underLink(d)) mkdirSync(path.join(root, d), { recursive: true });
  mkdirSync(root, { recursive: true });
  for (const l of links) {
    const at = path.join(root, l);
    mkdirSync(path.dirname(at), { recursive: true });
    const depth = l.split('/').length;
    const kind = LINK_TARGETS[Math.floor(rand() * LINK_TARGETS.length)]!;
    const target = {
      'outside-abs': path.join(outside, l),
      'outside-rel': `${'../'.repeat(depth)}../outside-${seed}/${l}`,
      dev: '/dev',
      'host-root': '/',
      dot: '.',
      dotdot: '..',
      dangling: '/nonexistent/stagehunt',
      chain: `${path.basename(at)}.hop`,
    }[kind];
    symlinkSync(target, at);
    if (kind === 'chain') symlinkSync(outside, `${at}.hop`);
  }
  // A chain's second hop sits beside the link (another link, met by the walker in --scope all only).
  return { root, links, reachableLinks: links, marker, insideFiles };
}
