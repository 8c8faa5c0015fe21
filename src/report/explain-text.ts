/**
 * `explain --format text`: what one file is and why it scores as it does, for a person: the
 * archive's entry list, the `$I`/INFO2, Trash or history record, the files it links to, the same
 * reasons the scan gives (one scoring path, computed by the explain command), "why not higher".
 * No JSON: records are shown as labelled fields; p-values and entropy are rounded.
 */
import { displayText } from '../util/text.js';
import type { ArchiveSummary } from '../artifacts/archive/summary.js';
import { locatorParts } from '../model/kinds.js';
import type { ExplainReport } from '../model/explain.js';


/** Records listed per parser in text mode (the JSON output keeps up to 50). */
const MAX_RECORDS = 40;

function text(v: unknown, max = 200): string {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return displayText(v.map((x) => (typeof x === 'object' ? '…' : String(x))).join(', '), max);
  if (typeof v === 'object') return '…';
  return displayText(String(v), max);
}

/** A probability for people: 3 significant digits, "< 1e-300" for an underflow to 0. */
export function roundP(p: unknown): string {
  if (typeof p !== 'number' || Number.isNaN(p)) return '-';
  if (p === 0) return '< 1e-300';
  if (p >= 0.001) return String(Number(p.toPrecision(3)));
  return p.toExponential(2);
}

function size(n: unknown): string {
  return typeof n === 'number' ? `${n} bytes` : 'size unknown';
}

/** One record as a line: the fields an analyst reads for each record type, labelled. */
function recordLine(rec: unknown): string {
  const r = (rec ?? {}) as Record<string, unknown>;
  switch (r.type) {
    case 'archive-entry': {
      // A directory ends in '/' (ZIP and tar names already do; 7z and RAR names do not).
      const name = text(r.name, 160);
      return `${name}${r.isDirectory && !name.endsWith('/') ? '/' : ''}  ${size(r.size)}${r.modified ? `, modified ${text(r.modified)}` : ''}${r.encrypted ? ', encrypted' : ''}${r.method ? `, ${text(r.method)}` : ''}`;
    }
    case 'recycle-bin-entry':
      return `deleted ${text(r.deletedAt)}: was ${text(r.originalPath, 240)} (${size(r.size)}; ${text(r.format)}); its data file ${text(r.dataFile)}: ${r.dataFileStatus === 'file' ? 'present' : text(r.dataFileStatus)}`;
    case 'history-command':
      return `line ${text(r.line)}${r.time ? ` at ${text(r.time)}` : ''} (${text(r.shell)}${r.user ? `, ${text(r.user)}` : ''}): ${text(r.command, 300)}`;
    case 'registry-hive': {
      // A hive read with its transaction logs says so: its fields are the completed base block's.
      const replayed = r.replayed as { logs?: unknown; entries?: unknown; firstSequence?: unknown; lastSequence?: unknown; found?: { sequence1?: unknown; sequence2?: unknown } } | undefined;
      if (!replayed) return scalarLine(r);
      const logs = Array.isArray(replayed.logs) ? replayed.logs : [];
      return `${scalarLine(r)}; read with its transaction logs: ${text(replayed.entries)} ${replayed.entries === 1 ? 'entry' : 'entries'} (sequence ${text(replayed.firstSequence)} to ${text(replayed.lastSequence)}) of ${text(logs)} applied, on disk sequence ${text(replayed.found?.sequence1)} != ${text(replayed.found?.sequence2)}`;
    }
    default:
      return scalarLine(r);
  }
}

/** Any record as its scalar fields, labelled (registry values, trash info, event records...). */
function scalarLine(r: Record<string, unknown>): string {
  const fields = Object.entries(r)
    .filter(([k, v]) => k !== 'type' && v !== null && v !== undefined && typeof v !== 'object')
    .slice(0, 8)
    .map(([k, v]) => `${k} ${text(v, 120)}`);
  return `${text(r.type)}: ${fields.join('; ')}`;
}

/** Files a record points at: the $R data file of a $I record, the archive a history command writes... */
function linksOf(records: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const rec of records) {
    const r = (rec ?? {}) as Record<string, unknown>;
    if (r.type === 'recycle-bin-entry') {
      out.push(`original location: ${text(r.originalPath, 240)}`);
      out.push(`data file: ${text(r.dataFile)} (${r.dataFileStatus === 'file' ? 'present next to it' : text(r.dataFileStatus)})`);
    }
  }
  return out;
}

