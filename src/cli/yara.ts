/**
 * --yara: the rule files and directories the user gave, read and compiled before any evidence is
 * read (docs/yara.md). A rule file named on the command line that does not compile is a usage error;
 * rule files found in a directory that do not compile are counted on stderr (every one with
 * --verbose) and left out, as --sigma does.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ruleFilesUnder } from '../rules/rule-files.js';
import { YaraCompileError, YaraScanner, YaraUnavailableError, type YaraLimits, type YaraRuleSet } from '../rules/yara/scanner.js';
import { LIMITS } from '../util/limits.js';
import { escapeControls } from '../util/text.js';
import { parseSize } from '../pipeline/hash.js';
import { UsageError } from './errors.js';

const RULE_FILE = /\.(yar|yara)$/i;

/** Reads the rule files: a file given (any name), or every .yar/.yara file below a directory given (links not followed). */
export function readYaraRules(given: readonly string[]): YaraRuleSet & { direct: Set<string> } {
  const set: YaraRuleSet & { direct: Set<string> } = { files: [], sources: [], skipped: [], direct: new Set() };
  for (const g of given) {
    let st;
    try {
      st = statSync(g);
    } catch {
      throw new UsageError(`--yara ${g}: no such file or directory`);
    }
    let files: string[];
    if (st.isDirectory()) files = ruleFilesUnder(g, RULE_FILE, LIMITS.maxYaraRuleFiles);
    else if (st.isFile()) {
      files = [g];
      set.direct.add(g);
    } else throw new UsageError(`--yara ${g}: not a file or directory`);
    for (const file of files) {
      const size = statSync(file).size;
      if (size > LIMITS.maxYaraRuleFileBytes) {
        if (set.direct.has(file)) throw new UsageError(`--yara ${g}: larger than ${LIMITS.maxYaraRuleFileBytes} bytes`);
        set.skipped.push({ path: file, reason: `larger than ${LIMITS.maxYaraRuleFileBytes} bytes` });
        continue;
      }
      const bytes = readFileSync(file);
      set.files.push({ path: file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
      set.sources.push({ label: file, text: bytes.toString('utf8') });
    }
  }
  if (set.sources.length === 0) throw new UsageError(`--yara ${given.join(', ')}: no .yar or .yara rule file found`);
  return set;
}

/** The stderr lines for the rules loaded: counts, then (with --verbose) one line per rule file left out. */
export function yaraLoadLines(scanner: YaraScanner, verbose: boolean): string[] {
  const unsupported = scanner.unsupported();
  const compiled = scanner.compiledFiles;
  const warnings = scanner.compileReport.warnings > 0 ? `; ${scanner.compileReport.warnings} compiler warnings` : '';
  const left = unsupported.length === 0 ? '' : `; ${unsupported.length} left out${verbose ? '' : ' (--verbose lists them)'}`;
  const lines = [`stagehunt: yara: ${compiled} rule files compiled${left}${warnings}`];
  if (verbose) for (const u of unsupported) lines.push(`stagehunt: yara: left out ${escapeControls(u.path)}: ${escapeControls(u.reason)}`);
  return lines;
}

/** Reads and compiles --yara; a usage error (exit 2) when nothing compiles or a rule file named on the command line does not. */
export function startYara(given: readonly string[], limits: YaraLimits, opts: { quiet: boolean; verbose: boolean }): YaraScanner {
  const set = readYaraRules(given);
  let scanner: YaraScanner;
  try {
    scanner = new YaraScanner(set, limits);
  } catch (err) {
    const named = err instanceof YaraCompileError ? err.unsupported.find((u) => set.direct.has(u.path)) : undefined;
    if (named) throw new UsageError(`--yara ${named.path}: ${named.reason}`);
    if (err instanceof YaraCompileError || err instanceof YaraUnavailableError) throw new UsageError(`--yara: ${err.message}`);
    throw err;
  }
  const named = scanner.unsupported().find((u) => set.direct.has(u.path));
  if (named) {
    scanner.close();
    throw new UsageError(`--yara ${named.path}: ${named.reason}`);
  }
  if (!opts.quiet) for (const line of yaraLoadLines(scanner, opts.verbose)) process.stderr.write(`${line}\n`);
  return scanner;
}

/** The --yara options, shared by scan and explain (an explained file is judged by the scan of its root, with the same rules). */
export const YARA_OPTIONS = {
  yara: { type: 'string', array: true, describe: 'YARA rules (a .yar/.yara file, or a directory of them; repeatable) applied to every file the scan inspects, and to the members of its archives, as YARA-X reads them' },
  'yara-max-size': { type: 'string', describe: `skip YARA on files (and archive members) larger than this (e.g. 64M; default ${LIMITS.yaraMaxFileBytes / 1024 / 1024}M, at most 1G)` },
  'yara-timeout': { type: 'number', describe: `seconds the YARA rules may take on one file or member (default ${LIMITS.yaraTimeoutMs / 1000})` },
  'yara-members': { type: 'number', describe: `members of each ZIP, 7z, RAR, tar or compressed file (and of the archives inside them) given to the YARA rules, decompressed in memory (default ${LIMITS.yaraMaxMembers}; 0: archives are not opened)` },
  'yara-packages': { type: 'boolean', describe: 'open ZIP-based packages for the YARA rules too (Office and OpenDocument files, Java and Android packages...)' },
} as const;

/** The --yara options as yargs gives them. */
export interface YaraArgs {
  yara?: string[];
  yaraMaxSize?: string;
  yaraTimeout?: number;
  yaraMembers?: number;
  yaraPackages?: boolean;
}

/** The largest --yara-max-size: the file's bytes are held twice, in shared memory and in the rules' WebAssembly memory. */
const YARA_MAX_SIZE_CAP = 1024 ** 3;
/** The largest --yara-members: each member is a scan of 7-9 ms (docs/yara.md "Cost"), so 100,000 is a quarter of an hour for one archive. */
const YARA_MAX_MEMBERS_CAP = 100_000;

/** The --yara options as limits; a bad value is a usage error. */
export function yaraLimitsOf(args: YaraArgs): YaraLimits {
  const maxSize = args.yaraMaxSize;
  const maxFileBytes = maxSize === undefined ? LIMITS.yaraMaxFileBytes : parseSize(maxSize);
  if (maxFileBytes === null || maxFileBytes > YARA_MAX_SIZE_CAP) throw new UsageError(`--yara-max-size '${maxSize}': give bytes or a size such as 64M, at most 1G`);
  const seconds = args.yaraTimeout ?? LIMITS.yaraTimeoutMs / 1000;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--yara-timeout '${String(args.yaraTimeout)}': give seconds from 0.001 to 3600`);
  const maxMembers = args.yaraMembers ?? LIMITS.yaraMaxMembers;
  if (!Number.isInteger(maxMembers) || maxMembers < 0 || maxMembers > YARA_MAX_MEMBERS_CAP) throw new UsageError(`--yara-members '${String(args.yaraMembers)}': give a whole number from 0 to ${YARA_MAX_MEMBERS_CAP}`);
  if (maxMembers === 0 && args.yaraPackages) throw new UsageError('--yara-packages: archives are not opened with --yara-members 0');
  return {
    maxFileBytes,
    timeoutMs: Math.max(1, Math.round(seconds * 1000)),
    members: maxMembers === 0 ? null : { maxMembers, maxMemberBytes: maxFileBytes, maxTotalBytes: Math.max(maxFileBytes, LIMITS.yaraArchiveBytes), packages: args.yaraPackages ?? false },
  };
}
