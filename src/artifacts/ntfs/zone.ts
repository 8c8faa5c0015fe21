/**
 * Zone.Identifier, the alternate data stream Windows' attachment manager writes on downloaded files
 * (Mark of the Web): an INI text with `[ZoneTransfer]`, `ZoneId=3` (Internet), and since Windows 10
 * `ReferrerUrl=` and `HostUrl=`. References: Microsoft, "Persistent Zone Identifier Object"
 * (learn.microsoft.com/en-us/previous-versions/windows/internet-explorer/ie-developer/platform-apis/ms537029(v=vs.85));
 * URLZONE values 0 local machine, 1 intranet, 2 trusted, 3 Internet, 4 restricted.
 */

export interface ZoneIdentifier {
  zoneId: number | null;
  referrerUrl: string | null;
  hostUrl: string | null;
}

/** Longest URL kept (the stream is attacker-controlled; a real one is a few hundred bytes). */
const MAX_URL = 2048;
/** Bytes of the stream looked at. */
const MAX_ZONE_BYTES = 16 * 1024;

export const ZONE_STREAM = /^zone\.identifier$/i;

/** The fields of a Zone.Identifier stream (UTF-8 or UTF-16LE with BOM), or null when it holds none. */
export function parseZoneIdentifier(value: Buffer): ZoneIdentifier | null {
  const head = value.subarray(0, MAX_ZONE_BYTES);
  const text = head.length >= 2 && head[0] === 0xff && head[1] === 0xfe ? head.toString('utf16le', 2) : head.toString('utf8');
  let zoneId: number | null = null;
  let referrerUrl: string | null = null;
  let hostUrl: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(ZoneId|ReferrerUrl|HostUrl)\s*=\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const v = m[2]!.slice(0, MAX_URL);
    if (key === 'zoneid' && /^\d{1,3}$/.test(v)) zoneId = Number(v);
    else if (key === 'referrerurl') referrerUrl = v;
    else if (key === 'hosturl') hostUrl = v;
  }
  return zoneId === null && referrerUrl === null && hostUrl === null ? null : { zoneId, referrerUrl, hostUrl };
}
