/** `stagehunt explain <file>`: the arguments of src/pipeline/explain.ts, and its text rendering. */
import type { Argv } from 'yargs';
import { buildExplainReport } from '../../pipeline/explain.js';
import { explainText } from '../../report/explain-text.js';
import { writeStdout } from '../output.js';
import { loadSavedScan } from './report.js';
import { typedArgs } from '../args.js';
import { loadSigma } from '../sigma.js';
import { startYara, yaraLimitsOf, YARA_OPTIONS, type YaraArgs } from '../yara.js';

export interface ExplainArgs extends YaraArgs {
  file: string;
  format: 'text' | 'json';
  root?: string;
  codepage?: string;
  hiveLogs: boolean;
  scope: 'hotspots' | 'all';
  quiet?: boolean;
  verbose?: boolean;
  sigma?: string[];
  saved?: string;
}

export function explainBuilder(y: Argv): Argv<ExplainArgs> {
  return typedArgs<ExplainArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'the file to explain; with --root IMAGE, its path on a volume of the image (PerfLogs/x.7z, C:\\PerfLogs\\x.7z, case.E01#p2/PerfLogs/x.7z, a named stream as file:stream); a path with no live file is explained by the scan\'s traces of it' })
    .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const })
    .option('root', { type: 'string', describe: 'evidence root the file lies in: a directory (default: nearest parent that looks like an OS root), or a disk image (E01, VHDX, raw...) read without mounting' })
    .option('scope', { choices: ['hotspots', 'all'] as const, default: 'hotspots' as const, describe: 'the scan scope the file is judged in (as scan --scope): the root is scanned so that correlation counts' })
    .option('codepage', { type: 'string' })
    .option('hive-logs', { type: 'boolean', default: true, describe: 'apply registry transaction logs (.LOG1/.LOG2) beside a dirty hive, as Windows does when it loads it (default); --no-hive-logs reads hives as found' })
    .option('sigma', { type: 'string', array: true, describe: 'a directory of Sigma rules, as given to scan (repeatable): the file is judged with them, correlations over the root\'s logs included' })
    .option('saved', { type: 'string', describe: 'a scan of the root saved before (--format json or jsonl): its findings judge the file instead of a new scan (fast on a large image; the saved scan\'s scope and rules apply)' })
    .options(YARA_OPTIONS));
}

export async function runExplain(args: ExplainArgs): Promise<number> {
  // The rules the scan was run with, so that the file's Sigma and YARA reasons are judged as the scan judged them.
  const sigma = loadSigma(args.sigma ?? [], { quiet: args.quiet ?? false, verbose: args.verbose ?? false });
  const yara = args.yara?.length ? startYara(args.yara, yaraLimitsOf(args), { quiet: args.quiet ?? false, verbose: args.verbose ?? false }) : undefined;
  try {
    const saved = args.saved ? { file: args.saved, report: loadSavedScan(args.saved) } : undefined;
    const report = await buildExplainReport({ file: args.file, root: args.root, codepage: args.codepage, hiveLogs: args.hiveLogs, scope: args.scope, sigma, yara, saved });
    await writeStdout(args.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : explainText(report));
  } finally {
    yara?.close();
  }
  return 0;
}

