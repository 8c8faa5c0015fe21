/**
 * The YARA worker: compiles the user's rules with YARA-X (the official WebAssembly build,
 * @virustotal/yara-x) and scans one file per message, the bytes the scan's thread read and sent.
 * It never touches evidence: the scan's thread reads each file through src/evidence/ (scanner.ts).
 * Its only file read is YARA-X's WebAssembly module, stagehunt's own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { Compiler, initSync, type Rules, type Scanner } from '@virustotal/yara-x';
import { archiveMembers, type MemberBytes, type MemberListing } from '../../artifacts/archive/members.js';
import { namedLikeArchive } from '../../artifacts/archive/nested.js';
import { LIMITS } from '../../util/limits.js';
import { bufferSource } from '../../util/byte-source.js';
import { memberGlobals } from './globals.js';
import { REPORT_BYTES, SLOT, STATE, type CompileReport, type MemberTally, type WireMatch, type WireReply, type YaraGlobals, type YaraRequest, type YaraResponse, type YaraWorkerData } from './protocol.js';

const setup = workerData as YaraWorkerData;
const control = new Int32Array(setup.control);
const reportBytes = new Uint8Array(setup.report);
const encoder = new TextEncoder();

/** Offsets kept per pattern in a reply (the count is always whole). */
const OFFSETS_PER_PATTERN = 5;
/** Rules and patterns kept per reply: a file matched by thousands of rules is said with the first ones. */
const RULES_PER_REPLY = 100;
const PATTERNS_PER_RULE = 32;
/** Notes of damage kept per archive. */
const NOTES_PER_ARCHIVE = 5;

/** The globals a rule may test; defined before any source, so rules written for THOR and Loki compile. */
const GLOBALS: readonly (keyof YaraGlobals)[] = ['filename', 'filepath', 'extension'];

/** The compile report, for the thread blocked in the worker's start (scanner.ts). */
function announce(state: number, report: CompileReport): void {
  let bytes = encoder.encode(JSON.stringify(report));
  // Thousands of rule files that do not compile: the first 1,000 are said (each reason is at most 500 characters).
  if (bytes.length > REPORT_BYTES) bytes = encoder.encode(JSON.stringify({ ...report, unsupported: report.unsupported.slice(0, 1000) }));
  reportBytes.set(bytes, 0);
  Atomics.store(control, SLOT.replyLength, bytes.length);
  Atomics.store(control, SLOT.state, state);
  Atomics.notify(control, SLOT.state);
}

/** YARA-X's WebAssembly module: beside this worker in the single-file executable (scripts/build-exe.mjs), else in the package's node_modules. */
function loadYaraX(): void {
  const beside = fileURLToPath(new URL('./yara_x_js_bg.wasm', import.meta.url));
  const file = existsSync(beside) ? beside : path.join(path.dirname(createRequire(import.meta.url).resolve('@virustotal/yara-x/package.json')), 'pkg', 'yara_x_js_bg.wasm');
  initSync({ module: readFileSync(file) });
}

function newCompiler(): Compiler {
  const compiler = new Compiler();
  for (const name of GLOBALS) compiler.defineGlobal(name, '');
  return compiler;
}

/** Adds the sources (their indexes) to a new compiler; the indexes that did not compile, with the first line of each error. */
function addSources(compiler: Compiler, indexes: readonly number[]): Array<{ index: number; reason: string }> {
  const failed: Array<{ index: number; reason: string }> = [];
  for (const index of indexes) {
    compiler.newNamespace(`r${index}`);
    try {
      compiler.addSource(setup.sources[index]!.text);
    } catch (err) {
      failed.push({ index, reason: firstLine(err) });
    }
  }
  return failed;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0]!.slice(0, 500);
}

/**
 * Compiles every source; YARA-X's build refuses a compiler that met an error, so the sources that
 * failed are left out of a second compiler (a source cannot depend on another: includes are not
 * supported in WebAssembly).
 */
function compile(): { rules: Rules | null; report: CompileReport } {
  const all = setup.sources.map((_, i) => i);
  let compiler = newCompiler();
  const unsupported = addSources(compiler, all);
  if (unsupported.length > 0) {
    compiler.free();
    compiler = newCompiler();
    const bad = new Set(unsupported.map((u) => u.index));
    const again = addSources(compiler, all.filter((i) => !bad.has(i)));
    if (again.length > 0) return { rules: null, report: { ok: false, unsupported: [...unsupported, ...again], warnings: 0, error: again[0]!.reason } };
  }
  if (unsupported.length === setup.sources.length) {
    const first = unsupported[0]!;
    return { rules: null, report: { ok: false, unsupported, warnings: 0, error: `no rule file compiled (${setup.sources[first.index]!.label}: ${first.reason})` } };
  }
  const warnings = compiler.warnings.length;
  const rules = compiler.build();
  compiler.free();
  return { rules, report: { ok: true, unsupported, warnings } };
}

