/**
 * What the HTML and Markdown reports show, computed once from a ScanReport so both carry the
 * same content: verdict, episodes, top findings, ATT&CK mapping, data sources, custody metadata.
 * Text stays raw here; each writer escapes for its own syntax.
 */
import { inShadowCopy } from '../model/shadow-copy.js';
import { LEVELS, levelRank, type Finding, type Level } from '../model/finding.js';
import type { Episode, ScanError, ScanReport } from '../model/report.js';
import { buildEpisodes, unassignedFindings } from '../timeline/episodes.js';
import { spanText, UTC, wallClock } from './time-zone.js';
import { locatorParts } from '../model/kinds.js';
import { verdictFor } from '../pipeline/score.js';
import { ARTIFACT_PARSERS } from '../artifacts/index.js';
import type { ArtifactParser } from '../artifacts/types.js';
import { DATA_SOURCES, type DataSourceId } from '../model/data-sources.js';

export const TOP_FINDINGS = 25;

export interface AttackRow {
  id: string;
  name: string;
  role: string;
  findings: number;
}

export interface DataSourceRow {
  id: string;
  name: string;
  covered: boolean;
  how: string;
}

export interface ReportView {
  report: ScanReport;
  episodes: Episode[];
  findingsById: Map<string, Finding>;
  topFindings: Finding[];
  unassigned: Finding[];
  attack: AttackRow[];
  otherAttack: string[];
  dataSources: DataSourceRow[];
  levelsHighFirst: Level[];
  atAGlance: Array<[string, string]>;
}

/** The technique this tool is about, and the related ones its evidence also shows. */
const ATTACK: Array<Omit<AttackRow, 'findings'>> = [
  { id: 'T1074.001', name: 'Data Staged: Local Data Staging', role: 'the technique stagehunt triages' },
  { id: 'T1560.001', name: 'Archive Collected Data: Archive via Utility', role: 'staged data packed (7-Zip, WinRAR, Compress-Archive, tar)' },
  { id: 'T1070.004', name: 'Indicator Removal: File Deletion', role: 'staged archives deleted or missing afterwards' },
  { id: 'T1005', name: 'Data from Local System', role: 'documents and system data collected into one place' },
];

/**
 * The coverage table, derived: a data source is covered by the walk (File) or by the parsers that
 * declare it (src/model/data-sources.ts, ArtifactParser.dataSources), and says which.
 */
export function dataSourceRows(parsers: readonly Pick<ArtifactParser, 'id' | 'dataSources'>[] = ARTIFACT_PARSERS): DataSourceRow[] {
  return (Object.keys(DATA_SOURCES) as DataSourceId[]).map((id) => {
    const source = DATA_SOURCES[id];
    const by = parsers.filter((p) => p.dataSources.includes(id)).map((p) => p.id);
    const how = [source.walk, by.length ? `parsed from: ${by.join(', ')}` : null].filter((x): x is string => !!x);
    return { id, name: source.name, covered: how.length > 0, how: how.length ? how.join('; ') : source.notCovered };
  });
}

function withEpisodes(report: ScanReport): Episode[] {
  return report.episodes ?? buildEpisodes(report.findings);
}

/** "host WS01: " when the episode's root carries a --host label (issue 16), else nothing. */
function hostOf(report: ScanReport, e: Episode): string {
  const first = report.findings.find((f) => f.id === e.findingIds[0]);
  return first?.host !== undefined ? `host ${first.host}: ` : '';
}

function atAGlance(report: ScanReport, episodes: Episode[], zone?: string): Array<[string, string]> {
  const top = episodes[0];
  if (!top) return [['Verdict', report.summary.verdict]];
  // In UTC both ends keep their day, as reports always showed them; in a zone the shared span text.
  const span = !top.start || !top.end ? 'unknown' : zone && zone !== UTC ? spanText(top.start, top.end, zone) : `${top.start.replace('T', ' ').slice(0, 16)} to ${top.end.replace('T', ' ').slice(0, 16)} UTC`;
  return [
    ['Verdict', report.summary.verdict],
    ['What', top.narrative.split('. ').slice(1, 3).join('. ').slice(0, 400)],
    ['Where', `${hostOf(report, top)}${top.locations.slice(0, 6).join(', ') || 'unknown'}`],
    ['When', span],
    ['Who', top.users.join(', ') || 'unknown'],
    ['How sure', `${top.level} (score ${top.score}/100), ${top.confidence} confidence: ${top.evidenceKinds.length} independent kinds of evidence (${top.evidenceKinds.join(', ')})`],
    ['Episodes', `${episodes.length} staging episode${episodes.length === 1 ? '' : 's'}`],
  ];
}

export function buildView(report: ScanReport, zone?: string): ReportView {
  const episodes = withEpisodes(report);
  const counts = new Map<string, number>();
  for (const f of report.findings) for (const a of new Set(f.attack)) counts.set(a, (counts.get(a) ?? 0) + 1);
  const mainIds = new Set(ATTACK.map((a) => a.id));
  return {
    report,
    episodes,
    findingsById: new Map(report.findings.map((f) => [f.id, f])),
    topFindings: report.findings.filter((f) => levelRank(f.level) >= levelRank('medium')).slice(0, TOP_FINDINGS),
    unassigned: unassignedFindings(report.findings, episodes),
    attack: ATTACK.map((a) => ({ ...a, findings: counts.get(a.id) ?? 0 })),
    otherAttack: [...counts.keys()].filter((id) => !mainIds.has(id)).sort(),
    dataSources: dataSourceRows(),
    levelsHighFirst: [...LEVELS].reverse(),
    atAGlance: atAGlance(report, episodes, zone),
  };
}

