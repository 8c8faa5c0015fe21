/**
 * The one documented place where a type is asserted across `unknown` in src/ (issue 10): yargs
 * infers a chain of `.option()` calls as an intersection that does not match the hand-written
 * argument interface of a command (aliases, `choices` and defaults widen or narrow it), so each
 * builder declares its interface and crosses here. What yargs hands a command is still checked
 * by yargs itself (types, choices, demandOption) before the command runs.
 */
import type { Argv } from 'yargs';

export function typedArgs<T>(y: unknown): Argv<T> {
  return y as Argv<T>;
}
