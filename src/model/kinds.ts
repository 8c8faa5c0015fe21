/**
 * Finding kinds and their locators, declared once. A locator says where inside an artifact the
 * evidence is (an archive entry, a registry key and value, a history line, a Recycle Bin item's
 * original path). The engine derives ids from LOCATOR_FIELDS, correlation and inspect test
 * them with it, and every writer shows them with locatorParts; FINDING_KINDS is a Record over
 * FindingKind, so a new kind that is not given a row here fails to compile.
 * Adding a kind: docs/adding-a-parser.md.
 */
import type { EventLocator, FindingKind } from './finding.js';

/**
 * Every locator field, in the order the stable id hashes them (src/rules/engine.ts findingId):
 * never reorder or insert in the middle, ids would change; a new locator goes at the end.
 */
export const LOCATOR_FIELDS = ['key', 'value', 'entry', 'line', 'originalPath', 'event', 'mftEntry', 'mftSequence', 'usn', 'jumpEntry', 'correlation'] as const;
export type LocatorField = (typeof LOCATOR_FIELDS)[number];

export interface Locators {
  /** Registry key path below the hive's root key. */
  key?: string;
  /** Registry value name under `key`. */
  value?: string;
  /** Entry name inside an archive. */
  entry?: string;
  /** 1-based line of a history command. */
  line?: number;
  /** Where a deleted item lived (Recycle Bin `$I`/INFO2, Trash `.trashinfo`). */
  originalPath?: string;
  /** The record of an event log (EVTX channel, or `audit` for auditd with the serial as record id). */
  event?: EventLocator;
  // NTFS traces (issue 13, docs/ntfs.md): the MFT record (entry and sequence) or the USN journal record.
  /** MFT entry number of an `mft-record` finding. */
  mftEntry?: number;
  /** Sequence number of that MFT entry (which life of the entry). */
  mftSequence?: number;
  /** USN (the byte offset in $UsnJrnl:$J) of the first journal record of a `usn-record` finding. */
  usn?: number;
  /** A Jump List entry (access artifacts): the LNK stream name (hex DestList entry number) or `#N`, the N-th link of a CustomDestinations file. */
  jumpEntry?: string;
  /** A Sigma correlation's firing: the correlation (its id, else its title) and the group (`by User=alice`); `event` is its first record. */
  correlation?: string;
}

/**
 * The independent kinds of evidence an episode counts (src/timeline/evidence.ts); a file or archive
 * entry counts as 'archive' when its reasons are about an archive, as 'recycle-bin' inside a bin.
 */
export type EvidenceKind = 'file' | 'archive' | 'recycle-bin' | 'history' | 'registry' | 'event' | 'ntfs' | 'execution' | 'access';

export interface KindSpec {
  /** What the finding is about. */
  description: string;
  /** The evidence kind a finding of this kind counts as in an episode (the first of EVIDENCE_KINDS' order). */
  evidence: EvidenceKind;
  /** The locators a finding of this kind carries (the others stay absent). */
  locators: readonly LocatorField[];
}

