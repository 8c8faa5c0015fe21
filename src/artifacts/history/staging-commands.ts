/**
 * Staging-command matching over history commands. Rules are data (src/rules/data/history.json);
 * this file decides whether one fires and which paths the command names (archive written, sources
 * read, files deleted) so correlate/ can link them to files, $I records and registry MRUs.
 */
import type { Hit, NamedPath } from '../../rules/types.js';
import { isArchiveName, isEncryptedName, isUserDataPath, normalizePath, stagingLocation } from './paths.js';
import { parsePsArgs, programName, psList, psParam, splitCommandLine, type Segment } from './tokenize.js';
import { pushAll } from '../../util/arrays.js';

export interface CommandMatch {
  hits: Hit[];
  names: NamedPath[];
}

const RAR = new Set(['rar', 'winrar', 'rar32', 'rar64']);
const SEVENZIP = new Set(['7z', '7za', '7zr', '7zz', '7zg']);
const ARCHIVE_VERBS_RAR = new Set(['a', 'm', 'mf', 'u', 'f']);
const ARCHIVE_VERBS_7Z = new Set(['a', 'u']);

function writes(path: string): NamedPath {
  return { path, role: 'writes' };
}
function reads(path: string): NamedPath {
  return { path, role: 'reads' };
}

/** Common hits for a command that writes an archive from sources. */
function archiveHits(tool: string, archive: string | undefined, sources: string[]): Hit[] {
  const hits: Hit[] = [];
  const where = archive ? stagingLocation(archive) : null;
  if (archive && where) hits.push({ rule: 'history-archive-to-staging-location', message: `${tool} writes ${archive} into ${where}` });
  const userSources = sources.filter(isUserDataPath);
  if (userSources.length > 0) hits.push({ rule: 'history-archive-user-data', message: `${tool} archives user data: ${userSources.slice(0, 3).join(', ')}` });
  return hits;
}

function matchRar(words: string[], tool = 'rar'): CommandMatch | null {
  const args = words.slice(1);
  const verbAt = args.findIndex((w) => !w.startsWith('-'));
  if (verbAt < 0 || !ARCHIVE_VERBS_RAR.has(args[verbAt]!.toLowerCase())) return null;
  const switches = args.filter((w) => w.startsWith('-')).map((w) => w.toLowerCase());
  const operands = args.slice(verbAt + 1).filter((w) => !w.startsWith('-'));
  const [archive, ...sources] = operands;
  const hits: Hit[] = [{ rule: 'history-archiver-create', message: `${tool} ${args[verbAt]} ${archive ?? ''}`.trim() }];
  const pw = switches.find((s) => /^-(hp|p)(?!-)/.test(s));
  if (pw) hits.push({ rule: 'history-archive-password', message: `${tool} ${pw.startsWith('-hp') ? 'encrypts headers and data (-hp)' : 'sets a password (-p)'}` });
  const vol = switches.find((s) => /^-v\d/.test(s) || s === '-v');
  if (vol) hits.push({ rule: 'history-archive-volumes', message: `${tool} splits ${archive ?? 'the archive'} into volumes (${vol})${archive ? `: ${rarVolumeNames(archive)}` : ''}` });
  const staged = switches.filter((s) => /^-(ta|tb|m\d|r$|df|dw)/.test(s));
  if (staged.length > 0) hits.push({ rule: 'history-archiver-staging-switches', message: `${tool} staging switches ${staged.join(' ')}` });
  pushAll(hits, archiveHits(tool, archive, sources));
  return { hits, names: [...(archive ? [writes(archive)] : []), ...sources.map(reads)] };
}

