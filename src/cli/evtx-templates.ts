/**
 * `scan --evtx-templates FILE...`: event logs outside the roots (host files, as `parse --templates`
 * and `--mft` read them: an older copy of a log from a shadow copy or an earlier collection) whose
 * templates rebuild the slack records of a cleared log of the same channel in any root
 * (pipeline/evtx-lending.ts). Each is checked here, before any evidence is read: a file that cannot
 * be opened or is no event log is a usage error.
 */
import { logChannel } from '../artifacts/evtx/index.js';
import type { LendingLog } from '../pipeline/evtx-lending.js';
import { openSingleFile } from '../evidence/single-file.js';
import { escapeControls } from '../util/text.js';
import { UsageError } from './errors.js';

/** Logs given at most: each is read whole again for every log of its channel that borrows. */
const MAX_TEMPLATE_LOGS = 16;

export function loadEvtxTemplates(paths: readonly string[]): LendingLog[] {
  if (paths.length > MAX_TEMPLATE_LOGS) throw new UsageError(`--evtx-templates: at most ${MAX_TEMPLATE_LOGS} logs`);
  return paths.map((file) => {
    const { source } = openSingleFile(file);
    let channel: string | null;
    try {
      channel = logChannel(source);
    } finally {
      source.close();
    }
    if (channel === null) throw new UsageError(`--evtx-templates ${escapeControls(file)}: not an event log whose records name their channel`);
    return {
      name: file,
      channel,
      open: () => {
        try {
          return openSingleFile(file).source;
        } catch {
          return null; // gone since the check: it lends nothing
        }
      },
    };
  });
}
