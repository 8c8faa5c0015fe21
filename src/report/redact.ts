/**
 * --redact: passwords and secrets typed in commands (an archiver's `-p`/`-hp` switch, `-Password`,
 * `ConvertTo-SecureString`, tokens, credentials in URLs) are replaced by «redacted» in the human
 * formats (table, HTML, Markdown). The JSON keeps the evidence exact: a password is evidence.
 * Every pattern is linear (no nested quantifiers) and runs on bounded text.
 */
import type { Finding } from '../model/finding.js';
import type { Episode, ScanReport, TimelineRow } from '../model/report.js';

export const REDACTED = '«redacted»';

/** A quoted or bare command-line argument value. */
const VALUE = String.raw`(?:"[^"\r\n]*"|'[^'\r\n]*'|[^\s"']+)`;

/** Names of tools whose `-p<password>` switch is a password (7-Zip, RAR, zip, MySQL, sshpass). */
const PASSWORD_SWITCH_TOOLS = /7z|7-zip|rar|zip|mysql|sshpass/i;

interface Pattern {
  re: RegExp;
  /** Only applied when the text also matches this (a `-p` switch means a password only for some tools). */
  when?: RegExp;
  /** How many leading capture groups are kept before the secret. */
  keep: number;
}

const PATTERNS: Pattern[] = [
  // RAR: -hp<password> encrypts the file list too; -p<password> (7-Zip, RAR, zip, mysql).
  { re: new RegExp(String.raw`((?:^|\s)-hp)(${VALUE})`, 'gi'), keep: 1 },
  { re: new RegExp(String.raw`((?:^|\s)-p)((?:"[^"\r\n]*"|'[^'\r\n]*'|[^\s"'-][^\s"']*))`, 'g'), when: PASSWORD_SWITCH_TOOLS, keep: 1 },
  // zip/unzip -P <password>, sshpass -p <password>, --password <value> / --password=<value>.
  { re: new RegExp(String.raw`((?:^|\s)-P\s+)(${VALUE})`, 'g'), when: /zip/i, keep: 1 },
  { re: new RegExp(String.raw`((?:^|\s)-p\s+)(${VALUE})`, 'g'), when: /sshpass/i, keep: 1 },
  { re: new RegExp(String.raw`((?:^|\s)--?(?:password|passwd|pass|token|api-?key|secret)(?:\s+|=))(${VALUE})`, 'gi'), keep: 1 },
  // PowerShell: -Password <value>, ConvertTo-SecureString [-String] <value>.
  { re: new RegExp(String.raw`(ConvertTo-SecureString\s+(?:-String\s+)?)(${VALUE})`, 'gi'), keep: 1 },
  // openssl -pass pass:<value>, -k <value>.
  { re: /(\bpass:)([^\s"']+)/gi, keep: 1 },
  { re: new RegExp(String.raw`((?:^|\s)-k\s+)(${VALUE})`, 'g'), when: /openssl/i, keep: 1 },
  // key=value secrets and HTTP credentials.
  { re: /(\b(?:password|passwd|pwd|secret|token|api_?key|access_?key)(?:\s*=\s*|:(?=[^\s/\\])))("[^"\r\n]*"|'[^'\r\n]*'|[^\s"'&;]+)/gi, keep: 1 },
  { re: /(\bAuthorization:\s*(?:Bearer|Basic)\s+|\bBearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi, keep: 1 },
  { re: /(\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s:/@]{1,64}:)([^\s@/]{1,128})(@)/gi, keep: 1 },
  // Well-known token shapes: GitHub, AWS access key ids, Slack.
  { re: /()(\bgh[pousr]_[A-Za-z0-9]{30,255}|\bAKIA[0-9A-Z]{16}\b|\bxox[abpsr]-[A-Za-z0-9-]{10,200})/g, keep: 1 },
];

/** The text with secrets replaced, and how many were. */
export function redactText(text: string): { text: string; count: number } {
  let count = 0;
  let out = text;
  for (const p of PATTERNS) {
    if (p.when && !p.when.test(out)) continue;
    out = out.replace(p.re, (...m: unknown[]) => {
      const groups = m.slice(1, -2) as Array<string | undefined>;
      const secret = groups[p.keep] ?? '';
      if (secret === '' || secret === REDACTED || secret === `"${REDACTED}"`) return String(m[0]);
      count++;
      const tail = groups.slice(p.keep + 1).join('');
      return `${groups.slice(0, p.keep).join('')}${REDACTED}${tail}`;
    });
  }
  return { text: out, count };
}

/** Where secrets were hidden, for the report's notice: "finding 1234abcd (path)", "timeline", "episode E1". */
export interface RedactionNote {
  where: string;
  count: number;
}

/** Deepest nesting walked in a finding's details (they are bounded records, not evidence trees). */
const MAX_DEPTH = 8;

function redactValue<T>(value: T, counter: { n: number }, depth = 0): T {
  if (typeof value === 'string') {
    const r = redactText(value);
    counter.n += r.count;
    return r.text as T;
  }
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, counter, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'id' || k === 'findingIds' || k === 'findingId' ? v : redactValue(v, counter, depth + 1);
  return out as T;
}

/** A copy of the report whose evidence text is redacted, and the list of places where it was. */
export function redactReport(report: ScanReport): { report: ScanReport; notes: RedactionNote[] } {
  const notes: RedactionNote[] = [];
  const findings = report.findings.map((f): Finding => {
    const counter = { n: 0 };
    const copy = redactValue(f, counter);
    if (counter.n) notes.push({ where: `finding ${f.id} (${copy.path})`, count: counter.n });
    return copy;
  });
  const timelineCounter = { n: 0 };
  const timeline = Array.from(report.timeline, (r): TimelineRow => ({ ...r, description: redactValue(r.description, timelineCounter), path: redactValue(r.path, timelineCounter) }));
  if (timelineCounter.n) notes.push({ where: 'timeline', count: timelineCounter.n });
  const episodes = report.episodes?.map((e): Episode => {
    const counter = { n: 0 };
    const copy = redactValue(e, counter);
    if (counter.n) notes.push({ where: `episode ${e.id}`, count: counter.n });
    return copy;
  });
  return { report: { ...report, findings, timeline, ...(episodes ? { episodes } : {}) }, notes };
}

/** One sentence for the report: that redaction happened, how much and where. */
export function redactionNotice(notes: readonly RedactionNote[]): string {
  if (notes.length === 0) return 'Redaction (--redact) was on: no password or secret was found in the evidence text.';
  const total = notes.reduce((s, n) => s + n.count, 0);
  return `Redaction (--redact) was on: ${total} password${total === 1 ? '' : 's'} or secret${total === 1 ? '' : 's'} in commands are shown as ${REDACTED} here (the JSON output keeps them as evidence), in: ${notes.map((n) => `${n.where} (${n.count})`).join('; ')}.`;
}