function match7z(words: string[], tool = '7-Zip'): CommandMatch | null {
  const args = words.slice(1);
  const verbAt = args.findIndex((w) => !w.startsWith('-'));
  if (verbAt < 0 || !ARCHIVE_VERBS_7Z.has(args[verbAt]!.toLowerCase())) return null;
  const switches = args.filter((w) => w.startsWith('-')).map((w) => w.toLowerCase());
  const [archive, ...sources] = args.slice(verbAt + 1).filter((w) => !w.startsWith('-'));
  const hits: Hit[] = [{ rule: 'history-archiver-create', message: `${tool} ${args[verbAt]} ${archive ?? ''}`.trim() }];
  const pw = switches.find((s) => /^-p/.test(s));
  const mhe = switches.find((s) => /^-mhe(=on|\+)?$/.test(s));
  if (pw || mhe) hits.push({ rule: 'history-archive-password', message: `${tool} ${mhe ? 'encrypts headers (-mhe)' : 'sets a password (-p)'}` });
  const vol = switches.find((s) => /^-v\d/.test(s));
  if (vol) hits.push({ rule: 'history-archive-volumes', message: `${tool} splits ${archive ?? 'the archive'} into volumes (${vol})${archive ? `: ${archive.split(/[\\/]/).pop()}.001, .002, …` : ''}` });
  if (switches.includes('-sdel')) hits.push({ rule: 'history-archiver-staging-switches', message: `${tool} deletes the sources after archiving (-sdel)` });
  pushAll(hits, archiveHits(tool, archive, sources));
  return { hits, names: [...(archive ? [writes(archive)] : []), ...sources.map(reads)] };
}

/** The volume names rar -v gives `x.rar` (RAR 3+ naming): x.part1.rar, x.part2.rar, … */
function rarVolumeNames(archive: string): string {
  const stem = (archive.split(/[\\/]/).pop() ?? archive).replace(/\.rar$/i, '');
  return `${stem}.part1.rar, ${stem}.part2.rar, …`;
}

/**
 * Switches that mark an archiver command line whatever the program is called, after Sigma
 * proc_creation_win_susp_compression_params (-p -ta -tb -sdel -dw -hp) plus -v<size>, -m<n>, -mx, -mhe.
 * A bare -p is left out: too many tools use it (mkdir -p, cp -p).
 */
const ARCHIVER_SIGNATURE_SWITCH = /^-(hp|p(?=[^-])|v(?=\d+[bkmg]?$)|mx(?==?\d$)|mhe(?=(=on|\+)?$)|m(?=\d$)|ta(?=\d*$)|tb(?=\d*$)|sdel$|dw$|df$)/i;

/** The kind of an archiver signature switch (`hp`, `p`, `v`, `m`, …), or null; passwords never kept. */
function signatureKind(word: string): string | null {
  const m = ARCHIVER_SIGNATURE_SWITCH.exec(word);
  return m ? m[1]!.toLowerCase() : null;
}

/** Switches only 7-Zip takes (rar uses -hp, -ta, -df instead). */
const SEVENZIP_ONLY_SWITCH = /^-(mx=?\d|mhe(=on|\+)?|sdel|t(7z|zip|tar|gzip)|mmt.*)$/i;
/** Other archivers and common tools with an `a`/`u` subcommand: never reported as renamed. */
const NOT_RENAMED = new Set([
  'arj', 'arj32', 'lha', 'lharc', 'ha', 'zpaq', 'arc', 'freearc', 'pea', 'peazip', 'bz', 'bandizip', 'uharc', 'winzip', 'winzip32', 'winzip64', 'wzzip',
  'git', 'svn', 'hg', 'npm', 'yarn', 'pnpm', 'pip', 'pip3', 'python', 'python3', 'node', 'docker', 'kubectl', 'apt', 'apt-get', 'yum', 'dnf', 'brew', 'choco', 'winget',
]);

/** Sigma proc_creation_win_winrar_uncommon_folder_execution: an archiver binary in a staging folder. */
function unusualFolderHit(exe: string): Hit[] {
  if (!/[\\/]/.test(exe)) return [];
  const where = stagingLocation(exe);
  return where ? [{ rule: 'history-archiver-unusual-folder', message: `archiver run from ${where}: ${exe}` }] : [];
}

/**
 * An archiver under an unknown name, recognised by its argument signature: `a`/`u` first, then
 * archiver switches (two, or one plus an archive-named operand). Read as rar or 7-Zip by its switches.
 */
