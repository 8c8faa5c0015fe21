/**
 * Pure judgements over archive entry names and times, used by detect.ts. Each returns what it
 * saw so the reason message can name the evidence.
 */
import type { ArchiveEntry } from './summary.js';

const SENSITIVE: { label: string; re: RegExp }[] = [
  { label: 'ntds.dit', re: /(^|\/)ntds\.dit$/i },
  // A name alone is not a hive (the JDK's public_suffix_list.dat holds an entry named 'security'):
  // the name must sit in a Windows config folder or an ntdsutil IFM 'registry' folder, or carry a reg save extension.
  { label: 'registry hive (SAM/SYSTEM/SECURITY)', re: /(^|\/)(config|registry)\/(sam|system|security)$|(^|\/)(sam|system|security)\.(hiv|hive|save|sav)$/i },
  { label: 'SSH private key', re: /(^|\/)\.ssh\/(id_(rsa|dsa|ecdsa|ed25519)(_sk)?)$|(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/i },
  { label: '/etc/shadow', re: /(^|\/)etc\/g?shadow-?$/i },
  { label: 'browser credential store', re: /(^|\/)(login data|key[34]\.db|logins\.json|signons\.sqlite)$/i },
  { label: 'cloud credentials', re: /(^|\/)\.aws\/credentials$|(^|\/)\.kube\/config$/i },
  { label: 'mailbox (PST/OST)', re: /\.(pst|ost)$/i },
  { label: 'KeePass database', re: /\.kdbx?$/i },
  { label: 'memory dump', re: /\.(dmp|dump|hdmp|mdmp)$|(^|\/)lsass[^/]*$/i },
];

function normalize(name: string): string {
  return name.replace(/\\/g, '/');
}

/** Labels of the sensitive kinds seen, each with up to 3 example names. */
export function sensitiveContents(entries: readonly ArchiveEntry[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const e of entries) {
    if (e.isDirectory) continue;
    const n = normalize(e.name);
    for (const s of SENSITIVE) {
      if (!s.re.test(n)) continue;
      const list = seen.get(s.label) ?? [];
      if (list.length < 3) list.push(n);
      seen.set(s.label, list);
    }
  }
  return seen;
}

const PROFILE_RE = /(?:^|\/)(?:[a-z]:\/)?(?:users|documents and settings|home)\/([^/]+)\/(.*)$/i;
const SHARED_PROFILES = new Set(['public', 'default', 'default user', 'all users', 'shared']);
const USER_FOLDER_RE = /^(desktop|documents|my documents|downloads|pictures|onedrive[^/]*|\.ssh|appdata)\//i;

export interface ProfileSpread {
  /** Distinct user names seen in profile paths (shared profiles excluded). */
  users: string[];
  /** Entries drawn from a profile or a profile-relative user folder (Desktop/, Documents/, ...). */
  profileEntries: number;
}

export function profileSpread(entries: readonly ArchiveEntry[]): ProfileSpread {
  const users = new Set<string>();
  let profileEntries = 0;
  for (const e of entries) {
    const n = normalize(e.name);
    const m = n.match(PROFILE_RE);
    if (m) {
      profileEntries++;
      if (!SHARED_PROFILES.has(m[1]!.toLowerCase())) users.add(m[1]!);
    } else if (USER_FOLDER_RE.test(n)) profileEntries++;
  }
  return { users: [...users].sort(), profileEntries };
}

export type DangerKind = 'parent-traversal' | 'absolute' | 'drive-letter' | 'control-chars';

export function dangerousName(name: string): DangerKind | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f\u009b]/.test(name)) return 'control-chars';
  const n = normalize(name);
  if (/^[a-z]:/i.test(n)) return 'drive-letter';
  if (n.startsWith('/')) return 'absolute';
  if (n.split('/').includes('..')) return 'parent-traversal';
  return null;
}

