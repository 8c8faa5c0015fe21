/** `stagehunt explain <file>`: the arguments of src/pipeline/explain.ts, and its text rendering. */
import type { Argv } from 'yargs';
import { buildExplainReport, type ExplainReport } from '../../pipeline/explain.js';
import { displayText } from '../../util/text.js';
import type { ArchiveSummary } from '../../artifacts/archive/summary.js';
import { locatorParts } from '../../model/kinds.js';
import { writeStdout } from '../output.js';
import { typedArgs } from '../args.js';
import { builtinSigmaRules } from '../sigma.js';

export interface ExplainArgs {
  file: string;
  format: 'text' | 'json';
  root?: string;
  codepage?: string;
  scope: 'hotspots' | 'all';
}

export function explainBuilder(y: Argv): Argv<ExplainArgs> {
  return typedArgs<ExplainArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'the file to explain' })
    .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const })
    .option('root', { type: 'string', describe: 'evidence root the file lies in (default: nearest parent that looks like an OS root)' })
    .option('scope', { choices: ['hotspots', 'all'] as const, default: 'hotspots' as const, describe: 'the scan scope the file is judged in (as scan --scope): the root is scanned so that correlation counts' })
    .option('codepage', { type: 'string' }));
}

export async function runExplain(args: ExplainArgs): Promise<number> {
  const report = await buildExplainReport({ file: args.file, root: args.root, codepage: args.codepage, scope: args.scope, sigma: builtinSigmaRules() });
  await writeStdout(args.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : explainText(report));
  return 0;
}

/** One line an analyst reads: format, volumes, entries, encryption of entries and of the file list. */
export function describeArchive(a: ArchiveSummary): string {
  const volume = a.volume;
  const parts = [
    String(a.format),
    a.entryCount === null ? 'entry list unreadable' : `${a.entryCount} entries`,
    a.encryptedEntryCount === null ? 'encrypted entries unknown' : `${a.encryptedEntryCount} encrypted`,
    a.headersEncrypted ? 'file list (headers) encrypted' : 'file list readable',
    volume?.multiVolume ? `volume ${volume.index === null ? '?' : volume.index + 1} of a multi-volume set` : 'single volume',
  ];
  const encryption = a.encryption.length ? `encryption: ${a.encryption.join(', ')}` : '';
  if (encryption) parts.push(encryption);
  if (a.packageType) parts.push(`package: ${String(a.packageType)}`);
  if (a.selfExtracting) parts.push('self-extracting');
  if (a.inner) parts.push(`contains ${String(a.inner)}`);
  return displayText(parts.join('; '), 300);
}

function explainText(r: ExplainReport): string {
  const t = (v: unknown): string => displayText(v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v), 200);
  const fp = r.fingerprint;
  const lines = [
    `file:           ${t(r.path)}`,
    `root:           ${t(r.root)} (${t(r.os)}), relative path ${t(r.relativePath)}`,
    `hotspot:        ${r.hotspot ? `${r.hotspot.id} (weight ${r.hotspot.weight}): ${r.hotspot.description}` : 'none'}`,
    `size:           ${r.size} bytes`,
    `times (UTC):    modified ${t(r.times.modified)}, accessed ${t(r.times.accessed)}, changed ${t(r.times.changed)}, born ${t(r.times.born)}`,
    `type:           ${t(fp.format)} (${t(fp.description)}; magic by ${t(fp.magicSource)}, confidence ${t(fp.confidence)})`,
    `entropy:        ${fp.entropy === null ? '-' : (fp.entropy as number).toFixed(4)} bits/byte, chi-square ${fp.chiSquare === null ? '-' : (fp.chiSquare as number).toFixed(2)} (p ${t(fp.chiSquareP)})`,
    `sampled:        ${fp.samples.map((s) => `[${s.offset}, ${s.offset + s.length})`).join(' ') || '-'}`,
    `classification: ${t(fp.classification)} (${t(fp.classConfidence)} confidence)${fp.extensionMismatch ? `; extension mismatch ${t(fp.extensionMismatch)}` : ''}`,
  ];
  if (r.archive) lines.push(`archive:        ${describeArchive(r.archive)}`);
  for (const a of r.artifacts) lines.push(`parsed by:      ${a.parser}: ${a.recordCount} records${a.corrupted ? ', damaged' : ''}${a.error ? `, error ${t(a.error)}` : ''}${a.warnings.length ? `, ${a.warnings.length} warnings` : ''}`);
  lines.push('', `verdict:        ${r.verdict.level} (score ${r.verdict.score})`);
  if (r.verdict.reasons.length === 0) lines.push('  no rule fired on the file itself');
  for (const reason of r.verdict.reasons) lines.push(`  ${reason.score < 0 ? '' : '+'}${reason.score} ${reason.rule}: ${displayText(reason.message, 200)}`);
  if (r.whyNotHigher.length) {
    lines.push('', 'why not higher:');
    for (const why of r.whyNotHigher) lines.push(`  - ${displayText(why, 240)}`);
  }
  if (r.inner.length) {
    lines.push('', `inside the file: ${r.inner.length} findings`);
    for (const c of r.inner.slice(0, 30)) {
      const where = locatorParts(c, 'explain')[0] ?? c.path;
      lines.push(`  ${c.level} ${c.score} ${displayText(String(where), 100)}: ${c.reasons.map((x) => `+${x.score} ${x.rule}`).join(', ')}`);
    }
  }
  for (const w of r.warnings.slice(0, 20)) lines.push(`warning: ${displayText(w, 200)}`);
  return `${lines.join('\n')}\n`;
}