export const FINDING_KINDS: Readonly<Record<FindingKind, KindSpec>> = {
  file: { evidence: 'file', description: 'a file on disk (archive, blob, hive copy, ...)', locators: [] },
  directory: { evidence: 'file', description: 'a directory (staging burst, hidden dir, fake recycle folder)', locators: [] },
  'archive-entry': { evidence: 'archive', description: 'an entry inside an archive', locators: ['entry'] },
  'recycle-bin': { evidence: 'recycle-bin', description: 'a $I / INFO2 record or a $R without $I', locators: ['originalPath'] },
  trash: { evidence: 'recycle-bin', description: 'a freedesktop / macOS Trash item', locators: ['originalPath'] },
  history: { evidence: 'history', description: 'a shell / PowerShell history command', locators: ['line'] },
  registry: { evidence: 'registry', description: 'a registry key or value', locators: ['key', 'value'] },
  event: { evidence: 'event', description: 'an event-log record (EVTX process creation, script block, file create/delete; auditd EXECVE), or the records a Sigma correlation counted (from its first)', locators: ['event', 'correlation'] },
  // NTFS traces (issue 13)
  'mft-record': { evidence: 'ntfs', description: 'an MFT record (deleted or live) of a staged file, from an image or a collected $MFT', locators: ['originalPath', 'mftEntry', 'mftSequence'] },
  'i30-entry': { evidence: 'ntfs', description: 'the name of a staged file that a folder\'s $I30 index keeps in its slack (MFT record or INDX block) after the file is gone', locators: ['originalPath', 'mftEntry', 'mftSequence'] },
  'usn-record': { evidence: 'ntfs', description: 'the USN journal life of one file or folder (create, extend, rename, delete), from $UsnJrnl:$J', locators: ['originalPath', 'usn'] },
  'logfile-record': { evidence: 'ntfs', description: 'the $LogFile life of a staged file (index entries added and removed, MFT record initialised and freed) where the USN journal shows none', locators: ['originalPath', 'mftEntry', 'mftSequence'] },
  // scan --carve: path `$Unalloc/cluster-N` (NTFS, FAT, exFAT) or `$Unalloc/block-N` (ext) names the unit the archive begins at (details.carved)
  carved: { evidence: 'archive', description: 'an archive carved from the free space of an image\'s file system, that no file names any more (scan --carve)', locators: [] },
  // execution artifacts (issue 15): Prefetch points at the .pf file, Amcache and AppCompatCache at a key (and value)
  execution: { evidence: 'execution', description: 'a program run recorded by Prefetch, Amcache or AppCompatCache (ShimCache)', locators: ['key', 'value'] },
  // access artifacts (issue 15 part B): a .lnk (no locator), a Jump List entry, a ShellBags key/value
  access: { evidence: 'access', description: 'an LNK, Jump List or ShellBags entry: an archive or staging folder the user opened or browsed', locators: ['key', 'value', 'jumpEntry'] },
  // issue 17: path is the directory; details.summarised says which rule, how many, of which levels and kinds
  summary: { evidence: 'file', description: 'low/info findings of one rule in one directory beyond the cap, folded into one (scan --keep-all-low lists them)', locators: [] },
};

/** An NTFS trace (MFT record, $I30 slack name, USN journal or $LogFile life): a deleted file's metadata, not the file. */
export function isNtfsTrace(f: { kind: FindingKind }): boolean {
  return FINDING_KINDS[f.kind].evidence === 'ntfs';
}

/** Every evidence kind, in the order episodes list them: derived from FINDING_KINDS (first use wins). */
export const EVIDENCE_KINDS: readonly EvidenceKind[] = [...new Set(Object.values(FINDING_KINDS).map((k) => k.evidence))];

const NTFS_LOCATORS = ['mftEntry', 'mftSequence', 'usn'] as const;
const APPENDED_LOCATORS: ReadonlySet<LocatorField> = new Set<LocatorField>(['event', ...NTFS_LOCATORS, 'jumpEntry', 'correlation']);

/**
 * The locator values in id order, '' for an absent one (the stable id's input). The event locator
 * (an object) adds its channel, record id and event id only when present, so the ids of the kinds
 * declared before it did not change.
 */
export function locatorIdParts(l: Locators): string[] {
  const parts = LOCATOR_FIELDS.filter((field) => !APPENDED_LOCATORS.has(field)).map((field) => String(l[field] ?? ''));
  if (l.event) parts.push(l.event.channel ?? '', String(l.event.recordId), String(l.event.eventId ?? ''));
  // Only when set: a recovered record may share its id with a current one; other ids stay as they were.
  if (l.event?.recovered) parts.push('recovered');
  // Locators added after `event` join only when present, so existing ids stay as they were.
  for (const field of NTFS_LOCATORS) if (l[field] !== undefined) parts.push(`${field}=${l[field]}`);
  if (l.jumpEntry !== undefined) parts.push(`jump:${l.jumpEntry}`);
  if (l.correlation !== undefined) parts.push(`correlation:${l.correlation}`);
  return parts;
}

/** "Security event 4688 record 17": where an event finding sits in its log. */
export function eventLocatorText(e: EventLocator): string {
  return `${e.channel ?? 'log'} event ${e.eventId ?? '?'} record ${e.recordId}${e.recovered ? ' (recovered from slack)' : ''}`;
}

/** True when any locator is set: the finding points inside its file, not at the file itself. */
export function hasLocators(l: Locators): boolean {
  return LOCATOR_FIELDS.some((field) => l[field] !== undefined);
}

/** The human writers' ways of showing a locator (each fixed by its golden or documented output). */
export type LocatorStyle = 'view' | 'table' | 'bodyfile' | 'explain';

/** The locators a writer shows, in display order; `value` is shown with its key, `mftSequence` with `mftEntry`. */
type ShownLocator = Exclude<LocatorField, 'value' | 'mftSequence'>;