export function archiveLine(a: ArchiveSummary): string {
  const volume = a.volume;
  const parts = [
    String(a.format),
    a.entryCount === null ? 'entry list unreadable' : `${String(a.entryCount)} entries`,
    a.encryptedEntryCount === null ? 'encrypted entries unknown' : `${String(a.encryptedEntryCount)} encrypted`,
    a.headersEncrypted ? 'file list (headers) encrypted: entry names cannot be read without the password' : 'file list readable',
    volume?.multiVolume ? `volume ${volume.index === null ? '?' : volume.index + 1} of a multi-volume set` : 'single volume',
  ];
  if (a.encryption.length) parts.push(`encryption: ${a.encryption.join(', ')}`);
  if (a.packageType) parts.push(`package: ${String(a.packageType)}`);
  if (a.selfExtracting) parts.push('self-extracting');
  if (a.inner) parts.push(`contains ${String(a.inner)}`);
  return displayText(parts.join('; '), 400);
}

/** The archives inside one (archive/nested.ts): each listed one with its format and count, then what was not listed and why. */
export function nestedLine(a: ArchiveSummary): string | null {
  const n = a.nested;
  if (!n) return null;
  const listed = n.listed.slice(0, 10).map((x) => {
    const state = x.headersEncrypted ? 'headers encrypted' : `${x.entryCount ?? '?'} entries${x.encryptedEntryCount ? `, ${x.encryptedEntryCount} encrypted` : ''}`;
    return `${x.member} (${x.format}, ${state}${x.truncated ? ', cut short' : ''})`;
  });
  if (n.listed.length > 10) listed.push(`${n.listed.length - 10} more`);
  const skipped = n.notListed.slice(0, 5).map((x) => `${x.member} (${x.why}: ${x.detail})`);
  if (n.notListedCount > skipped.length) skipped.push(`${n.notListedCount - skipped.length} more`);
  const parts = [listed.length ? listed.join('; ') : 'none listed'];
  if (skipped.length) parts.push(`not listed: ${skipped.join('; ')}`);
  return displayText(parts.join('; '), 600);
}

export function explainText(r: ExplainReport<ArchiveSummary>): string {
  const lines = [
    `file:           ${text(r.path, 300)}`,
    `root:           ${text(r.root)} (${text(r.os)}), relative path ${text(r.relativePath, 300)}`,
    `hotspot:        ${r.hotspot ? `${r.hotspot.id} (weight ${r.hotspot.weight}): ${text(r.hotspot.description)}` : 'none'}`,
  ];
  if (r.live && r.fingerprint && r.times) fileLines(lines, r, r.fingerprint, r.times);
  else if (r.directory) {
    const t = r.times;
    lines.push('type:           folder', `times (UTC):    modified ${text(t?.modified)}, accessed ${text(t?.accessed)}, changed ${text(t?.changed)}, born ${text(t?.born)}`);
  } else {
    const kinds = [...new Set([r.verdict, ...r.inner].map((f) => f.kind))].join(', ');
    const count = r.inner.length + 1;
    lines.push(`live file:      none at this path: ${count} finding${count === 1 ? '' : 's'} of its traces (${kinds})`);
  }
  const how = r.directory ? 'the strongest finding at the folder, as the scan scores it' : r.live ? 'scored as the scan scores it' : `the strongest trace: ${verdictWhere(r.verdict)}`;
  lines.push('', `verdict:        ${r.verdict.level} (score ${r.verdict.score}), ${how}`);
  if (r.verdict.reasons.length === 0) lines.push(r.directory ? '  no finding at this folder' : '  no rule fired on the file itself');
  for (const reason of r.verdict.reasons) lines.push(`  ${reason.score < 0 ? '' : '+'}${reason.score} ${reason.rule}: ${text(reason.message, 240)}`);
  if (r.whyNotHigher.length) {
    lines.push('', 'why not higher:');
    for (const why of r.whyNotHigher) lines.push(`  - ${text(why, 240)}`);
  }
  if (r.inner.length) {
    lines.push('', r.directory ? `other findings at the folder: ${r.inner.length}` : r.live ? `inside the file: ${r.inner.length} findings (the scan adds links across the root: run stagehunt scan for those)` : `other traces of it: ${r.inner.length} findings`);
    for (const c of r.inner.slice(0, 30)) {
      lines.push(`  ${c.level} ${c.score} ${text(verdictWhere(c), 120)}`);
      for (const x of c.reasons) lines.push(`    ${x.score < 0 ? '' : '+'}${x.score} ${x.rule}: ${text(x.message, 200)}`);
    }
  }
  for (const w of r.warnings.slice(0, 20)) lines.push(`warning: ${text(w)}`);
  return `${lines.join('\n')}\n`;
}

