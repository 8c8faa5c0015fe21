/**
 * Pure judgements over archive entry names and times, used by detect.ts. Each returns what it
 * saw so the reason message can name the evidence.
 */
import type { ArchiveEntry } from './summary.js';

const SENSITIVE: { label: string; re: RegExp }[] = [
  { label: 'ntds.dit', re: /(^|\/)ntds\.dit$/i },
  { label: 'registry hive (SAM/SYSTEM/SECURITY)', re: /(^|\/)(sam|system|security)(\.(hiv|save|bak|sav|hive))?$/i },
  { label: 'SSH private key', re: /(^|\/)\.ssh\/(id_(rsa|dsa|ecdsa|ed25519)(_sk)?)$|(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/i },
  { label: '/etc/shadow', re: /(^|\/)etc\/g?shadow-?$/i },
  { label: 'browser credential store', re: /(^|\/)(login data|key[34]\.db|logins\.json|signons\.sqlite)$/i },
  { label: 'cloud credentials', re: /(^|\/)\.aws\/credentials$|(^|\/)\.kube\/config$/i },
  { label: 'mailbox (PST/OST)', re: /\.(pst|ost)$/i },
  { label: 'KeePass database', re: /\.kdbx?$/i },
  { label: 'memory dump', re: /\.(dmp|dump|hdmp|mdmp)$|(^|\/)lsass[^/]*$/i },
];

function normalise(name: string): string {
  return name.replace(/\\/g, '/');
}

/** Labels of the sensitive kinds seen, each with up to 3 example names. */
export function sensitiveContents(entries: readonly ArchiveEntry[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const e of entries) {
    if (e.isDirectory) continue;
    const n = normalise(e.name);
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
    const n = normalise(e.name);
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
  const n = normalise(name);
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
