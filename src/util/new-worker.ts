/**
 * Starting a worker thread under any way of running the CLI. A worker inherits this process's Node
 * options, and `--input-type` (only for code given on the command line, `node --input-type=module
 * -e ...`) makes a worker started from a file fail (ERR_INPUT_TYPE_NOT_ALLOWED): the isolated parser
 * worker's files (hives, shell histories, tar) then went unparsed with an error each, and the ahead
 * workers waited for a start that never came. With that option the worker is given this process's
 * options without it; otherwise it inherits them as Worker does by default (an explicit list is
 * parsed again, and Node refuses V8 and per-process options in it, such as --expose-gc).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The options for a worker when `--input-type` must be left out; undefined: inherit them all. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  const kept: string[] = [];
  let inputType = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === '--input-type') {
      inputType = true;
      i++; // its value is the next argument
    } else if (arg.startsWith('--input-type=')) inputType = true;
    else kept.push(arg);
  }
  return inputType ? kept : undefined;
}

/** `new Worker(url, options)`, with the process's options as workerExecArgv gives them. */
export function newWorker(url: URL, options: WorkerOptions): Worker {
  const execArgv = workerExecArgv();
  if (execArgv === undefined) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    // A V8 or per-process option among them, which Node passes on only by inheritance: V8's apply
    // to every thread anyway, so the worker starts with none of its own.
    return new Worker(url, { ...options, execArgv: [] });
  }
}
