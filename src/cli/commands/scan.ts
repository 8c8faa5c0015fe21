/** `stagehunt scan <root...>`: maps argv to ScanOptions, runs the pipeline, writes, sets the exit code. */
import type { Argv } from 'yargs';
import { isLevel, levelRank, LEVELS, type Level } from '../../model/finding.js';
import { loadHotspotFile, type Hotspot } from '../../hotspots/catalog.js';
import { openRoot } from '../../evidence/root.js';
import { scan, type ScanProgress } from '../../pipeline/scan.js';
import { SCAN_FORMATS, WRITERS } from '../../report/index.js';
import { wantColor } from '../../report/style.js';
import { EXIT, UsageError } from '../errors.js';
import { abandonOutput, checkOutputPath, commitOutput, installInterruptHandlers, reserveOutput, writeStdout } from '../output.js';
import { makeProgress } from '../progress.js';

export interface ScanArgs {
  roots: string[];
  os: 'auto' | 'windows' | 'linux' | 'macos';
  scope: 'hotspots' | 'all';
  format: string;
  output?: string;
  minLevel: Level;
  failOn: Level | 'none';
  hotspots?: string[];
  color?: boolean;
  quiet?: boolean;
  crossMounts?: boolean;
  codepage?: string;
  live?: boolean;
}

export function scanBuilder(y: Argv): Argv<ScanArgs> {
  return y
    .positional('roots', { describe: 'evidence roots: mounted images or directories', type: 'string', array: true })
    .option('os', { choices: ['auto', 'windows', 'linux', 'macos'] as const, default: 'auto' as const, describe: 'OS layout of the roots (auto-detected per root)' })
    .option('scope', { choices: ['hotspots', 'all'] as const, default: 'hotspots' as const, describe: 'walk the staging hotspots and artifact locations, or the whole root' })
    .option('format', { alias: 'f', type: 'string', default: 'table', describe: `output format: ${SCAN_FORMATS.join(', ')}` })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (atomically; refused inside a scanned root)' })
    .option('min-level', { choices: LEVELS, default: 'low' as Level, describe: 'show findings at or above this level' })
    .option('fail-on', { choices: [...LEVELS, 'none'] as const, default: 'none' as const, describe: 'exit 1 when any finding reaches this level' })
    .option('hotspots', { type: 'string', array: true, describe: 'extra hotspot definitions (JSON, same format as the built-in ones)' })
    .option('cross-mounts', { type: 'boolean', default: false, describe: 'descend into other file systems mounted inside a root' })
    .option('live', { type: 'boolean', default: false, describe: 'also read the live Windows registry of this host (Windows only)' })
    .option('codepage', { type: 'string', describe: 'ANSI code page for Windows 9x/XP artifacts (e.g. windows-1252, shift_jis)' })
    .check((argv) => {
      if ((argv.roots ?? []).length === 0 && !argv.live) throw new UsageError('name at least one evidence root (or --live on Windows)');
      if (!SCAN_FORMATS.includes(argv.format)) throw new UsageError(`unknown format '${argv.format}' (choose one of: ${SCAN_FORMATS.join(', ')})`);
      if (!isLevel(argv.minLevel)) throw new UsageError(`unknown level '${String(argv.minLevel)}'`);
      return true;
    }) as unknown as Argv<ScanArgs>;
}

function progressHandler(quiet: boolean | undefined): ((p: ScanProgress) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  return makeProgress(process.stderr);
}

export async function runScan(args: ScanArgs, command: string): Promise<number> {
  // Validate roots and output before any evidence is read.
  if (args.live && process.platform !== 'win32') throw new UsageError('--live reads the live Windows registry and needs Windows; scan a mounted image instead');
  args.roots = args.roots ?? [];
  const roots = args.roots.map((r) => openRoot(r, args.os));
  let target: string | null = null;
  if (args.output) {
    target = checkOutputPath(args.output, roots.map((r) => r.abs));
    installInterruptHandlers();
    reserveOutput(target);
  }
  const extraHotspots: Hotspot[] = (args.hotspots ?? []).flatMap((file) => loadHotspotFile(file));
  const progress = progressHandler(args.quiet);
  try {
    const report = await scan({
      roots: args.roots,
      os: args.os,
      scope: args.scope,
      extraHotspots,
      minLevel: args.minLevel,
      crossMounts: args.crossMounts,
      codepage: args.codepage,
      live: args.live,
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
      },
      onProgress: progress,
    });
    if (progress) process.stderr.write('\r\u001b[K');
    const stream = target ? null : process.stdout;
    const style = { color: args.format === 'table' && !!stream && wantColor(args.color, process.stdout) };
    const text = WRITERS[args.format]!(report, style);
    if (target) commitOutput(target, text);
    else await writeStdout(text);
    if (!args.quiet && target) process.stderr.write(`stagehunt: ${report.summary.findings} findings (${report.summary.verdict}); written to ${target}\n`);
    if (args.failOn !== 'none') {
      const failRank = levelRank(args.failOn);
      if (report.findings.some((f) => levelRank(f.level) >= failRank) || LEVELS.some((l) => levelRank(l) >= failRank && report.summary.byLevel[l] > 0)) return EXIT.findings;
    }
    return EXIT.ok;
  } catch (err) {
    abandonOutput();
    throw err;
  }
}