function matchRenamedArchiver(words: string[], prog: string): CommandMatch | null {
  if (NOT_RENAMED.has(prog) || words.length < 3) return null;
  const verb = words[1]!.toLowerCase();
  if (verb !== 'a' && verb !== 'u') return null;
  const switches = words.slice(2).filter((w) => w.startsWith('-'));
  const signature = [...new Set(switches.map(signatureKind).filter((k): k is string => k !== null))];
  const archive = words.slice(2).find((w) => !w.startsWith('-'));
  if (!archive || signature.length === 0 || (signature.length < 2 && !isArchiveName(archive))) return null;
  const sevenZip = /\.7z(\.\d{3})?$/i.test(archive) || switches.some((w) => SEVENZIP_ONLY_SWITCH.test(w));
  const family = sevenZip ? '7-Zip' : 'rar';
  const exe = words[0]!;
  const tool = `${programName(exe)} (renamed ${family})`;
  const inner = sevenZip ? match7z(words, tool) : matchRar(words, tool);
  if (!inner) return null;
  const renamed: Hit = {
    rule: 'history-archiver-renamed',
    message: `${exe} takes ${family} arguments (${verb} ${signature.map((k) => `-${k}`).join(' ')}): a renamed archiver`,
  };
  return { hits: [renamed, ...unusualFolderHit(exe), ...inner.hits], names: inner.names };
}

function matchZip(words: string[]): CommandMatch | null {
  const operands: string[] = [];
  let encrypted = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-P' || w === '--password') { encrypted = true; i++; continue; }
    if (w === '-e' || w === '--encrypt' || (/^-[a-zA-Z]+$/.test(w) && w.includes('e') && !w.startsWith('--'))) encrypted = true;
    if (!w.startsWith('-')) operands.push(w);
  }
  const [archive, ...sources] = operands;
  if (!archive) return null;
  const hits: Hit[] = [{ rule: 'history-archiver-create', message: `zip ${archive}` }];
  if (encrypted) hits.push({ rule: 'history-archive-password', message: 'zip encrypts the archive (-e / -P / --password)' });
  pushAll(hits, archiveHits('zip', archive, sources));
  return { hits, names: [writes(archive), ...sources.map(reads)] };
}

/** tar: create mode from -c/--create or an old-style bundle ("czf"); archive from -f / --file / bundle. */
function matchTar(seg: Segment): CommandMatch | null {
  const args = seg.words.slice(1);
  let create = false;
  let archive: string | undefined;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const bundle = i === 0 && /^[a-zA-Z]+$/.test(w) ? w : /^-[a-zA-Z]+$/.test(w) ? w.slice(1) : null;
    if (w === '--create') create = true;
    else if (w.startsWith('--file=')) archive = w.slice(7);
    else if (w === '--file') archive = args[++i];
    else if (bundle !== null) {
      if (bundle.includes('c')) create = true;
      if (bundle.endsWith('f')) archive = args[++i];
      else if (bundle.includes('f')) archive = bundle.slice(bundle.indexOf('f') + 1) || archive;
    } else if (!w.startsWith('-')) operands.push(w);
  }
  if (!create) return null;
  archive ??= seg.redirects[0];
  const hits: Hit[] = [{ rule: 'history-archiver-create', message: `tar creates ${archive ?? 'an archive'}` }];
  pushAll(hits, archiveHits('tar', archive, operands));
  return { hits, names: [...(archive && archive !== '-' ? [writes(archive)] : []), ...operands.map(reads)] };
}

function matchCompressArchive(words: string[]): CommandMatch {
  const args = parsePsArgs(words.slice(1), ['force', 'update', 'passthru', 'whatif', 'confirm']);
  const sources = [...psList(psParam(args, 'path')), ...psList(psParam(args, 'literalpath', ['lp', 'pspath']))];
  const dest = psParam(args, 'destinationpath');
  const positional = [...args.positional];
  if (sources.length === 0 && positional.length > 0) pushAll(sources, psList(positional.shift()));
  const archive = typeof dest === 'string' ? dest : positional.shift();
  const hits: Hit[] = [{ rule: 'history-powershell-compression', message: `Compress-Archive ${archive ?? ''}`.trim() }];
  pushAll(hits, archiveHits('Compress-Archive', archive, sources));
  return { hits, names: [...(archive ? [writes(archive)] : []), ...sources.map(reads)] };
}

