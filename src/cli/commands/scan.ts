/** `stagehunt scan <root...>`: maps argv to ScanOptions, runs the pipeline, writes, sets the exit code. */
import { LIMITS } from '../../util/limits.js';
import { fileErrorText } from '../../util/errno.js';
import { imageGuards, isImageFile } from '../../evidence/root.js';
import type { Argv } from 'yargs';
import { isLevel, levelRank, LEVELS, type Level } from '../../model/finding.js';
import { loadHotspotFiles, type Hotspot } from '../../hotspots/catalog.js';
import { openRoot } from '../../evidence/root.js';
import { NOATIME_REFUSED, noatimeRefused } from '../../evidence/reader.js';
import { escapeControls } from '../../util/text.js';
import { scan, type ScanProgress } from '../../pipeline/scan.js';
import { SCAN_FORMATS, WRITERS } from '../../report/index.js';
import { terminalColumns, terminalRows, wantColor } from '../../report/style.js';
import { EXIT, UsageError } from '../errors.js';
import { abandonOutput, checkOutputPath, commitOutput, reserveOutput, writeStdout, type OutputTarget } from '../output.js';
import { handlePendingSignals, installInterruptHandlers, noteWritten } from '../interrupt.js';
import { makeProgress } from '../progress.js';
import { precountFiles } from '../../evidence/precount.js';
import { existsSync, readFileSync } from 'node:fs';
import { loadSigma } from '../sigma.js';
import { loadEvtxTemplates } from '../evtx-templates.js';
import { startYara, yaraLimitsOf, YARA_OPTIONS, type YaraArgs } from '../yara.js';
import type { YaraScanner } from '../../rules/yara/scanner.js';
import { BaselineError, parseBaseline } from '../../pipeline/baseline.js';
import { AllowlistError, compileAllowlist, loadAllowlistFile, type AllowEntry, type Allowlist } from '../../rules/allowlist.js';
import { loadRuleCatalog } from '../../rules/catalog.js';
import { pushAll } from '../../util/arrays.js';
import { DEFAULT_HASH_MAX_SIZE, parseAlgorithms, parseSize, type HashMode, type HashOptions } from '../../pipeline/hash.js';
import { checkHostLabel, checkReportPath, reportFormatFor, timeWindow } from './report.js';
import { typedArgs } from '../args.js';
import { caseInfoOf, checkedTimeZone, reportOptions, type ReportOptionArgs } from '../report-options.js';

export interface ScanArgs extends ReportOptionArgs, YaraArgs {
  roots: string[];
  os: 'auto' | 'windows' | 'linux' | 'macos';
  scope: 'hotspots' | 'all';
  format: string;
  output?: string;
  minLevel: Level;
  keepAllLow?: boolean;
  failOn: Level | 'none';
  hotspots?: string[];
  color?: boolean;
  quiet?: boolean;
  jobs: number;
  crossMounts?: boolean;
  codepage?: string;
  hiveLogs: boolean;
  shadowCopies: boolean;
  carve?: boolean;
  live?: boolean;
  report?: string;
  hash: HashMode;
  hashAlgorithms?: string[];
  hashMaxSize?: string;
  baseline?: string;
  sigma?: string[];
  evtxTemplates?: string[];
  exclude?: string[];
  allowlist?: string;
  verbose?: boolean;
  host?: string | string[];
  from?: string;
  to?: string;
}

