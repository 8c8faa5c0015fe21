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
import { REPORT_BYTES, SLOT, STATE, type CompileReport, type WireMatch, type WireReply, type YaraGlobals, type YaraRequest, type YaraResponse, type YaraWorkerData } from './protocol.js';

const setup = workerData as YaraWorkerData;
const control = new Int32Array(setup.control);
const reportBytes = new Uint8Array(setup.report);
const encoder = new TextEncoder();

/** Offsets kept per pattern in a reply (the count is always whole). */
const OFFSETS_PER_PATTERN = 5;
/** Rules and patterns kept per reply: a file matched by thousands of rules is said with the first ones. */
const RULES_PER_REPLY = 100;
const PATTERNS_PER_RULE = 32;

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

function wireMatch(m: RawMatch): WireMatch {
  const meta: Array<[string, string | number | boolean]> = [];
  for (const { identifier, value } of m.metadata) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') meta.push([identifier, typeof value === 'string' ? value.slice(0, 1000) : value]);
  }
  const patterns: WireMatch['patterns'] = [];
  for (const p of m.patterns) {
    if (p.isPrivate || p.matches.length === 0 || patterns.length >= PATTERNS_PER_RULE) continue;
    patterns.push({ id: p.identifier, count: p.matches.length, offsets: p.matches.slice(0, OFFSETS_PER_PATTERN).map((x) => x.offset) });
  }
  return { rule: m.identifier, source: Number(m.namespace.slice(1)), tags: m.tags.slice(0, 32), meta: meta.slice(0, 32), patterns };
}

/**
 * The globals some rule names (a word match over the sources: a false positive costs time only).
 * Setting one costs YARA-X about 7 ms, as much as a scan: a global no rule uses is never set, and
 * one is set again only when its value changes.
 */
const USED_GLOBALS = GLOBALS.filter((name) => setup.sources.some((source) => new RegExp(`\\b${name}\\b`).test(source.text)));
const lastGlobals = new Map<string, string>();

function scanOne(scanner: Scanner, request: YaraRequest): WireReply {
  if (USED_GLOBALS.length > 0) {
    for (const name of USED_GLOBALS) {
      const value = request.globals[name];
      if (lastGlobals.get(name) === value) continue;
      scanner.setGlobal(name, value);
      lastGlobals.set(name, value);
    }
  }
  const result = scanner.scan(request.bytes) as { matches: RawMatch[] };
  // A private rule is a building block of others: YARA reports it nowhere, YARA-X's result lists it (flagged).
  const shown = result.matches.filter((m) => !m.isPrivate);
  const matches = shown.slice(0, RULES_PER_REPLY).map(wireMatch);
  return { ok: true, matches, cut: shown.length > RULES_PER_REPLY };
}

/** Answers each file's message; the event loop turns between them (YARA-X's glue frees each scan's closures from a FinalizationRegistry, which runs only then). */
function serve(rules: Rules): void {
  const scanner = rules.scanner();
  scanner.setMaxMatchesPerPattern(setup.maxMatchesPerPattern);
  parentPort!.on('message', (request: YaraRequest) => {
    let reply: WireReply;
    try {
      reply = scanOne(scanner, request);
    } catch (err) {
      reply = { ok: false, error: firstLine(err) };
    }
    parentPort!.postMessage({ id: request.id, reply } satisfies YaraResponse);
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