/** [System.IO.Compression.ZipFile]::CreateFromDirectory('src', 'dst') and the stream classes. */
function matchDotNetCompression(command: string): CommandMatch | null {
  const create = /CreateFromDirectory\s*\(\s*(["']?)([^"',)]+)\1\s*,\s*(["']?)([^"',)]+)\3/i.exec(command);
  if (create) {
    const [source, archive] = [create[2]!.trim(), create[4]!.trim()];
    const hits: Hit[] = [{ rule: 'history-powershell-compression', message: `ZipFile.CreateFromDirectory -> ${archive}` }];
    pushAll(hits, archiveHits('ZipFile.CreateFromDirectory', archive, [source]));
    return { hits, names: [writes(archive), reads(source)] };
  }
  if (/IO\.Compression\.|ZipFile\]::|GZipStream|DeflateStream|BrotliStream|ZLibStream|ZipArchiveMode/i.test(command)) {
    return { hits: [{ rule: 'history-powershell-compression', message: 'System.IO.Compression used from PowerShell' }], names: [] };
  }
  return null;
}

function matchGpg(words: string[]): CommandMatch | null {
  const symmetric = words.some((w) => w === '-c' || w === '--symmetric' || /^-[a-z]*c[a-z]*$/.test(w) && !w.startsWith('--'));
  if (!symmetric) return null;
  const outAt = words.findIndex((w) => w === '-o' || w === '--output');
  const input = words.slice(1).filter((w) => !w.startsWith('-') && words[words.indexOf(w) - 1] !== '-o' && words[words.indexOf(w) - 1] !== '--output').pop();
  const output = outAt > 0 ? words[outAt + 1] : input ? `${input}.gpg` : undefined;
  return {
    hits: [{ rule: 'history-encrypt-file', message: `gpg symmetric encryption of ${input ?? 'stdin'}` }, ...archiveHits('gpg', output, input ? [input] : [])],
    names: [...(output ? [writes(output)] : []), ...(input ? [reads(input)] : [])],
  };
}

function matchOpenssl(words: string[]): CommandMatch | null {
  const sub = words[1]?.toLowerCase() ?? '';
  const isEnc = sub === 'enc' || /^(aes|des|bf|camellia|chacha)/.test(sub);
  if (!isEnc || words.includes('-d')) return null;
  const value = (flag: string) => { const at = words.indexOf(flag); return at > 0 ? words[at + 1] : undefined; };
  const input = value('-in');
  const output = value('-out');
  return {
    hits: [{ rule: 'history-encrypt-file', message: `openssl ${sub} encrypts ${input ?? 'stdin'}` }, ...archiveHits('openssl', output, input ? [input] : [])],
    names: [...(output ? [writes(output)] : []), ...(input ? [reads(input)] : [])],
  };
}

function matchMakecab(words: string[], prog: string): CommandMatch | null {
  const operands = words.slice(1).filter((w) => !/^[/-]/.test(w));
  if (prog === 'expand') return { hits: [{ rule: 'history-cab-tools', message: `expand ${operands.join(' ')}`.trim() }], names: [] };
  const [source, archive] = operands;
  return {
    hits: [{ rule: 'history-cab-tools', message: `makecab ${source ?? ''} ${archive ?? ''}`.trim() }, ...archiveHits('makecab', archive, source ? [source] : [])],
    names: [...(archive ? [writes(archive)] : []), ...(source ? [reads(source)] : [])],
  };
}

function matchCertutil(words: string[]): CommandMatch | null {
  const at = words.findIndex((w) => /^[-/]encode(hex)?$/i.test(w));
  if (at < 0) return null;
  const [input, output] = words.slice(at + 1).filter((w) => !/^[-/]/.test(w));
  return {
    hits: [{ rule: 'history-certutil-encode', message: `certutil -encode ${input ?? ''} ${output ?? ''}`.trim() }],
    names: [...(output ? [writes(output)] : []), ...(input ? [reads(input)] : [])],
  };
}

const COPY_TOOLS = new Set(['robocopy', 'xcopy', 'copy', 'cp', 'rsync', 'copy-item', 'cpi', 'scp']);

function matchCopy(words: string[], prog: string): CommandMatch | null {
  let sources: string[];
  let dest: string | undefined;
  if (prog === 'copy-item' || prog === 'cpi') {
    const args = parsePsArgs(words.slice(1), ['recurse', 'force', 'container', 'passthru']);
    sources = psList(psParam(args, 'path')).concat(psList(psParam(args, 'literalpath')));
    const d = psParam(args, 'destination');
    dest = typeof d === 'string' ? d : undefined;
    const pos = [...args.positional];
    if (sources.length === 0 && pos.length > 0) sources = psList(pos.shift());
    dest ??= pos.shift();
  } else {
    const operands = words.slice(1).filter((w) => !/^-/.test(w) && !(prog !== 'cp' && prog !== 'rsync' && /^\/[A-Za-z]/.test(w) && w.length <= 8));
    if (prog === 'robocopy') [sources, dest] = [operands.slice(0, 1), operands[1]];
    else [sources, dest] = [operands.slice(0, -1), operands[operands.length - 1]];
  }
  const recursive = prog !== 'cp' || words.some((w) => /^-[a-zA-Z]*[rRa]/.test(w) || w === '--recursive' || w === '--archive');
  if (!dest || !recursive) return null;
  const where = stagingLocation(dest);
  const userSources = sources.filter(isUserDataPath);
  if (!where || userSources.length === 0) return null;
  return {
    hits: [{ rule: 'history-copy-user-data-to-staging', message: `${prog} copies ${userSources[0]} into ${where} (${dest})` }],
    names: [writes(dest), ...sources.map(reads)],
  };
}

function matchMailboxExport(words: string[]): CommandMatch | null {
  const args = parsePsArgs(words.slice(1));
  const file = psParam(args, 'filepath');
  const target = typeof file === 'string' ? file : undefined;
  return {
    hits: [{ rule: 'history-mailbox-export', message: `New-MailboxExportRequest to ${target ?? 'a .pst'}` }],
    names: target ? [writes(target)] : [],
  };
}

/**
 * Credential material staged as files before it is archived (T1003 feeding T1074.001): `ntdsutil ... ifm
 * "create full <dir>"` (a copy of ntds.dit and the SYSTEM hive), `reg save HKLM\SAM|SYSTEM|SECURITY <file>`, and
 * LSASS memory dumps (`procdump -ma lsass`, `rundll32 comsvcs.dll, MiniDump <pid> <file> full`). The written paths
 * feed correlation like an archive's. Sigma twins of these rules live in src/rules/data/sigma/.
 */
/** A credential copy written into a staging place counts like an archive written there. */
function credentialCopyHits(tool: string, target: string | undefined): Hit[] {
  const where = target ? stagingLocation(target) : null;
  return where ? [{ rule: 'history-archive-to-staging-location', message: `${tool} writes ${target} into ${where}` }] : [];
}

function matchNtdsutil(words: string[]): CommandMatch | null {
  const lower = words.map((w) => w.toLowerCase());
  if (!lower.some((w) => /(^|\s)ifm(\s|$)/.test(w))) return null;
  const createAt = lower.findIndex((w) => /^create\s+(full|rodc|sysvol\s+full)\b/.test(w) || w === 'create');
  let target: string | undefined;
  if (createAt >= 0) {
    const inline = /^create\s+(?:sysvol\s+)?(?:full|rodc)\s+(.+)$/i.exec(words[createAt]!.trim());
    target = inline ? inline[1]!.replace(/^["']|["']$/g, '') : words.slice(createAt + 1).find((w) => !/^(full|rodc|sysvol)$/i.test(w));
  }
  return {
    hits: [{ rule: 'history-ntds-ifm', message: `ntdsutil IFM copies ntds.dit and the SYSTEM hive${target ? ` into ${target}` : ''}` }, ...credentialCopyHits('ntdsutil', target)],
    names: target ? [writes(target)] : [],
  };
}

const SENSITIVE_HIVE = /^(hklm|hkey_local_machine)\\(sam|system|security)\\?$/i;

function matchRegSave(words: string[]): CommandMatch | null {
  const verb = words[1]?.toLowerCase();
  if (verb !== 'save' && verb !== 'export') return null;
  const [key, file] = words.slice(2).filter((w) => !/^[/-]/.test(w));
  if (!key || !SENSITIVE_HIVE.test(key)) return null;
  return {
    hits: [{ rule: 'history-reg-save-hive', message: `reg ${verb} ${key} to ${file ?? 'a file'}` }, ...credentialCopyHits('reg', file)],
    names: file ? [writes(file)] : [],
  };
}

function matchLsassDump(words: string[], prog: string, command: string): CommandMatch | null {
  let file: string | undefined;
  if (prog === 'procdump' || prog === 'procdump64') {
    if (!words.some((w) => /^lsass(\.exe)?$/i.test(w))) return null;
    file = words.slice(1).filter((w) => !/^[-/]/.test(w) && !/^lsass(\.exe)?$/i.test(w)).pop();
  } else if (prog === 'rundll32') {
    const m = /comsvcs(\.dll)?\W+(?:MiniDump|#\+?0*24)\W+\S+\s+("[^"]+"|\S+)\s+full/i.exec(command);
    if (!m) return null;
    file = m[2]!.replace(/^"|"$/g, '');
  } else return null;
  return {
    hits: [{ rule: 'history-lsass-dump', message: `${prog} dumps LSASS memory${file ? ` to ${file}` : ''}` }, ...credentialCopyHits(prog, file)],
    names: file ? [writes(file)] : [],
  };
}

/** PowerShell's ways to get WMI/CIM instances (Win32_ShadowCopy among them). */
const POWERSHELL_WMI = new Set(['get-wmiobject', 'gwmi', 'get-ciminstance', 'gcim']);

/**
 * Deleting the volume's shadow copies, and with them the old copies of what was staged and deleted
 * (docs/images.md "Shadow copies"): `vssadmin delete shadows`, `vssadmin resize shadowstorage`
 * (Windows deletes the copies that no longer fit), `wmic shadowcopy delete`, and PowerShell's
 * Win32_ShadowCopy instances deleted (`.Delete()`, Remove-WmiObject, Remove-CimInstance).
 */
function matchShadowCopyDeletion(words: string[], prog: string, command: string): CommandMatch | null {
  const lower = words.map((w) => w.toLowerCase());
  let what: string | null = null;
  if (prog === 'vssadmin' && lower[1] === 'delete' && lower[2] === 'shadows') what = 'vssadmin deletes the volume shadow copies';
  else if (prog === 'vssadmin' && lower[1] === 'resize' && lower[2] === 'shadowstorage') what = "vssadmin resizes the shadow copy storage (copies that no longer fit are deleted)";
  else if (prog === 'wmic' && lower.some((w, i) => w === 'shadowcopy' && lower.slice(i + 1).includes('delete'))) what = 'wmic deletes the volume shadow copies';
  else if (POWERSHELL_WMI.has(prog) && /win32_shadowcopy/i.test(command) && /\.delete\(\)|remove-(?:wmiobject|ciminstance)|\brwmi\b/i.test(command)) what = `${prog} deletes Win32_ShadowCopy instances (the volume shadow copies)`;
  return what ? { hits: [{ rule: 'history-shadow-copies-deleted', message: what }], names: [] } : null;
}

const DELETE_TOOLS = new Set(['remove-item', 'ri', 'rm', 'del', 'erase', 'rmdir', 'rd', 'shred', 'sdelete', 'sdelete64', 'srm', 'wipe', 'unlink']);

/** Paths a deletion command names. */
export function deletedPaths(words: string[], prog: string): string[] {
  if (prog === 'remove-item' || prog === 'ri' || prog === 'rm' || prog === 'del') {
    const args = parsePsArgs(words.slice(1), ['recurse', 'force', 'whatif', 'confirm']);
    const named = psList(psParam(args, 'path')).concat(psList(psParam(args, 'literalpath')));
    const unixFlags = words.slice(1).filter((w) => !/^-/.test(w));
    return named.length > 0 ? named : prog === 'rm' ? unixFlags : args.positional;
  }
  return words.slice(1).filter((w) => !/^[-/]/.test(w) || /^\/[^/]*\//.test(w));
}

/** A command's .NET compression match, looked for once however many of its segments fall through to it. */
class DotNetCompression {
  private done = false;
  private found: CommandMatch | null = null;

  constructor(private readonly command: string) {}

  /** A new match each time (as each segment got its own before), null without looking again. */
  get match(): CommandMatch | null {
    if (!this.done) {
      this.found = matchDotNetCompression(this.command);
      this.done = true;
    }
    return this.found && { hits: this.found.hits.map((h) => ({ ...h })), names: this.found.names.map((n) => ({ ...n })) };
  }
}

/** Matches one command segment; `written` is what earlier commands wrote (for deletion of staged results). */
function matchSegment(seg: Segment, command: string, written: Map<string, string>, dotNet: DotNetCompression): CommandMatch | null {
  const words = seg.words;
  const prog = programName(words[0]);
  if (RAR.has(prog)) return withExeFolder(matchRar(words), words[0]!);
  if (SEVENZIP.has(prog)) return withExeFolder(match7z(words), words[0]!);
  if (prog === 'zip') return matchZip(words);
  if (prog === 'tar' || prog === 'bsdtar' || prog === 'gtar') return matchTar(seg);
  if (prog === 'compress-archive') return matchCompressArchive(words);
  if (prog === 'gpg' || prog === 'gpg2') return matchGpg(words);
  if (prog === 'openssl') return matchOpenssl(words);
  if (prog === 'makecab' || prog === 'expand') return matchMakecab(words, prog);
  if (prog === 'certutil') return matchCertutil(words);
  if (COPY_TOOLS.has(prog)) return matchCopy(words, prog);
  if (prog === 'new-mailboxexportrequest') return matchMailboxExport(words);
  if (DELETE_TOOLS.has(prog)) return matchDeletion(words, prog, written);
  if (prog === 'ntdsutil') return matchNtdsutil(words);
  if (prog === 'reg') return matchRegSave(words);
  if (prog === 'procdump' || prog === 'procdump64' || prog === 'rundll32') return matchLsassDump(words, prog, command);
  if (prog === 'vssadmin' || prog === 'wmic' || POWERSHELL_WMI.has(prog)) return matchShadowCopyDeletion(words, prog, command);
  return matchRenamedArchiver(words, prog) ?? dotNet.match;
}

function withExeFolder(match: CommandMatch | null, exe: string): CommandMatch | null {
  return match ? { hits: [...unusualFolderHit(exe), ...match.hits], names: match.names } : null;
}

function baseKey(path: string): string {
  return normalizePath(path).split('/').pop() ?? '';
}

function matchDeletion(words: string[], prog: string, written: Map<string, string>): CommandMatch | null {
  const targets = deletedPaths(words, prog);
  if (targets.length === 0) return null;
  const names = targets.map((path): NamedPath => ({ path, role: 'deletes' }));
  const staged = targets.find((t) => written.has(baseKey(t)) && (isArchiveName(t) || isEncryptedName(t) || isArchiveName(written.get(baseKey(t))!)));
  const hits: Hit[] = staged
    ? [{ rule: 'history-delete-staged-archive', message: `${prog} deletes ${staged}, written earlier as ${written.get(baseKey(staged))}` }]
    : [];
  return { hits, names };
}

/**
 * Matches a whole history, in order, so a deletion can refer back to an archive written earlier.
 * Returns one match per command (null when nothing fired and nothing was named).
 */
export function matchHistory(commands: readonly string[]): Array<CommandMatch | null> {
  const matching = new HistoryMatching();
  return commands.map((command) => matching.match(command));
}

/** matchHistory one command at a time (a history read as a stream): what it has seen written so far is its state. */
export class HistoryMatching {
  /** Archives written by earlier commands, by base name. */
  private readonly written = new Map<string, string>();

  match(command: string): CommandMatch | null {
    const hits: Hit[] = [];
    const names: NamedPath[] = [];
    const dotNet = new DotNetCompression(command);
    for (const seg of splitCommandLine(command)) {
      const m = matchSegment(seg, command, this.written, dotNet);
      if (!m) continue;
      pushAll(hits, m.hits);
      pushAll(names, m.names);
    }
    for (const n of names) if (n.role === 'writes' && (isArchiveName(n.path) || isEncryptedName(n.path) || /\.pst$/i.test(n.path))) this.written.set(baseKey(n.path), n.path);
    return hits.length > 0 ? { hits: dedupeHits(hits), names } : null;
  }
}

function dedupeHits(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  return hits.filter((h) => (seen.has(h.rule) ? false : (seen.add(h.rule), true)));
}

/** One command alone (for `explain` and tests). */
export function matchCommand(command: string): CommandMatch | null {
  return matchHistory([command])[0] ?? null;
}
