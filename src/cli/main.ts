/**
 * The CLI root: yargs, global flags, one file per command, exit codes
 * 0 = done and nothing at or above --fail-on, 1 = findings at or above --fail-on, 2 = usage or fatal error.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CatalogError } from '../hotspots/catalog.js';
import { RootError } from '../evidence/root.js';
import { RuleCatalogError } from '../rules/catalog.js';
import { packageVersion } from '../util/package-root.js';
import { escapeControls } from '../util/text.js';
import { EXIT, failIfUnfinished, UsageError } from './errors.js';
import { limitHeapGrowth } from './heap-growth.js';
import { lowerBackgroundThreads } from './thread-priority.js';
import { holdYoungGeneration } from '../util/young-generation.js';
import { standbysStarted } from '../evidence/ahead-worker.js';
import { SingleFileError } from '../evidence/single-file.js';
import type { ExplainArgs } from './commands/explain.js';
import type { HotspotsArgs } from './commands/hotspots.js';
import type { ParseArgs } from './commands/parse.js';
import type { ImageArgs } from './commands/image.js';
import type { ScanArgs } from './commands/scan.js';
import type { RulesArgs } from './commands/rules.js';
import type { ReportArgs } from './commands/report.js';

const EPILOGUE = `Exit codes:
  0  done, and no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage error or fatal error (missing root, root not a directory, unknown format, unwritable output)
  130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM; a partly written output is removed
Partial read errors during a scan do not change the exit code; they are listed in the report.`;

const debug = process.argv.includes('--debug');

// From start-up: V8's and libuv's helper threads at the lowest priority (thread-priority.ts; done
// already when bin/stagehunt.js ran start-up.ts), the old generation grows by a fixed 2x, 1.5x once
// the heap is large (heap-growth.ts), and the young generation stays at 16 MB
// (util/young-generation.ts), once a read-ahead worker on standby runs (evidence/ahead-worker.ts).
lowerBackgroundThreads();
limitHeapGrowth();
standbysStarted();
holdYoungGeneration();

/** The commands, as the "name a command" error lists them (the same order as --help). */
const COMMANDS = ['scan', 'explain', 'parse', 'image', 'hotspots', 'report', 'rules'];

/** Each command's module, imported only when that command may run (start-up: see invokedCommand). */
const COMMAND_MODULES = {
  scan: () => import('./commands/scan.js'),
  explain: () => import('./commands/explain.js'),
  parse: () => import('./commands/parse.js'),
  image: () => import('./commands/image.js'),
  hotspots: () => import('./commands/hotspots.js'),
  report: () => import('./commands/report.js'),
  rules: () => import('./commands/rules.js'),
};
type CommandName = keyof typeof COMMAND_MODULES;
type CommandModules = { [name in CommandName]?: Awaited<ReturnType<(typeof COMMAND_MODULES)[name]>> };

/**
 * The command yargs will run, when the command line says so for certain: the first word that is
 * not an option. The global options are all boolean, so only `true`/`false` can be an option's
 * value; anything else (no word, `--`, a value, `completion`) gives null and every module is loaded.
 */
function invokedCommand(args: readonly string[]): CommandName | null {
  for (const arg of args) {
    if (arg === '--') return null;
    if (arg.startsWith('-')) continue;
    return Object.hasOwn(COMMAND_MODULES, arg) ? (arg as CommandName) : null;
  }
  return null;
}

async function loadCommands(names: readonly CommandName[]): Promise<CommandModules> {
  const loaded: CommandModules = {};
  for (const name of names) Object.assign(loaded, { [name]: await COMMAND_MODULES[name]() });
  return loaded;
}

/**
 * yargs lays out the whole help of the command it runs (every option, through string-width) once
 * the handler has started, in case the handler asks for help later; ours never does, and that
 * layout was a quarter of a scan's start-up. --help itself does not use this cache.
 */
