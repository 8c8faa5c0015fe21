/**
 * WordWheelQuery (NTUSER.DAT, Software\Microsoft\Windows\CurrentVersion\Explorer\WordWheelQuery):
 * what the user typed into Explorer's search box (Windows 7 and later), one REG_BINARY per search
 * (UTF-16LE, NUL-terminated) named 0, 1, 2, ..., ordered by MRUListEx (most recent first). Before an
 * operator stages data on a desktop session they look for it: `password`, `*.kdbx`, `*.docx`,
 * `ext:pst`. Those searches are the collection step that precedes the staging folder, and they stay
 * here when the folder and the archive are gone. The key's last-written time is when the most recent
 * search (position 0) was typed. RegRipper's wordwheelquery plugin and RECmd's Kroll batch read the
 * same key; they list every term, this judges them: only a search for credentials or one that sweeps a
 * whole type of user data (documents, mail, databases, keys, archives) becomes a finding.
 */
import type { Candidate, Hit } from '../../rules/types.js';
import { decodeUtf16String } from '../regf/decode.js';
import { isUserDataExtension, printable } from '../archive/indicators.js';
import { isArchiveName } from '../history/paths.js';
import { registryCandidate } from './candidate.js';
import { mruListExOrder } from './mru.js';
import { valueBytes, type HiveView } from './view.js';

export const WORD_WHEEL_QUERY_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\WordWheelQuery';

/** Explorer's search box takes a line; a value of a hive may hold megabytes. Longer terms are cut here. */
const MAX_TERM_CHARS = 1024;
/** An `a OR b OR c` search is judged term by term, at most this many. */
const MAX_TOKENS = 32;

export interface SearchTerm {
  value: string;
  term: string;
  /** Position in MRUListEx (0 = most recent), or null when the list leaves it out. */
  mruPosition: number | null;
}

/** The searches, most recent first (those MRUListEx leaves out last, in value-name order). */
export function collectWordWheelQuery(view: HiveView): { terms: SearchTerm[]; keyLastWritten: string | null } {
  const node = view.get(WORD_WHEEL_QUERY_KEY);
  if (!node) return { terms: [], keyLastWritten: null };
  const order = mruListExOrder(node);
  const terms: SearchTerm[] = [];
  for (const v of node.values) {
    if (/^mrulistex$/i.test(v.name)) continue;
    // REG_BINARY as Explorer writes it; a REG_SZ written by hand reads the same through valueBytes.
    const term = decodeUtf16String(valueBytes(v).subarray(0, MAX_TERM_CHARS * 2));
    if (term.trim() === '') continue;
    terms.push({ value: v.name, term, mruPosition: order.get(v.name) ?? null });
  }
  terms.sort((a, b) => (a.mruPosition ?? Infinity) - (b.mruPosition ?? Infinity) || a.value.localeCompare(b.value, 'en', { numeric: true }));
  return { terms, keyLastWritten: node.lastWritten };
}

/**
 * Words of a search for credentials or secrets, in the languages an analyst is most likely to meet.
 * Whole words only: "passport" and "secretary" are not searches for passwords.
 */
const CREDENTIAL_WORDS =
  /(?:^|[^\p{L}\p{N}_])(passwords?|passwd|pwds?|passw|kennw[oö]rt(?:er)?|mot de passe|contrase[ñn]as?|senhas?|парол[ьи]|credentials?|creds|secrets?|confidential|private[ _-]?keys?|privkey|id_(?:rsa|dsa|ecdsa|ed25519)|keepass|ntds(?:\.dit)?|unattend(?:ed)?\.xml|logins\.json|login data)(?=$|[^\p{L}\p{N}_])/iu;

/** Extensions of credential stores and keys: a search for any of them is a search for credentials. */
const CREDENTIAL_EXT = new Set(['kdbx', 'kdb', 'pfx', 'p12', 'ppk', 'pem', 'jks', 'keystore', 'ovpn']);

/** Explorer's Advanced Query Syntax for a type: ext:docx, ext:.docx, fileext:pdf, type:.xlsx, extension:pst. */
const AQS_EXTENSION = /^(?:ext|fileext|extension|type|filetype)\s*:\s*[=]?\s*\.?([a-z0-9]{1,10})\*?$/i;
/** A wildcard or a bare extension: *.docx, *.xls*, .pst, *docx. */
const WILDCARD_EXTENSION = /^\*?\*?\.([a-z0-9]{1,10})\*?$|^\*([a-z0-9]{2,10})$/i;
/** kind:document, kind:=docs, kind:email, kind:e-mail. */
const AQS_KIND = /^kind\s*:\s*=?\s*(documents?|docs?|e-?mails?|mail)$/i;

export type SearchIntent = { kind: 'credentials'; said: string } | { kind: 'sweep'; said: string; what: string };

/**
 * What a search looks for: credentials (a word above, or a credential store's extension), or every
 * file of a type of user data (a wildcard, a bare extension or the ext:/kind: syntax); else null.
 */
export function searchIntent(term: string): SearchIntent | null {
  const t = term.trim();
  const word = CREDENTIAL_WORDS.exec(t);
  if (word) return { kind: 'credentials', said: word[1]! };
  const tokens = t.split(/\s+(?:or\s+)?|\s*[;,|]\s*/i).filter((x) => x !== '' && !/^(or|and)$/i.test(x)).slice(0, MAX_TOKENS);
  for (const token of tokens) {
    const kind = AQS_KIND.exec(token);
    if (kind) return { kind: 'sweep', said: token, what: /mail/i.test(kind[1]!) ? 'mail' : 'documents' };
    const m = AQS_EXTENSION.exec(token) ?? WILDCARD_EXTENSION.exec(token);
    const ext = (m?.[1] ?? m?.[2])?.toLowerCase();
    if (!ext) continue;
    if (CREDENTIAL_EXT.has(ext)) return { kind: 'credentials', said: token };
    if (isArchiveName(`x.${ext}`)) return { kind: 'sweep', said: token, what: 'archives' };
    if (isUserDataExtension(ext)) return { kind: 'sweep', said: token, what: `.${ext} files` };
  }
  return null;
}

/** Explorer searches for credentials or for a whole type of user data, as registry findings at their value. */
export function detectWordWheelQuery(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  const node = view.get(WORD_WHEEL_QUERY_KEY);
  if (!node) return [];
  const out: Candidate[] = [];
  for (const s of collectWordWheelQuery(view).terms) {
    const intent = searchIntent(s.term);
    if (!intent) continue;
    const shown = printable(s.term, 200);
    const hit: Hit = intent.kind === 'credentials'
      ? { rule: 'registry-search-credentials', message: `Explorer search for "${shown}" (${printable(intent.said, 60)}: credentials or secrets)` }
      : { rule: 'registry-search-file-sweep', message: `Explorer search for "${shown}": every file of a kind (${intent.what})` };
    const searched = s.mruPosition === 0 && node.lastWritten ? [{ time: node.lastWritten, type: 'searched', description: `${user ?? 'the user'} searched Explorer for "${shown}"` }] : [];
    out.push(registryCandidate({ hivePath, node, value: s.value, user, hits: [hit], events: searched, format: 'wordwheelquery', details: { list: 'WordWheelQuery', term: s.term.slice(0, MAX_TERM_CHARS), mruPosition: s.mruPosition } }));
  }
  return out;
}
