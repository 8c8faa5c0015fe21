/** `stagehunt parse <file>`: the arguments of src/pipeline/parse.ts, and its output (JSON, or JSON lines as read). */
import type { Argv } from 'yargs';
import { ARTIFACT_PARSERS, parserById } from '../../artifacts/index.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';
import { parseFile, printableRecords } from '../../pipeline/parse.js';
import { escapeControls } from '../../util/text.js';
import { typedArgs } from '../args.js';

export interface ParseArgs {
  file: string;
  format: 'json' | 'jsonl';
  parser?: string;
  codepage?: string;
  hiveLogs: boolean;
  quiet?: boolean;
  root?: string;
  mft?: string;
  templates?: string[];
}

export function parseBuilder(y: Argv): Argv<ParseArgs> {
  return typedArgs<ParseArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'an artifact file: archive, $I/INFO2, .trashinfo, history, registry hive, EVTX event log, $MFT, $J, $I30, Prefetch, LNK, Jump List (--parser names every parser)' })
    .option('format', { alias: 'f', choices: ['json', 'jsonl'] as const, default: 'jsonl' as const })
    .option('parser', { type: 'string', describe: `force a parser: ${ARTIFACT_PARSERS.map((p) => p.id).join(', ')}` })
    .option('codepage', { type: 'string', describe: 'ANSI code page for INFO2 / legacy artifacts' })
    .option('hive-logs', { type: 'boolean', default: true, describe: 'apply registry transaction logs (.LOG1/.LOG2) beside a dirty hive, as Windows does when it loads it (default); --no-hive-logs reads hives as found' })
    .option('mft', { type: 'string', describe: 'an $MFT that gives the records of a $J or $LogFile their parent folders\' paths (parentPath), as MFTECmd -m; with --root IMAGE the volume\'s own $MFT does' })
    .option('templates', { type: 'string', array: true, describe: 'other EVTX logs of the machine (an archived or older copy of the log; repeatable) whose templates rebuild the slack records of a cleared log whose own templates are overwritten, as EVTXtract does; the log\'s own templates are always used' })
    .option('root', { type: 'string', describe: 'evidence root the file lies in: a directory (every path component below it must be a real directory, no link), or a disk image, whose FILE is a path on one of its volumes (a named stream as file:stream: \'$Extend/$UsnJrnl:$J\')' }));
}

export async function runParse(args: ParseArgs): Promise<number> {
  if (args.parser && !parserById(args.parser))
    throw new UsageError(`unknown parser '${args.parser}' (choose one of: ${ARTIFACT_PARSERS.map((p) => p.id).join(', ')})`);
  const options = { file: args.file, parser: args.parser, codepage: args.codepage, hiveLogs: args.hiveLogs, root: args.root, mft: args.mft, templates: args.templates, streaming: args.format === 'jsonl' };
  return parseFile(options, async (outcome) => {
    if (outcome.kind === 'none') throw new UsageError(`no parser understands ${args.file} (detected format: ${outcome.format ?? 'unknown'}; ${outcome.description})`);
    if (outcome.kind === 'stream') {
      await writeStdout(jsonLines(outcome.records));
      warn(outcome.warnings, args.quiet);
      return 0;
    }
    const result = outcome.result;
    warn(result.warnings, args.quiet);
    await writeStdout(
      args.format === 'json'
        ? `${JSON.stringify({ parser: result.parser, corrupted: result.corrupted, warnings: result.warnings, summary: result.facts ?? null, records: result.records }, null, 2)}\n`
        : jsonLines(printableRecords(result)),
    );
    return 0;
  });
}

function warn(warnings: readonly string[], quiet: boolean | undefined): void {
  if (!quiet) for (const w of warnings.slice(0, 100)) process.stderr.write(`stagehunt: warning: ${escapeControls(w)}\n`);
}

/** One record per line, written as they come (a large hive has a million records). */
function* jsonLines(records: Iterable<unknown>): Generator<string> {
  for (const r of records) yield `${JSON.stringify(r)}\n`;
}