export function scanBuilder(y: Argv): Argv<ScanArgs> {
  return typedArgs<ScanArgs>(reportOptions(y)
    .positional('roots', { describe: 'evidence roots: mounted images or directories, or disk image files (.E01, .vhd(x), .vmdk, .qcow2, .raw/.dd/.img, .001)', type: 'string', array: true })
    .option('os', { choices: ['auto', 'windows', 'linux', 'macos'] as const, default: 'auto' as const, describe: 'OS layout of the roots (auto-detected per root)' })
    .option('scope', { choices: ['hotspots', 'all'] as const, default: 'hotspots' as const, describe: 'walk the staging hotspots and artifact locations, or the whole root' })
    .option('format', { alias: 'f', type: 'string', default: 'table', describe: `output format: ${SCAN_FORMATS.join(', ')}` })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (atomically; refused inside a scanned root)' })
    .option('min-level', { choices: LEVELS, default: 'low' as Level, describe: 'show findings at or above this level' })
    .option('keep-all-low', { type: 'boolean', describe: `list every low/info finding (default: beyond ${LIMITS.foldLowFindingsAfter} of one rule in one directory, the rest are folded into one summary finding)` })
    .option('fail-on', { choices: [...LEVELS, 'none'] as const, default: 'none' as const, describe: 'exit 1 when any finding reaches this level' })
    .option('hotspots', { type: 'string', array: true, describe: 'extra hotspot definitions (JSON, same format as the built-in ones)' })
    .option('cross-mounts', { type: 'boolean', default: false, describe: 'descend into other file systems mounted inside a root' })
    .option('live', { type: 'boolean', default: false, describe: 'also read the live Windows registry of this host (Windows only)' })
    .option('codepage', { type: 'string', describe: 'ANSI code page for Windows 9x/XP artifacts (e.g. windows-1252, shift_jis)' })
    .option('hive-logs', { type: 'boolean', default: true, describe: 'apply registry transaction logs (.LOG1/.LOG2) beside a dirty hive, as Windows does when it loads it (default); --no-hive-logs reads hives as found' })
    .option('shadow-copies', { type: 'boolean', default: true, describe: "scan each NTFS volume's shadow copies (VSS) of a disk image as roots of their own, the files they share with the live volume left out (default); --no-shadow-copies reads the live volumes only" })
    .option('carve', { type: 'boolean', describe: 'look for archives (7-Zip, RAR, ZIP, tar, compressed tars) at the start of every free cluster or block of each NTFS, ext, FAT and exFAT volume of a disk image: deleted archives nothing names any more (reads all free space)' })
    .option('report', { type: 'string', describe: 'also write a readable report to FILE.html or FILE.md (self-contained)' })
    .option('hash', { choices: ['findings', 'all', 'none'] as const, default: 'findings' as const, describe: 'hash the files behind findings at or above medium, behind all findings, or none' })
    .option('hash-algorithms', { type: 'string', array: true, describe: 'digests to compute: sha256 (default), sha1, md5 (comma-separated or repeated)' })
    .option('hash-max-size', { type: 'string', describe: 'skip hashing files larger than this (e.g. 4G, 512M; default 4G)' })
    .option('sigma', { type: 'string', array: true, describe: 'a directory of Sigma rules for event logs (repeatable; Windows log sources by category and channel; correlation rules over every log of a root)' })
    .option('evtx-templates', { type: 'string', array: true, describe: 'other EVTX logs (host files: an older copy of a log from a shadow copy or an earlier collection; repeatable) whose templates rebuild the slack records of a cleared log of the same channel in the roots; the logs of one channel in a root always lend each other' })
    .options(YARA_OPTIONS)
    .option('baseline', { type: 'string', describe: 'an earlier scan (--format json or jsonl): its findings are marked known and do not fail the run' })
    .option('exclude', { type: 'string', array: true, describe: 'suppress findings whose root-relative path matches GLOB (repeatable; counted and listed in JSON)' })
    .option('allowlist', { type: 'string', describe: 'suppress by path glob, SHA-256 or rule id, each with a reason (JSON array; counted and listed in JSON)' })
    // Not `array: true`: that would swallow the next root (`scan A --host a B --host b`); repeats still collect.
    .option('host', { type: 'string', requiresArg: true, describe: 'label the roots with host names, one --host per root in order (or write ROOT=NAME); part of finding ids' })
    .option('from', { type: 'string', describe: 'only findings and timeline rows at or after this time (ISO-8601 date or date-time, UTC)' })
    .option('to', { type: 'string', describe: 'only findings and timeline rows at or before this time (a bare date: the end of that day)' })
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'threads inspecting the files of directory roots: the main thread and N-1 workers (default 1: the main thread alone; the report is the same for any number)' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'table: every reason, locator and time of each finding, and the episodes\' stories; --sigma, --yara: every rule file left out with its reason' })
    .check((argv) => {
      if ((argv.roots ?? []).length === 0 && !argv.live) throw new UsageError('name at least one evidence root (or --live on Windows)');
      if (!SCAN_FORMATS.includes(argv.format)) throw new UsageError(`unknown format '${argv.format}' (choose one of: ${SCAN_FORMATS.join(', ')})`);
      if (!isLevel(argv.minLevel)) throw new UsageError(`unknown level '${String(argv.minLevel)}'`);
      if (!Number.isInteger(argv.jobs) || argv.jobs < 1 || argv.jobs > 64) throw new UsageError(`--jobs takes a whole number from 1 to 64, not '${String(argv.jobs)}'`);
      return true;
    }));
}

/** Progress unless --quiet: live on a terminal, a line every 10 s otherwise; with --scope all a time-bounded pre-count gives the ETA. */
function progressHandler(args: ScanArgs): ((p: ScanProgress) => void) | undefined {
  if (args.quiet) return undefined;
  const mode = process.stderr.isTTY ? 'live' : 'periodic';
  return makeProgress(process.stderr, { mode, expectedFiles: args.scope === 'all' ? precountFiles(args.roots.filter((r) => !isImageFile(r))) : null });
}