/**
 * How each locator reads in each style, one row per locator (a Record: a new locator fails to
 * compile until it is given its text here).
 */
const LOCATOR_TEXT: { readonly [F in ShownLocator]: (l: Locators, style: LocatorStyle) => string } = {
  entry: (l, style) => (style === 'bodyfile' || style === 'explain' ? `${l.entry}` : `entry ${l.entry}`),
  key: (l, style) => {
    const value = l.value;
    if (style === 'view') return `key ${l.key}${value !== undefined ? ` value ${value}` : ''}`;
    if (style === 'bodyfile') return `${l.key}${value !== undefined ? `\\${value}` : ''}`;
    return `${l.key}${value !== undefined ? ` : ${value}` : ''}`;
  },
  originalPath: (l, style) => (style === 'explain' ? `${l.originalPath}` : `was ${l.originalPath}`),
  line: (l) => `line ${l.line}`,
  event: (l) => (l.event ? eventLocatorText(l.event) : ''),
  // NTFS traces (issue 13)
  mftEntry: (l) => `MFT entry ${l.mftEntry}-${l.mftSequence ?? '?'}`,
  usn: (l) => `USN ${l.usn}`,
  jumpEntry: (l) => `jump list entry ${l.jumpEntry}`,
  correlation: (l) => `correlation ${l.correlation}`,
};

/** Display order: the entry first, the event last. */
const DISPLAY_ORDER: readonly ShownLocator[] = ['entry', 'key', 'originalPath', 'line', 'mftEntry', 'usn', 'correlation', 'event', 'jumpEntry'];

/**
 * Locators as a human writer shows them: view 'entry a.txt', 'key K value V', 'was C:\x', 'line 3';
 * table 'K : V'; bodyfile 'K\V' (the first one only); explain the entry or original path bare.
 */
export function locatorParts(l: Locators, style: LocatorStyle = 'view'): string[] {
  const parts: string[] = [];
  for (const field of DISPLAY_ORDER) if (l[field] !== undefined) parts.push(LOCATOR_TEXT[field](l, style));
  return parts;
}

/**
 * The order locators take in a finding object (its JSON form, docs/output.md): the engine copies
 * them from the candidate in this order; `deletedAt` follows them.
 */
const FINDING_FIELD_ORDER: readonly LocatorField[] = ['key', 'value', 'originalPath', 'entry', 'line', 'event', 'mftEntry', 'mftSequence', 'usn', 'jumpEntry', 'correlation'];

function copyLocator<K extends LocatorField>(from: Locators, to: Locators, field: K): void {
  const v = from[field];
  if (v !== undefined) to[field] = v;
}

/** Copies the locators that are set from a candidate onto a finding (or any Locators), in finding order. */
export function copyLocators(from: Locators, to: Locators): void {
  for (const field of FINDING_FIELD_ORDER) copyLocator(from, to, field);
}

/**
 * The column each locator has in the CSV and Timesketch writers; the writers derive their locator
 * columns from this table, in its order (src/report/csv-columns.ts). A new locator gets its row
 * here (a Record: it fails to compile until it has one); append it, the columns before it are a
 * contract (docs/output.md). An event's channel, event id and record id share one column, as the
 * view shows them ("Security event 4688 record 17").
 */
export const LOCATOR_COLUMNS: Readonly<Record<LocatorField, { csv: string; timesketch: string }>> = {
  entry: { csv: 'entry', timesketch: 'entry' },
  key: { csv: 'key', timesketch: 'key' },
  value: { csv: 'value', timesketch: 'value' },
  originalPath: { csv: 'originalPath', timesketch: 'original_path' },
  line: { csv: 'line', timesketch: 'line' },
  event: { csv: 'event', timesketch: 'event' },
  mftEntry: { csv: 'mftEntry', timesketch: 'mft_entry' },
  mftSequence: { csv: 'mftSequence', timesketch: 'mft_sequence' },
  usn: { csv: 'usn', timesketch: 'usn' },
  jumpEntry: { csv: 'jumpEntry', timesketch: 'jump_entry' },
  correlation: { csv: 'correlation', timesketch: 'correlation' },
};

/** A locator's value as one cell: the event locator as its text, the others as they are. */
export function locatorCell(l: Locators, field: LocatorField): string | number | undefined {
  if (field === 'event') return l.event ? eventLocatorText(l.event) : undefined;
  return l[field];
}

/** For exhaustive switches over a union: a new member fails to compile where it is not handled. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${String(value)}`);
}
