/**
 * The Node options a worker thread is started with: this process's (what Worker does by default),
 * without `--input-type`. That option is only for code given on the command line (`node
 * --input-type=module -e ...`); a worker inheriting it fails to start from its file
 * (ERR_INPUT_TYPE_NOT_ALLOWED), and the isolated parser worker's files (hives, histories, tar)
 * then went unparsed with an error each.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === '--input-type') i++; // its value is the next argument
    else if (!arg.startsWith('--input-type=')) kept.push(arg);
  }
  return kept;
}
