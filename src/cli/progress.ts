/** Progress on stderr while scanning, only when stderr is a TTY (nothing when piped). */
import type { ScanProgress } from '../pipeline/scan.js';

export function makeProgress(stream: NodeJS.WriteStream, intervalMs = 250): (p: ScanProgress) => void {
  const started = Date.now();
  let last = 0;
  return (p: ScanProgress) => {
    const now = Date.now();
    if (now - last < intervalMs && p.phase === 'walk') return;
    last = now;
    const secs = Math.max(0.001, (now - started) / 1000);
    const rate = Math.round(p.files / secs);
    const mb = (p.bytes / 1048576).toFixed(1);
    stream.write(`\r\u001b[Kscanning ${p.phase === 'correlate' ? '(correlating) ' : ''}${p.files} files, ${mb} MB read, ${p.findings} candidates, ${rate} files/s`);
  };
}