/** --exclude globs and --allowlist entries, or undefined when neither is given; a bad file is exit 2. */
function loadSuppressions(args: ScanArgs): Allowlist | undefined {
  const excludes = (args.exclude ?? []).filter((g) => g !== '');
  if (excludes.length === 0 && !args.allowlist) return undefined;
  const entries: AllowEntry[] = excludes.map((g) => ({ path: g.replace(/\\/g, '/').replace(/^\/+/, ''), reason: `--exclude ${g}`, source: '--exclude' }));
  if (args.allowlist) {
    try {
      pushAll(entries, loadAllowlistFile(args.allowlist, new Set(loadRuleCatalog().keys())));
    } catch (err) {
      if (err instanceof AllowlistError) throw new UsageError(err.message);
      throw err;
    }
  }
  return compileAllowlist(entries);
}

export async function runScan(args: ScanArgs, command: string): Promise<number> {
  // Validate roots and output before any evidence is read.
  if (args.live && process.platform !== 'win32') throw new UsageError('--live reads the live Windows registry and needs Windows; scan a mounted image instead');
  args.roots = args.roots ?? [];
  const hosts = hostLabels(args);
  const window = timeWindow(args);
  // A regular file is a disk image (read in-process); anything else must be a directory root.
  const roots = args.roots.filter((r) => !isImageFile(r)).map((r) => openRoot(r, args.os));
  // Said before anything is read: the report's meta.atime only tells afterwards.
  if (!args.quiet) for (const r of roots) if (noatimeRefused(r.abs)) process.stderr.write(`stagehunt: warning: ${escapeControls(r.given)}: ${NOATIME_REFUSED}\n`);
  const guarded = [...roots.map((r) => r.abs), ...imageGuards(args.roots)];
  const reportTarget = args.report ? checkReportPath(args.report, guarded) : null;
  const hash = hashOptions(args);
  const baseline = args.baseline ? loadBaseline(args.baseline) : undefined;
  const extraHotspots: Hotspot[] = loadHotspotFiles(args.hotspots ?? []);
  const sigma = loadSigma(args.sigma ?? [], { quiet: args.quiet ?? false, verbose: args.verbose ?? false });
  const evtxTemplates = args.evtxTemplates?.length ? loadEvtxTemplates(args.evtxTemplates) : undefined;
  const allowlist = loadSuppressions(args);
  const timeZone = checkedTimeZone(args.timezone);
  const yaraLimits = args.yara?.length ? yaraLimitsOf(args) : null;
  // Reserved last, so a bad option above never leaves a temp file behind.
  let target: OutputTarget | null = null;
  if (args.output || reportTarget) installInterruptHandlers();
  if (args.output) {
    target = checkOutputPath(args.output, guarded);
    reserveOutput(target);
  }
  const progress = progressHandler(args);
  // Compiled last of the checks (a bad rule is exit 2 before any evidence is read), closed when the scan ends.
  let yara: YaraScanner | undefined;
  try {
    yara = yaraLimits ? startYara(args.yara!, yaraLimits, { quiet: args.quiet ?? false, verbose: args.verbose ?? false }) : undefined;
    const report = await scan({
      roots: args.roots,
      os: args.os,
      scope: args.scope,
      extraHotspots,
      minLevel: args.minLevel,
      foldLowAfter: args.keepAllLow ? undefined : LIMITS.foldLowFindingsAfter,
      crossMounts: args.crossMounts,
      codepage: args.codepage,
      hiveLogs: args.hiveLogs,
      shadowCopies: args.shadowCopies,
      carve: args.carve === true,
      sigma,
      evtxTemplates,
      yara,
      live: args.live,
      jobs: args.jobs,
      hash,
      baseline,
      allowlist,
      caseInfo: caseInfoOf(args),
      hosts,
      window,
      command,
      recordedOptions: {
        os: args.os,
        scope: args.scope,
        format: args.format,
        minLevel: args.minLevel,
        failOn: args.failOn,
        hotspots: args.hotspots ?? [],
        crossMounts: args.crossMounts ?? false,
        codepage: args.codepage ?? null,
        live: args.live ?? false,
        report: args.report ?? null,
        hash: hash.mode,
        hashAlgorithms: hash.algorithms,
        hashMaxSize: hash.maxSize,
        baseline: args.baseline ?? null,
        ...(args.sigma ? { sigma: args.sigma } : {}),
        ...(args.evtxTemplates?.length ? { evtxTemplates: args.evtxTemplates } : {}),
        ...(yaraLimits ? { yara: args.yara, yaraMaxSize: yaraLimits.maxFileBytes, yaraTimeoutMs: yaraLimits.timeoutMs, yaraMembers: yaraLimits.members?.maxMembers ?? 0, yaraPackages: yaraLimits.members?.packages ?? false } : {}),
        // Recorded only when given, so the options of an unsuppressed scan read as before.
        ...(args.exclude?.length ? { exclude: args.exclude } : {}),
        ...(args.allowlist ? { allowlist: args.allowlist } : {}),
        // reports: recorded only when given (golden outputs of plain scans stay as they were)
        ...(args.timezone ? { timezone: args.timezone } : {}),
        ...(args.redact ? { redact: true } : {}),
        ...(hosts ? { hosts: Object.fromEntries(hosts) } : {}),
        ...(args.from ? { from: args.from } : {}),
        ...(args.to ? { to: args.to } : {}),
        ...(args.keepAllLow ? { keepAllLow: true } : {}),
        ...(args.hiveLogs ? {} : { hiveLogs: false }),
        ...(args.shadowCopies ? {} : { shadowCopies: false }),
        ...(args.carve ? { carve: true } : {}),
      },
      onProgress: progress,
    });
    yara?.close();
    if (progress && process.stderr.isTTY) process.stderr.write('\r\u001b[K');
    const stream = target ? null : process.stdout;
    const style = { color: args.format === 'table' && !!stream && wantColor(args.color, process.stdout), timeZone, redact: args.redact, width: stream ? terminalColumns(process.stdout) : undefined, verbose: args.verbose, height: stream ? terminalRows(process.stdout) : undefined };
    const text = WRITERS[args.format]!(report, style);
    // A signal that arrived while the findings were scored stops the run here, before any output exists.
    await handlePendingSignals();
    if (target) {
      await commitOutput(target, text);
      noteWritten(target.path);
    } else await writeStdout(text);
    if (!args.quiet && target) process.stderr.write(`stagehunt: ${report.summary.findings} findings (${report.summary.verdict}); written to ${target.path}\n`);
    if (reportTarget) {
      await commitOutput(reportTarget, WRITERS[reportFormatFor(reportTarget.path)]!(report, { color: false, timeZone, redact: args.redact }));
      noteWritten(reportTarget.path);
      if (!args.quiet) process.stderr.write(`stagehunt: report written to ${reportTarget.path}\n`);
    }
    if (args.failOn !== 'none') {
      const failRank = levelRank(args.failOn);
      // With a baseline only new findings count; known ones were accepted in an earlier run.
      const counts = report.summary.baseline ? report.summary.baseline.newByLevel : report.summary.byLevel;
      return LEVELS.some((l) => levelRank(l) >= failRank && counts[l] > 0) ? EXIT.findings : EXIT.ok;
    }
    return EXIT.ok;
  } catch (err) {
    abandonOutput();
    throw err;
  } finally {
    yara?.close();
  }
}

