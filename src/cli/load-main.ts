/**
 * Runs the CLI's bundle (dist/bundle/main.cjs) with V8's code cache that the build made for it
 * (dist/bundle/main.cjs.code-cache; docs/performance.md "Session 34").
 *
 * Node compiles every function of a script the first time it runs; a scan runs a few thousand of
 * them. V8 can serialise the bytecode of the functions a run compiled and take it back in a later
 * process, but Node 20 offers that only through `vm.Script`'s `cachedData` (Node 22's compile cache
 * for modules is not in Node 20): hence a CommonJS bundle, compiled here as Node's own loader would
 * wrap it. The build makes the cache at the end of a scan of the demo (scripts/code-cache.mjs), so
 * it holds what a scan compiles. V8 checks the cache against its own version, its flags and the
 * source's length, and compiles as usual when they do not match (another Node, a
 * `--max-old-space-size`): the cache only saves time, it never changes what runs. V8 does not check
 * the bytes themselves (a damaged cache aborts the process in its deserializer; measured), nor the
 * source beyond its length: so the file carries a SHA-256 of the bundle and the cache together,
 * checked before V8 sees it (2 ms).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { restoreV8FlagDefaults } from '../util/v8-flags.js';

/** The CLI's CommonJS bundle, beside this one (scripts/bundle.mjs). */
export const MAIN_BUNDLE = fileURLToPath(new URL('./main.cjs', import.meta.url));
/** V8's code cache for MAIN_BUNDLE, written by scripts/code-cache.mjs. */
export const MAIN_CODE_CACHE = `${MAIN_BUNDLE}.code-cache`;

/** The largest cache read (the built one is about 1.4 MB): a stray huge file is not read. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** The file: this tag, the SHA-256 of the bundle's bytes followed by V8's cache, then V8's cache. */
const MAGIC = Buffer.from('SHCODE01');
const HEADER_BYTES = MAGIC.length + 32;

function digest(source: Buffer, v8Cache: Buffer): Buffer {
  return createHash('sha256').update(source).update(v8Cache).digest();
}

/** V8's cache for `source`, or undefined when there is none, or the file is not one made for exactly these bytes. */
function readCodeCache(file: string, source: Buffer): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEADER_BYTES || bytes.length > MAX_CACHE_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const v8Cache = bytes.subarray(HEADER_BYTES);
  return digest(source, v8Cache).equals(bytes.subarray(MAGIC.length, HEADER_BYTES)) ? v8Cache : undefined;
}

/**
 * Writes MAIN_CODE_CACHE from `script` (what runMain returned), for the cache's maker
 * (scripts/code-cache.mjs) at the end of its run: the V8 flags the CLI set go back to their
 * defaults first, as a new process has them when it reads the cache.
 */
export function writeMainCodeCache(script: Script): void {
  restoreV8FlagDefaults();
  const v8Cache = script.createCachedData();
  writeFileSync(MAIN_CODE_CACHE, Buffer.concat([MAGIC, digest(readFileSync(MAIN_BUNDLE), v8Cache), v8Cache]));
}

/** What running the bundle compiled: the script (for the cache's maker) and whether V8 took the cache. */
export interface LoadedMain {
  script: Script | undefined;
  /** true: the cache was read and accepted; false: none, not made for this bundle, damaged, or V8 rejected it. */
  cacheAccepted: boolean;
}

/**
 * Compiles and runs MAIN_BUNDLE, with its code cache when there is one. With `debug`, through
 * Node's own CommonJS loader instead, which applies the source maps (bin/stagehunt.js turns them on).
 */
export function runMain(debug = false): LoadedMain {
  const require = createRequire(MAIN_BUNDLE);
  if (debug) {
    require(MAIN_BUNDLE);
    return { script: undefined, cacheAccepted: false };
  }
  const source = readFileSync(MAIN_BUNDLE);
  const cachedData = readCodeCache(MAIN_CODE_CACHE, source);
  // The wrapper of Node's CommonJS loader: the bundle's `require` (its built-ins and regedit-rs) and `module`.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, { filename: MAIN_BUNDLE, cachedData });
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, MAIN_BUNDLE, path.dirname(MAIN_BUNDLE));
  return { script, cacheAccepted: cachedData !== undefined && script.cachedDataRejected === false };
}
