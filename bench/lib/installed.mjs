// Whether a command is on PATH, for bench scripts that say which reference tool or floor they could
// not measure (a missing tool is named, never left as an empty column).
import { spawnSync } from 'node:child_process';

/** True when `sh`'s `command -v` finds `cmd` (the name is passed as an argument, not into the script). */
export function installed(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}