/** Where a finding is, in a line: its locator (entry, record, key, line), else its kind and path; its volume when the report spans several. */
function verdictWhere(c: ExplainReport['verdict']): string {
  const where = locatorParts(c, 'explain')[0] ?? `${c.kind} ${c.path}`;
  return c.root ? `${where} (${c.root})` : where;
}

/** A live file's own lines: size, times, type, statistics, archive, parsed records. */
function fileLines(lines: string[], r: ExplainReport<ArchiveSummary>, fp: NonNullable<ExplainReport['fingerprint']>, times: NonNullable<ExplainReport['times']>): void {
  const num = (v: unknown, digits: number): string => (typeof v === 'number' ? v.toFixed(digits) : '-');
  lines.push(
    `size:           ${r.size} bytes`,
    `times (UTC):    modified ${text(times.modified)}, accessed ${text(times.accessed)}, changed ${text(times.changed)}, born ${text(times.born)}`,
    `type:           ${text(fp.format)} (${text(fp.description)}; magic by ${text(fp.magicSource)}, confidence ${text(fp.confidence)})`,
    `entropy:        ${num(fp.entropy, 3)} bits/byte, chi-square ${num(fp.chiSquare, 1)} (p ${roundP(fp.chiSquareP)})`,
    `sampled:        ${fp.samples.map((s) => `[${s.offset}, ${s.offset + s.length})`).join(' ') || '-'}`,
    `classification: ${text(fp.classification)} (${text(fp.classConfidence)} confidence)${fp.extensionMismatch ? `; extension mismatch ${text(fp.extensionMismatch)}` : ''}`,
  );
  if (Array.isArray(fp.hints) && fp.hints.length) lines.push(`hints:          ${text(fp.hints, 300)}`);
  if (r.archive) lines.push(`archive:        ${archiveLine(r.archive)}`);
  const inside = r.archive ? nestedLine(r.archive) : null;
  if (inside) lines.push(`inside:         ${inside}`);
  // A parser that claimed the file by its name or type and found nothing in it (an .exe is tried as a
  // self-extracting ZIP) is named once at the end, not given a block of its own.
  const foundNothing = (a: (typeof r.artifacts)[number]): boolean => a.recordCount === 0 && !a.error && !a.corrupted && a.warnings.length === 0;
  for (const a of r.artifacts) {
    if (foundNothing(a)) continue;
    lines.push('', `parsed by ${a.parser}: ${a.recordCount} record${a.recordCount === 1 ? '' : 's'}${a.corrupted ? ', damaged' : ''}${a.error ? `, error ${text(a.error)}` : ''}${a.warnings.length ? `, ${a.warnings.length} warnings` : ''}`);
    const records = a.records ?? [];
    for (const rec of records.slice(0, MAX_RECORDS)) lines.push(`  ${recordLine(rec)}`);
    if (a.recordCount > Math.min(records.length, MAX_RECORDS)) lines.push(`  … ${a.recordCount - Math.min(records.length, MAX_RECORDS)} more (stagehunt parse lists them all)`);
    const links = linksOf(records);
    if (links.length) {
      lines.push('  links to other evidence:');
      for (const l of links) lines.push(`    ${l}`);
    }
    for (const w of a.warnings.slice(0, 10)) lines.push(`  warning: ${text(w)}`);
  }
  const tried = r.artifacts.filter(foundNothing).map((a) => a.parser);
  if (tried.length) lines.push('', `also tried, found nothing: ${tried.join(', ')}`);
}
