/**
 * What a Linux root says of the machine (model/system.ts), read from three small files of its own:
 * `etc/hostname`, the time zone (`etc/timezone`, Debian's, else the zone `etc/localtime` links to:
 * systemd's `../usr/share/zoneinfo/Europe/Berlin`; the link is read, never followed) and
 * `etc/os-release`'s PRETTY_NAME. The zone gives the Trash's deletion times, which are local, their
 * UTC (pipeline/system-facts.ts).
 */
import type { SystemFacts } from '../model/system.js';
import { isTimeZone } from '../util/zone.js';
import { readEntry, type EvidenceFs } from './fs.js';

/** These files are a line each; a larger one is not what it claims to be. */
const MAX_BYTES = 4096;

function smallText(fs: EvidenceFs, relPath: string): string | null {
  const entry = fs.lookup(relPath, false);
  if (!entry || entry.size > MAX_BYTES) return null;
  return readEntry(fs, entry, (opened) => opened.read(0, Math.min(entry.size, MAX_BYTES)).toString('utf8'));
}

/** An IANA zone name Intl knows, from what a file says: 'Europe/Berlin', never a path or a command. */
function zoneName(text: string | null | undefined): string | null {
  const name = text?.trim() ?? '';
  return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,3}$/.test(name) && isTimeZone(name) ? name : null;
}

/** The machine facts of a Linux root, or null when it has none of these files. */
export function unixSystemFacts(fs: EvidenceFs): SystemFacts | null {
  const out: SystemFacts = {};
  const hostname = smallText(fs, 'etc/hostname')?.split('\n')[0]?.trim();
  if (hostname && /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(hostname)) out.hostname = hostname;
  const debian = zoneName(smallText(fs, 'etc/timezone')?.split('\n')[0]);
  const link = fs.lookup('etc/localtime', false);
  const linked = link?.type === 'symlink' ? zoneName(/zoneinfo\/(.+)$/.exec(link.linkTarget ?? '')?.[1]) : null;
  if (debian) out.ianaTimeZone = { name: debian, source: 'etc/timezone' };
  else if (linked) out.ianaTimeZone = { name: linked, source: 'etc/localtime (a link to its zone)' };
  const pretty = /^PRETTY_NAME=("?)([^"\n]{1,256})\1\s*$/m.exec(smallText(fs, 'etc/os-release') ?? '');
  if (pretty) out.productName = pretty[2]!;
  return Object.keys(out).length > 0 ? { ...out, sources: ['etc'] } : null;
}