/**
 * A scan's `errors` by what they are: paths that could not be read (or parsed: out of memory or
 * time), entries skipped by design (links not followed, special files, other file systems, depth
 * and length limits), and warnings (damaged content read as far as it goes, notes such as hard
 * links). One count of all three read "paths that could not be read: 5,000" for a Linux image
 * whose only "errors" were its symbolic links.
 */
export interface ErrorCounts {
  unreadable: number;
  skipped: number;
  warnings: number;
}

export function errorCounts(errors: readonly Pick<ScanError, 'op' | 'code'>[]): ErrorCounts {
  let skipped = 0;
  let warnings = 0;
  for (const e of errors) {
    if (e.op === 'skip') skipped++;
    else if (e.code === 'WARN' || e.op === 'note') warnings++;
  }
  return { unreadable: errors.length - skipped - warnings, skipped, warnings };
}

/** The counts in a sentence for the HTML and Markdown reports. */
export function errorCountsSentence(c: ErrorCounts): string {
  const parts = [`Paths that could not be read: ${c.unreadable}`];
  if (c.skipped) parts.push(`skipped by design (links not followed, special files, other file systems, limits): ${c.skipped}`);
  if (c.warnings) parts.push(`warnings (damaged content read as far as it goes, notes): ${c.warnings}`);
  return `${parts.join('; ')}.`;
}

/** The locator that says where inside an artifact the evidence sits. */
export function locatorText(f: Finding): string {
  const parts = locatorParts(f);
  if (f.user) parts.push(`user ${f.user}`);
  return parts.join('; ');
}

/** "read in shadow copy 1, gone from the live volume (case.E01#p2#vss1)" for a finding of a shadow copy's root, else null (reports show it under the path). */
export function shadowCopyNote(f: Finding): string | null {
  const phrase = inShadowCopy(f);
  return phrase ? `read${phrase} (${f.root})` : null;
}

/** The short name of a finding's root: its --host label, else the root's label (base name). */
export function rootTag(report: ScanReport, f: Finding): string {
  if (f.host !== undefined) return f.host;
  return report.meta.roots.find((r) => r.path === f.root)?.label ?? f.root;
}

/**
 * The terminal's verdict block (issue 16): the verdict, then what, where, when, who and how sure
 * in five lines, about the most severe staging episode. With --baseline it speaks of the new
 * findings only (episodes rebuilt from them), so an accepted old finding does not raise it.
 */
export function verdictBlock(report: ScanReport, zone?: string): Array<[string, string]> {
  const base = report.summary.baseline;
  const findings = base ? report.findings.filter((f) => !f.known) : report.findings;
  const episodes = base ? buildEpisodes(findings, zone && zone !== UTC ? wallClock(zone) : undefined) : withEpisodes(report);
  const verdict = base ? `${verdictFor(base.newByLevel)} (new findings since the baseline: ${base.new})` : report.summary.verdict;
  const top = episodes[0];
  const several = report.meta.roots.length > 1 || findings.some((f) => f.host !== undefined);
  if (top) {
    const first = findings.find((f) => f.id === top.findingIds[0]);
    const tag = several && first ? `${rootTag(report, first)}: ` : '';
    // The narrative's first sentence is the span and the users (the when and who lines); each step opens with its time.
    const sentences = top.narrative.split('. ').map((t) => t.replace(/^(Between .+? (UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)( on \d{4}-\d\d-\d\d)?|At \d\d:\d\d( (UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+) on \d{4}-\d\d-\d\d)?),\s*/, ''));
    const what = sentences.slice(1, 3).join('. ') || sentences[0] || '';
    return [
      ['verdict', verdict],
      ['what', what],
      ['where', `${tag}${top.locations.slice(0, 6).join(', ') || 'unknown'}`],
      ['when', spanText(top.start, top.end, zone)],
      ['who', top.users.join(', ') || 'unknown'],
      ['how sure', `${top.level}, score ${top.score}/100, ${top.confidence} confidence: ${top.evidenceKinds.length} kinds of evidence (${top.evidenceKinds.join(', ')})${episodes.length > 1 ? `; ${episodes.length - 1} more episode${episodes.length > 2 ? 's' : ''}` : ''}`],
    ];
  }
  const f = findings[0];
  if (!f) return [['verdict', verdict]];
  const time = f.deletedAt ?? f.times.modified ?? f.times.born;
  return [
    ['verdict', verdict],
    ['what', `${findings.length} finding${findings.length === 1 ? '' : 's'}, no staging episode; the most severe: ${f.reasons[0]?.message ?? f.kind}`],
    ['where', `${several ? `${rootTag(report, f)}: ` : ''}${f.path}`],
    ['when', spanText(time, time, zone)],
    ['who', f.user ?? 'unknown'],
    ['how sure', `${f.level}, score ${f.score}/100`],
  ];
}
