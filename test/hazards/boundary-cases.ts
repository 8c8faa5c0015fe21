/**
 * Generators for the evidence-boundary cases of issue 18: each builds one hostile tree in a temp
 * directory and says what must (not) be seen. Shared by the hazard tests and the seeded
 * "links in paths" class (links-in-paths.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildZip } from '../../fixtures/lib/zip-writer.mjs';

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