interface RawMatch {
  identifier: string;
  isPrivate: boolean;
  namespace: string;
  tags: string[];
  metadata: Array<{ identifier: string; value: unknown }>;
  patterns: Array<{ identifier: string; isPrivate: boolean; matches: Array<{ offset: number }> }>;
}

function wireMatch(m: RawMatch, member?: string): WireMatch {
  const meta: Array<[string, string | number | boolean]> = [];
  for (const { identifier, value } of m.metadata) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') meta.push([identifier, typeof value === 'string' ? value.slice(0, 1000) : value]);
  }
  const patterns: WireMatch['patterns'] = [];
  for (const p of m.patterns) {
    if (p.isPrivate || p.matches.length === 0 || patterns.length >= PATTERNS_PER_RULE) continue;
    patterns.push({ id: p.identifier, count: p.matches.length, offsets: p.matches.slice(0, OFFSETS_PER_PATTERN).map((x) => x.offset) });
  }
  return { rule: m.identifier, ...(member !== undefined ? { member } : {}), source: Number(m.namespace.slice(1)), tags: m.tags.slice(0, 32), meta: meta.slice(0, 32), patterns };
}

/**
 * The globals some rule names (a word match over the sources: a false positive costs time only).
 * Setting one costs YARA-X about 7 ms, as much as a scan: a global no rule uses is never set, and
 * one is set again only when its value changes.
 */
const USED_GLOBALS = GLOBALS.filter((name) => setup.sources.some((source) => new RegExp(`\\b${name}\\b`).test(source.text)));
const lastGlobals = new Map<string, string>();

function setGlobals(scanner: Scanner, globals: YaraGlobals): void {
  for (const name of USED_GLOBALS) {
    const value = globals[name];
    if (lastGlobals.get(name) === value) continue;
    scanner.setGlobal(name, value);
    lastGlobals.set(name, value);
  }
}

/** The rules that matched `bytes` (private ones dropped: a building block of others, YARA reports it nowhere; YARA-X lists it, flagged). */
function matchesOf(scanner: Scanner, bytes: Uint8Array): RawMatch[] {
  const result = scanner.scan(bytes) as { matches: RawMatch[] };
  return result.matches.filter((m) => !m.isPrivate);
}

function newTally(listing: MemberListing): MemberTally {
  return { format: listing.format, ...(listing.package ? { package: listing.package } : {}), scanned: 0, matched: 0, encrypted: 0, method: 0, tooLarge: 0, damaged: 0, budget: 0, beyond: listing.beyond, notes: listing.warnings.slice(0, NOTES_PER_ARCHIVE) };
}

const SKIP_FIELD = { encrypted: 'encrypted', method: 'method', 'too-large': 'tooLarge', damaged: 'damaged', budget: 'budget' } as const;

/**
 * The file (unless resuming), then its members while the budget of scans lasts. Each member is
 * announced first (`tick`), so that the time limit is one scan's, as for a file, and a timeout can
 * name the member.
 */
function scanRequest(scanner: Scanner, request: YaraRequest): WireReply {
  const shown: WireMatch[] = [];
  let more = false;
  /** Adds matches to what the reply shows (up to RULES_PER_REPLY). */
  const keep = (matches: RawMatch[], member?: string): void => {
    for (const m of matches) {
      if (shown.length >= RULES_PER_REPLY) {
        more = true;
        return;
      }
      shown.push(wireMatch(m, member));
    }
  };
  /** What was shown since the last tick (sent with the next, so that it survives a timeout). */
  let told = 0;
  const sinceTick = (): WireMatch[] => {
    const found = shown.slice(told);
    told = shown.length;
    return found;
  };
  const made = { scans: 0 };
  if (request.from === undefined) {
    if (USED_GLOBALS.length > 0) setGlobals(scanner, request.globals);
    keep(matchesOf(scanner, request.bytes));
    made.scans++;
  }
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  let listing: MemberListing | null;
  try {
    listing = request.members && request.members.maxMembers > 0 ? archiveMembers(bufferSource(bytes), request.globals.filename, request.members) : null;
  } catch (err) {
    // A reader's fault on hostile bytes costs the members, not the file's own matches.
    listing = { format: 'archive', members: [], beyond: 0, warnings: [`members not read: ${firstLine(err)}`] };
  }
  if (!listing) return { ok: true, matches: shown, cut: more, scans: made.scans };
  const tally = newTally(listing);
  try {
    const from = scanMembers(scanner, request, listing, tally, keep, sinceTick, made);
    if (from !== null) return { ok: true, matches: shown, cut: more, scans: made.scans, members: tally, resume: { from, bytes: request.bytes } };
  } catch (err) {
    tally.damaged++;
    if (tally.notes.length < NOTES_PER_ARCHIVE) tally.notes.push(`members not read further: ${firstLine(err)}`);
  }
  return { ok: true, matches: shown, cut: more, scans: made.scans, members: tally };
}

