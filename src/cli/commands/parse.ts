/** `stagehunt parse <file>`: the raw records an artifact parser extracts (like reglookup or RBCmd). */
import type { Argv } from 'yargs';
import { ARTIFACT_PARSERS, parserById } from '../../artifacts/index.js';
import type { ArtifactContext } from '../../artifacts/types.js';
import { fingerprint } from '../../fingerprint/index.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';
import { openSingleFile } from '../single-file.js';
import { openRoot } from '../../evidence/root.js';
import { escapeControls } from '../../util/text.js';
import { typedArgs } from '../args.js';

/** Artifacts whose parsers match on the file's usual name, but whose content the fingerprint knows. */
const PARSER_FOR_FORMAT: Record<string, string> = { info2: 'info2', 'recyclebin-i': 'recyclebin-i' };

export interface ParseArgs {
  file: string;
  format: 'json' | 'jsonl';
  parser?: string;
  codepage?: string;
  quiet?: boolean;
  root?: string;
}

export function parseBuilder(y: Argv): Argv<ParseArgs> {
  return typedArgs<ParseArgs>(y
    .positional('file', { type: 'string', demandOption: true, describe: 'an artifact file: archive, $I/INFO2, .trashinfo, history, registry hive, EVTX event log, $MFT, $J' })
    .option('format', { alias: 'f', choices: ['json', 'jsonl'] as const, default: 'jsonl' as const })
    .option('parser', { type: 'string', describe: `force a parser: ${ARTIFACT_PARSERS.map((p) => p.id).join(', ')}` })
    .option('codepage', { type: 'string', describe: 'ANSI code page for INFO2 / legacy artifacts' })
    .option('root', { type: 'string', describe: 'evidence root the file lies in: every path component below it must be a real directory (no link)' }));
}

export async function runParse(args: ParseArgs): Promise<number> {
  if (args.parser && !parserById(args.parser))
    throw new UsageError(`unknown parser '${args.parser}' (choose one of: ${ARTIFACT_PARSERS.map((p) => p.id).join(', ')})`);
  const file = openSingleFile(args.file, args.root ? openRoot(args.root, 'auto') : undefined);
  try {
    const fp = await fingerprint(file.opened.source, file.head, file.name);
    const ctx: ArtifactContext = {
      relPath: file.name,
      name: file.name,
      head: file.head,
      size: file.opened.size,
      format: fp.format,
      siblings: file.siblings,
      options: args.codepage ? { codepage: args.codepage } : undefined,
    };
    let candidates = args.parser ? [parserById(args.parser)!] : ARTIFACT_PARSERS.filter((p) => safeMatches(p, ctx));
    // A renamed copy (a collection tool's output, a corpus sample) is still recognised by its content.
    const byContent = fp.format ? PARSER_FOR_FORMAT[fp.format] : undefined;
    if (candidates.length === 0 && byContent) candidates = [parserById(byContent)!];
    for (const parser of candidates) {
      // Millions of records ($MFT, $J, event logs): printed as they are read, never held.
      if (parser.stream && args.format === 'jsonl') {
        const warnings: string[] = [];
        await writeStdout(jsonLines(parser.stream(file.opened.source, ctx, warnings)));
        if (!args.quiet) for (const w of warnings.slice(0, 100)) process.stderr.write(`stagehunt: warning: ${escapeControls(w)}\n`);
        return 0;
      }
      const result = await parser.parse(file.opened.source, ctx);
      if (!result) continue;
      if (!args.quiet) for (const w of result.warnings.slice(0, 100)) process.stderr.write(`stagehunt: warning: ${escapeControls(w)}\n`);
      await writeStdout(
        args.format === 'json'
          ? `${JSON.stringify({ parser: result.parser, corrupted: result.corrupted, warnings: result.warnings, summary: result.facts ?? null, records: result.records }, null, 2)}\n`
          : jsonLines(result.records),
      );
      return 0;
    }
    throw new UsageError(`no parser understands ${args.file} (detected format: ${fp.format ?? 'unknown'}; ${fp.description})`);
  } finally {
    file.opened.close();
  }
}

/** One record per line, written as they come (a large hive has a million records). */
function* jsonLines(records: Iterable<unknown>): Generator<string> {
  for (const r of records) yield `${JSON.stringify(r)}\n`;
}

function safeMatches(p: (typeof ARTIFACT_PARSERS)[number], ctx: ArtifactContext): boolean {
  try {
    return p.matches(ctx);
  } catch {
    return false;
  }
}