function hashOptions(args: ScanArgs): HashOptions {
  let algorithms;
  try {
    algorithms = parseAlgorithms(args.hashAlgorithms ?? []);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const maxSize = args.hashMaxSize === undefined ? DEFAULT_HASH_MAX_SIZE : parseSize(args.hashMaxSize);
  if (maxSize === null) throw new UsageError(`--hash-max-size '${args.hashMaxSize}': give bytes or a size such as 512M or 4G`);
  return { mode: args.hash ?? 'findings', algorithms, maxSize };
}

function loadBaseline(file: string): { file: string; ids: Set<string> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read baseline ${file}: ${fileErrorText(err)}`);
  }
  try {
    return { file, ids: parseBaseline(text, file) };
  } catch (err) {
    if (err instanceof BaselineError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Host labels by root (issue 16): `--host NAME` once per root in order, or `ROOT=NAME` (a root
 * argument that does not exist as written but does before its last '='). Rewrites args.roots to
 * the bare roots; undefined when no label is given (ids and output stay as without labels).
 */
function hostLabels(args: ScanArgs): Map<string, string> | undefined {
  const hosts = new Map<string, string>();
  args.roots = args.roots.map((r) => {
    const eq = r.lastIndexOf('=');
    if (eq <= 0 || existsSync(r) || !existsSync(r.slice(0, eq))) return r;
    const root = r.slice(0, eq);
    hosts.set(root, checkHostLabel(r.slice(eq + 1)));
    return root;
  });
  const given = (args.host === undefined ? [] : Array.isArray(args.host) ? args.host : [args.host]).filter((h) => h !== '');
  if (given.length > 0) {
    if (given.length !== args.roots.length) throw new UsageError(`--host: give one label per root, in order (${args.roots.length} root${args.roots.length === 1 ? '' : 's'}, ${given.length} --host)`);
    if (hosts.size > 0) throw new UsageError('--host: use either --host per root or ROOT=NAME, not both');
    args.roots.forEach((root, i) => hosts.set(root, checkHostLabel(given[i]!)));
  }
  return hosts.size > 0 ? hosts : undefined;
}
