/**
 * Progress on stderr while scanning (off with --quiet): on a terminal one self-overwriting line,
 * redrawn every 250 ms; when stderr is not a terminal (CI logs, a redirect) one plain line every
 * 10 s, so a long scan shows it is alive without flooding the log. The line: files (of the
 * expected total), bytes read, candidates, rate and, when a total is known, percent and ETA.
 */
import type { ScanProgress } from '../pipeline/scan.js';

export interface ProgressOptions {
  /** Minimum time between redraws (default: 250 ms live, PERIODIC_INTERVAL_MS periodic). */
  intervalMs?: number;
  /** 'live': one line redrawn in place (a terminal); 'periodic': a new line each interval (a log). */
  mode?: 'live' | 'periodic';
  /** Files the scan is expected to visit (from evidence/precount.ts precountFiles); null or absent: no percent or ETA. */
  expectedFiles?: number | null;
  /** Injected clock for tests. */
  now?(): number;
}

/** When stderr is not a terminal: one progress line this often. */
export const PERIODIC_INTERVAL_MS = 10_000;


function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Formats one progress line (exported for tests); `carve`: free space read and its total, in the 'carve' phase. */
export function progressLine(files: number, bytes: number, findings: number, elapsedMs: number, expected: number | null, phase: ScanProgress['phase'], carve?: ScanProgress['carve']): string {
  const secs = Math.max(0.001, elapsedMs / 1000);
  const rate = files / secs;
  const mb = (bytes / 1048576).toFixed(1);
  const parts = [expected ? `${files.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} files (${Math.min(100, Math.floor((100 * files) / Math.max(1, expected)))}%)` : `${files.toLocaleString('en-US')} files`];
  parts.push(`${mb} MB read`, `${findings} candidates`, `${Math.round(rate).toLocaleString('en-US')} files/s`);
  if (expected && phase === 'walk' && files > 0) parts.push(`ETA ${duration(Math.max(0, expected - files) / rate)}`);
  const gb = (n: number) => (n / 1024 ** 3).toFixed(1);
  const carving = phase === 'carve' && carve ? `(carving free space: ${gb(carve.read)} of ${gb(carve.total)} GB, ${Math.min(100, Math.floor((100 * carve.read) / Math.max(1, carve.total)))}%) ` : '';
  return `scanning ${phase === 'correlate' ? '(correlating) ' : carving}${parts.join(', ')}`;
}

export function makeProgress(stream: NodeJS.WriteStream, options: number | ProgressOptions = {}): (p: ScanProgress) => void {
  const opts: ProgressOptions = typeof options === 'number' ? { intervalMs: options } : options;
  const now = opts.now ?? Date.now;
  const periodic = opts.mode === 'periodic';
  const intervalMs = opts.intervalMs ?? (periodic ? PERIODIC_INTERVAL_MS : 250);
  const started = now();
  // Periodic lines start one interval in: a short scan writes none.
  let last = periodic ? started : 0;
  // ScanProgress counts per root; the line shows the sum over roots.
  const perRoot = new Map<string, { files: number; bytes: number; findings: number }>();
  return (p: ScanProgress) => {
    perRoot.set(p.root, { files: p.files, bytes: p.bytes, findings: p.findings });
    const t = now();
    if (t - last < intervalMs && (p.phase === 'walk' || p.phase === 'carve' || periodic)) return;
    last = t;
    let files = 0;
    let bytes = 0;
    let findings = 0;
    for (const r of perRoot.values()) {
      files += r.files;
      bytes += r.bytes;
      findings += r.findings;
    }
    const line = progressLine(files, bytes, findings, t - started, opts.expectedFiles ?? null, p.phase, p.carve);
    stream.write(periodic ? `stagehunt: ${line}\n` : `\r\u001b[K${line}`);
  };
}