/** What one archive's members share while they are scanned: the worker's hooks, and what is left for the archives inside it. */
interface MemberScan {
  scanner: Scanner;
  request: YaraRequest;
  tally: MemberTally;
  keep: (matches: RawMatch[], member?: string) => void;
  sinceTick: () => WireMatch[];
  made: { scans: number };
  /** Members of archives inside the archive still given (--yara-members), and bytes they may still decompress to. */
  inside: { members: number; bytes: number };
}

/** The members from `request.from`, each announced, loaded and scanned; the member to go on from when the worker's budget of scans is spent, else null. */
function scanMembers(scanner: Scanner, request: YaraRequest, listing: MemberListing, tally: MemberTally, keep: (matches: RawMatch[], member?: string) => void, sinceTick: () => WireMatch[], made: { scans: number }): number | null {
  const bounds = request.members!;
  const run: MemberScan = { scanner, request, tally, keep, sinceTick, made, inside: { members: bounds.maxMembers, bytes: bounds.maxTotalBytes } };
  for (const member of listing.members) {
    if (member.index < (request.from ?? 0)) continue;
    if (made.scans >= request.budget) return member.index;
    scanMember(run, member.path, member.load, 1);
  }
  return null;
}

/**
 * One member, announced first (`tick`), loaded and scanned; then, when it is named like an archive,
 * its own members as `<member>/<path>`, as the archive listing opens archives inside archives
 * (archive/nested.ts: the same names, at most as many levels), within --yara-members and the bytes
 * per archive, counted with the archive's.
 */
function scanMember(run: MemberScan, memberPath: string, load: () => MemberBytes, depth: number): void {
  const { tally } = run;
  parentPort!.postMessage({ id: run.request.id, tick: memberPath, found: run.sinceTick() } satisfies YaraResponse);
  const loaded = load();
  if (!loaded.ok) {
    tally[SKIP_FIELD[loaded.why]]++;
    if (loaded.why === 'damaged' && tally.notes.length < NOTES_PER_ARCHIVE) tally.notes.push(`${memberPath.slice(0, 200)}: ${loaded.detail}`);
    return;
  }
  if (loaded.damaged) {
    tally.damaged++;
    if (tally.notes.length < NOTES_PER_ARCHIVE) tally.notes.push(`${memberPath.slice(0, 200)}: ${loaded.damaged} (what decoded was scanned)`);
  }
  if (USED_GLOBALS.length > 0) setGlobals(run.scanner, memberGlobals(run.request.globals, memberPath));
  const matches = matchesOf(run.scanner, loaded.data);
  run.made.scans++;
  tally.scanned++;
  if (matches.length > 0) tally.matched++;
  run.keep(matches, memberPath);
  if (depth > LIMITS.maxNestedArchiveDepth || !namedLikeArchive(memberPath) || run.inside.members <= 0 || run.inside.bytes <= 0) return;
  const inner = archiveMembers(bufferSource(loaded.data), memberPath.slice(memberPath.lastIndexOf('/') + 1), {
    ...run.request.members!,
    maxMembers: run.inside.members,
    maxTotalBytes: run.inside.bytes,
    packages: false,
  });
  if (!inner) return;
  tally.beyond += inner.beyond;
  for (const m of inner.members) {
    if (run.inside.members <= 0) {
      tally.beyond++;
      continue;
    }
    run.inside.members--;
    scanMember(run, `${memberPath}/${m.path}`, () => {
      const got = m.load();
      if (got.ok) run.inside.bytes -= got.data.length;
      return got;
    }, depth + 1);
  }
}

/** Answers each file's message; the event loop turns between them (YARA-X's glue frees each scan's closures from a FinalizationRegistry, which runs only then). */
function serve(rules: Rules): void {
  const scanner = rules.scanner();
  scanner.setMaxMatchesPerPattern(setup.maxMatchesPerPattern);
  parentPort!.on('message', (request: YaraRequest) => {
    let reply: WireReply;
    try {
      reply = scanRequest(scanner, request);
    } catch (err) {
      reply = { ok: false, error: firstLine(err) };
    }
    const handedBack = reply.ok && reply.resume ? [reply.resume.bytes.buffer as ArrayBuffer] : [];
    parentPort!.postMessage({ id: request.id, reply } satisfies YaraResponse, handedBack);
  });
}

try {
  loadYaraX();
  const { rules, report } = compile();
  announce(rules ? STATE.ready : STATE.failed, report);
  if (rules) serve(rules);
} catch (err) {
  announce(STATE.failed, { ok: false, unsupported: [], warnings: 0, error: firstLine(err) });
}
