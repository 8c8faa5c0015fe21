/**
 * Ctrl-C and SIGTERM: stop at once, remove a temp output, and say exactly what is on disk.
 *
 * A JavaScript signal handler runs only when the event loop turns, so the scan keeps the loop
 * turning: it yields every 50 ms between files and waits for isolated parsers asynchronously
 * (src/pipeline/isolate.ts), its hashing and the reading of an event log, a hive or a shell history
 * yield every 50 ms too, also inside a large file (src/pipeline/hash.ts, src/artifacts/evtx/index.ts,
 * src/artifacts/regf/parse.ts, src/artifacts/history/index.ts; util/event-loop.ts TURN_EVERY_MS), and the commands yield once more
 * just before writing (so a signal that arrived during scoring stops the run before any output
 * exists). Outputs are written
 * synchronously: a signal during a write is handled after it, and the message then names the
 * files that were written completely instead of claiming that nothing was.
 */
import { abandonOutput } from './output.js';
import { yieldToEventLoop } from '../util/event-loop.js';

const SIGNALS = [['SIGINT', 130], ['SIGTERM', 143]] as const;
const written: string[] = [];
let installed = false;

export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of SIGNALS) {
    process.on(signal, () => {
      abandonOutput();
      const onDisk = written.length > 0 ? `after ${written.join(' and ')} had been written completely` : 'no output written';
      // A leading newline ends the progress line a terminal may show.
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}stagehunt: interrupted (${signal}); ${onDisk}\n`);
      process.exit(code);
    });
  }
}

/** Records an output that is complete on disk (renamed into place), for the interrupt message. */
export function noteWritten(target: string): void {
  written.push(target);
}

/** Lets a pending signal be handled now (one turn of the event loop), before an output is written. */
export function handlePendingSignals(): Promise<void> {
  return yieldToEventLoop();
}
