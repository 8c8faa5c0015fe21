/**
 * Every V8 flag stagehunt sets while it runs, with V8's own default, in one place.
 *
 * Why one place: V8 accepts a code cache (cli/load-main.ts) only from a V8 whose flags hash as its
 * own did when it made the cache; a flag set at run time changes that hash. The build makes the
 * CLI's cache at the end of a scan (scripts/code-cache.mjs), after these flags were set, so it sets
 * them back to these defaults first (`restoreV8FlagDefaults`). A flag set elsewhere, with
 * setFlagsFromString, would make every cache be rejected (ESLint forbids it outside this file;
 * test/packaging/bundle.test.ts checks the built cache is accepted).
 */
import { setFlagsFromString } from 'node:v8';

/** Flag name (without `--`) -> V8's default in Node 20 (V8 11.3). */
const V8_FLAG_DEFAULTS = {
  'semi-space-growth-factor': 2,
  'heap-growing-percent': 0,
  'expose-gc': false,
  'enable-experimental-regexp-engine': false,
  'enable-experimental-regexp-engine-on-excessive-backtracks': false,
} as const;

type V8FlagName = keyof typeof V8_FLAG_DEFAULTS;
/** A flag's value has its default's type: a number or on/off. */
type V8FlagValue<N extends V8FlagName> = (typeof V8_FLAG_DEFAULTS)[N] extends boolean ? boolean : number;

/** Sets one of the flags above for this process (its isolates, including later workers). */
export function setV8Flag<N extends V8FlagName>(name: N, value: V8FlagValue<N>): void {
  setFlagsFromString(typeof value === 'boolean' ? `--${value ? '' : 'no-'}${name}` : `--${name}=${value}`);
}

/** Sets every flag above back to V8's default: for the code cache's maker only, at its end. */
export function restoreV8FlagDefaults(): void {
  for (const [name, value] of Object.entries(V8_FLAG_DEFAULTS)) setV8Flag(name as V8FlagName, value as never);
}