/** Control characters (ANSI escapes, NUL, CR) shown as \xNN so a message never drives a terminal. */
export function printable(name: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[\x00-\x1f\x7f\u0080-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

export interface TimeCluster {
  inWindow: number;
  withTimes: number;
  newest: string;
}

/** Share of file entries modified in the `windowHours` before the archive's own mtime. */
export function clusterBefore(entries: readonly ArchiveEntry[], archiveModified: string | null, windowHours: number): TimeCluster | null {
  if (!archiveModified) return null;
  const end = Date.parse(archiveModified);
  if (!Number.isFinite(end)) return null;
  const start = end - windowHours * 3600_000;
  const slack = 5 * 60_000; // archivers stamp entries and the archive a few seconds apart
  let inWindow = 0;
  let withTimes = 0;
  let newest = '';
  for (const e of entries) {
    if (e.isDirectory || !e.modified) continue;
    const t = Date.parse(e.modified);
    if (!Number.isFinite(t)) continue;
    withTimes++;
    if (t >= start && t <= end + slack) inWindow++;
    if (e.modified > newest) newest = e.modified;
  }
  return { inWindow, withTimes, newest };
}

/** Extensions of user data worth stealing: documents, mail, databases, keys and credential stores. */
const USER_DATA_EXT = new Set(
  (
    'doc docx docm dot dotx xls xlsx xlsm xlsb ppt pptx pptm pps ppsx pdf rtf odt ods odp odg txt csv tsv md msg eml emlx mbox pst ost ' +
    'vsd vsdx one pub sql db sqlite sqlite3 mdb accdb dbf bak kdbx kdb pem key pfx p12 ppk jks keystore wallet ovpn rdp kml dwg dxf'
  ).split(' '),
);
/** An extension (lower case, no dot) of user data worth stealing: documents, mail, databases, keys, credential stores. */
export function isUserDataExtension(ext: string): boolean {
  return USER_DATA_EXT.has(ext);
}

/** Names of credential files without a telling extension. */
const USER_DATA_NAME = /^(id_(rsa|dsa|ecdsa|ed25519)|credentials|shadow|gshadow|login data|cookies|web data|ntds\.dit|\.netrc|\.pgpass|\.git-credentials|\.bash_history|\.zsh_history|consolehost_history\.txt|logins\.json|key[34]\.db)$/i;
/** Program files, packages, logs and configuration: what installers, caches and log rotation write. */
const PROGRAM_EXT = new Set(
  (
    'exe dll sys drv ocx cpl scr msi msp msu cab mui cat inf manifest so a o ko dylib elf bin py pyc pyd pyi js mjs cjs ts map go rs c h cc cpp hpp java class jar war rb php pl pm sh bash ps1 psm1 psd1 bat cmd vbs ' +
    'whl egg nupkg deb rpm apk gem crate tgz node json xml xsd xsl yml yaml ini cfg conf config toml properties lock log etl evtx html htm css scss less svg woff woff2 ttf otf eot ico dat pak asar vim lua tcl mo po qm sig'
  ).split(' '),
);
const PROGRAM_NAME = /^(license|licence|copying|notice|readme|changelog|changes|authors|contributors|version|makefile|dockerfile|metadata|record|wheel|installer|entry_points\.txt|top_level\.txt|third_party_licenses|go\.mod|go\.sum|cargo\.toml|package\.json)(\.[a-z]{1,4})?$/i;
/** System and program trees (configuration, crontabs, installed software); user data in them was counted above. */
const SYSTEM_TREE = /^\/?(etc|usr|opt|lib|lib64|bin|sbin|var\/lib|var\/spool\/cron|program files( \(x86\))?|windows)\//i;
/** A document name that says it ships with software (readme.txt, license.rtf) is not user data. */
const SHIPPED_DOC = /^(readme|license|licence|eula|copying|notice|changelog|changes|history|release[ _-]?notes|third[ _-]?party[^/]*)(\.[a-z]{1,4})?$/i;

export interface ContentMix {
  /** File entries (directories excluded). */
  files: number;
  userData: number;
  program: number;
  /** Up to 3 user-data names, printable. */
  examples: string[];
}

/** What an archive holds: user data (documents, mail, databases, keys) against program files, packages and logs. */
export function classifyContents(entries: readonly ArchiveEntry[]): ContentMix {
  const mix: ContentMix = { files: 0, userData: 0, program: 0, examples: [] };
  for (const e of entries) {
    if (e.isDirectory) continue;
    const n = normalize(e.name);
    mix.files++;
    const base = n.slice(n.lastIndexOf('/') + 1);
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
    // Names are tested on the base name only: 120,000 entries must stay cheap (test/artifacts/zip/hostile.test.ts).
    if (USER_DATA_NAME.test(base)) {
      mix.userData++;
      if (mix.examples.length < 3) mix.examples.push(printable(base, 60));
    } else if (PROGRAM_NAME.test(base) || SHIPPED_DOC.test(base)) mix.program++;
    else if (USER_DATA_EXT.has(ext)) {
      mix.userData++;
      if (mix.examples.length < 3) mix.examples.push(printable(base, 60));
    } else if (PROGRAM_EXT.has(ext) || (ext === '' && /(^|\/)s?bin\//i.test(n)) || SYSTEM_TREE.test(n)) mix.program++;
  }
  return mix;
}