function skipHelpCache(cli: Argv): void {
  const internal = (cli as Argv & { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?(): void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** yargs' choice error ("Invalid values:\n  Argument: os, Given: \"x\", Choices: ...") as one line a person reads. */
function readableUsage(msg: string): string {
  const choice = /^Invalid values:\s*Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/s.exec(msg.trim());
  if (choice) return `--${choice[1]}: ${choice[2]!.trim()} is not one of ${choice[3]!.replace(/\s+/g, ' ').trim()}`;
  return msg.replace(/\s*\n\s*/g, ' ');
}

function fail(err: unknown): never {
  const known = err instanceof UsageError || err instanceof SingleFileError || err instanceof RootError || err instanceof CatalogError || err instanceof RuleCatalogError || (err instanceof Error && err.name === 'LiveRegistryUnavailable');
  const message = err instanceof Error ? err.message : String(err);
  // yargs' messages span lines ("Invalid values:\n  Argument: ..."): one readable line instead.
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`stagehunt: ${known ? '' : 'fatal: '}${escapeControls(oneLine)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(EXIT.error);
}

function commandLine(): string {
  return ['stagehunt', ...process.argv.slice(2)].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

// A closed pipe (`stagehunt scan ... | head`) ends the run quietly, as other CLI tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

async function main(): Promise<void> {
  let exitCode: number = EXIT.ok;
  const setExit = (p: Promise<number>): Promise<void> => p.then((code) => void (exitCode = code));
  const invoked = invokedCommand(hideBin(process.argv));
  const m = await loadCommands(invoked ? [invoked] : (Object.keys(COMMAND_MODULES) as CommandName[]));
  const cli: Argv = yargs(hideBin(process.argv))
    .scriptName('stagehunt')
    .usage('$0 <command> [options]\n\nOffline triage for MITRE ATT&CK T1074.001, Local Data Staging.')
    .option('color', { type: 'boolean', describe: 'colour the table (default: when stdout is a TTY and NO_COLOR is unset); --no-color turns it off' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress or notices on stderr' })
    .option('debug', { type: 'boolean', default: false, describe: 'print stack traces for errors' })
    .command<ScanArgs>('scan [roots...]', 'scan directories and disk images (E01, VHD(X), VMDK, QCOW2, raw) for staging evidence', (y) => m.scan!.scanBuilder(y), (argv) => setExit(m.scan!.runScan(argv, commandLine())))
    .command<ExplainArgs>('explain <file>', 'everything stagehunt knows about one file, and why it would flag it', (y) => m.explain!.explainBuilder(y), (argv) => setExit(m.explain!.runExplain(argv)))
    .command<ParseArgs>('parse <file>', 'print the raw records an artifact parser extracts from one file', (y) => m.parse!.parseBuilder(y), (argv) => setExit(m.parse!.runParse(argv)))
    .command<ImageArgs>('image <file>', 'what a disk image holds (container, partitions, file systems), read without mounting; --list its files, --verify an E01', (y) => m.image!.imageBuilder(y), (argv) => setExit(m.image!.runImage(argv)))
    .command<HotspotsArgs>('hotspots', 'list the hotspot catalog', (y) => m.hotspots!.hotspotsBuilder(y), (argv) => setExit(m.hotspots!.runHotspots(argv)))
    .command<ReportArgs>('report <scan>', 're-render a saved --format json scan (html, md, table, csv, bodyfile, timesketch, ...) without rescanning', (y) => m.report!.reportBuilder(y), (argv) => setExit(m.report!.runReport(argv)))
    .command<RulesArgs>('rules', 'list the rule catalog with scores and references', (y) => m.rules!.rulesBuilder(y), (argv) => setExit(m.rules!.runRules(argv)))
    .completion('completion', 'print a bash/zsh completion script (source it from ~/.bashrc or ~/.zshrc)')
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}`)
    .strict()
    .recommendCommands()
    .epilogue(EPILOGUE)
    .version('version', 'print the version', packageVersion())
    .alias('version', 'V')
    .help('help', 'show this help')
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      fail(err ?? new UsageError(`${readableUsage(msg ?? 'invalid arguments')} (see stagehunt --help)`));
    });
  skipHelpCache(cli);
  await cli.parseAsync();
  process.exitCode = exitCode;
}

let finished = false;
failIfUnfinished(() => finished);
main().then(() => void (finished = true), fail);
