/**
 * The demo image's HTML report in a real browser (headless Chromium): it renders the verdict and
 * the episode narratives, logs no console message (errors, CSP violations), and loads nothing.
 * A control page that does try to load an image and run a script proves the log check can fail.
 * The screenshot is kept in test-artifacts/browser/ (gitignored) for a human look.
 * Needs the Debian package `chromium` (CI installs it; elsewhere the test is skipped with a notice).
 */
import { beforeAll, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scan } from '../../src/pipeline/scan.js';
import { CSP, toHtml } from '../../src/report/html.js';
import { withZonedEpisodes } from '../../src/report/time-zone.js';
import type { ScanReport } from '../../src/model/report.js';
import { DEMO_IMAGE, ensureDemoImage, ROOT } from '../helpers/cli.js';
import { toolAvailable, describeIf, toolMissing } from '../helpers/corpus.js';
import { decodePng, differingPixels } from '../helpers/png.js';
import { readFileSync } from 'node:fs';

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(path.join(tmpdir(), 'sh-chromium-'));
  try {
    const r = spawnSync('chromium', [...FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 128 * 1024 * 1024 });
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Console lines the page itself caused (errors, CSP violations, blocked loads), from Chromium's log. */
function pageConsoleLines(stderr: string, file: string): string[] {
  const url = pathToFileURL(file).href;
  return stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l) && l.includes(url));
}

const haveChromium = toolAvailable('chromium');
describeIf(haveChromium, toolMissing('chromium'))('HTML report in headless Chromium', () => {
  let report: ScanReport;
  let htmlFile: string;

  beforeAll(async () => {
    await ensureDemoImage();
    report = await scan({ roots: [DEMO_IMAGE], os: 'auto', scope: 'hotspots', minLevel: 'low', hash: { mode: 'findings', algorithms: ['sha256'], maxSize: 1e12 } });
    mkdirSync(ARTIFACTS, { recursive: true });
    htmlFile = path.join(ARTIFACTS, 'demo-report.html');
    report.meta.case = { id: 'IR-2025-042', examiner: 'J. Doe' };
    writeFileSync(htmlFile, toHtml(report, { timeZone: 'Europe/Berlin', redact: true }));
  });

  /** A screenshot of the report with `css` added (e.g. hiding what is checked), decoded. */
  function shot(name: string, css: string): ReturnType<typeof decodePng> {
    const file = path.join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, readFileSync(htmlFile, 'utf8').replace('</head>', `<style>${css}</style></head>`));
    const png = path.join(ARTIFACTS, `${name}.png`);
    // The page settled before the capture (its scripts' timers run, every compositor stage drawn): on a
    // loaded machine a capture taken earlier once differed from the same page's by 24,780 pixels.
    const r = chromium([`--screenshot=${png}`, '--window-size=1280,1800', '--hide-scrollbars', '--force-device-scale-factor=1', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=5000', pathToFileURL(file).href]);
    expect(r.status).toBe(0);
    return decodePng(readFileSync(png));
  }

  it('paints the case header, the chart axis labels and the dot numbers without hovering (screenshot check)', () => {
    const dom = chromium(['--dump-dom', pathToFileURL(htmlFile).href]).stdout;
    for (const s of ['IR-2025-042', 'J. Doe', 'Europe/Berlin', 'class="tick-label"', 'class="tick-date"', 'class="dot-label"', 'id="redaction"']) expect(dom).toContain(s);
    expect(dom).not.toContain('S3cr3t');
    const base = shot('base', '');
    // Control: the same page twice paints the same pixels, so a difference below is the hidden text.
    expect(differingPixels(base, shot('same', ''))).toBe(0);
    // visibility:hidden keeps the layout: only the hidden text's pixels change.
    expect(differingPixels(base, shot('no-axis', '.tick-label,.tick-date{visibility:hidden}'))).toBeGreaterThan(150);
    expect(differingPixels(base, shot('no-dot-numbers', '.dot-label{visibility:hidden}'))).toBeGreaterThan(50);
    expect(differingPixels(base, shot('no-header', '#case-header td{visibility:hidden}'))).toBeGreaterThan(500);
  });

  it('renders the verdict and every episode narrative into the DOM, without console messages', () => {
    const r = chromium(['--enable-logging=stderr', '--v=1', '--dump-dom', pathToFileURL(htmlFile).href]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(report.summary.verdict);
    expect(report.episodes!.length).toBeGreaterThan(0);
    // The page was written with --timezone Europe/Berlin: the narratives are told in that zone.
    for (const e of withZonedEpisodes(report, 'Europe/Berlin').episodes!) {
      expect(r.stdout).toContain(`id="${e.id}"`);
      expect(r.stdout).toContain(e.narrative.slice(0, 80).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
    expect(r.stdout).toContain('<svg');
    expect(pageConsoleLines(r.stderr, htmlFile)).toEqual([]);
  });

  it('the log check catches a page that tries to fetch or run script (control)', () => {
    const control = path.join(mkdtempSync(path.join(tmpdir(), 'sh-ctl-')), 'control.html');
    writeFileSync(control, `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${CSP}"></head><body><img src="http://127.0.0.1:9/x.png"><script>console.error('boom')</script></body></html>`);
    const r = chromium(['--enable-logging=stderr', '--v=1', '--dump-dom', pathToFileURL(control).href]);
    const lines = pageConsoleLines(r.stderr, control);
    expect(lines.some((l) => l.includes('127.0.0.1:9'))).toBe(true);
    expect(lines.some((l) => /inline script/i.test(l))).toBe(true);
  });

  it('keeps a screenshot as a test artifact', () => {
    const png = path.join(ARTIFACTS, 'demo-report.png');
    const r = chromium([`--screenshot=${png}`, '--window-size=1280,2000', '--hide-scrollbars', pathToFileURL(htmlFile).href]);
    expect(r.status).toBe(0);
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });
});
