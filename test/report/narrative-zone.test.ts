/**
 * --timezone reaches the episodes' stories: table (--verbose), Markdown and HTML tell the narrative
 * and its steps in the zone, JSON keeps the UTC text. On the demo image (evidence at 04:xx UTC on
 * 2025-03-15) in Asia/Kolkata (+05:30, no day change), every hh:mm moves by 5:30 and the zone is named.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { scan } from '../../src/pipeline/scan.js';
import { render } from '../../src/report/index.js';
import { withZonedEpisodes } from '../../src/report/time-zone.js';
import type { ScanReport } from '../../src/model/report.js';
import { DEMO_IMAGE, ensureDemoImage } from '../helpers/cli.js';

const ZONE = 'Asia/Kolkata';

/** The text with every hh:mm moved back by 5:30 and the zone named UTC again. */
function backToUtc(text: string): string {
  return text
    .replace(/\b(\d\d):(\d\d)\b/g, (_, h: string, m: string) => {
      const total = (Number(h) * 60 + Number(m) - 330 + 1440) % 1440;
      return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
    })
    .replaceAll(ZONE, 'UTC');
}

describe('episode narratives under --timezone', () => {
  let report: ScanReport;
  beforeAll(async () => {
    await ensureDemoImage();
    report = await scan({ roots: [DEMO_IMAGE], os: 'auto', scope: 'hotspots', now: () => new Date('2026-01-01T00:00:00Z') });
  }, 120_000);

  it('the retold episodes differ only in their times, and those by the zone offset', () => {
    const episodes = report.episodes!;
    expect(episodes.length).toBeGreaterThan(0);
    expect(episodes[0]!.narrative).toMatch(/ UTC on 2025-03-15/);
    const zoned = withZonedEpisodes(report, ZONE).episodes!;
    expect(zoned.map((e) => e.id)).toEqual(episodes.map((e) => e.id));
    for (const [i, e] of zoned.entries()) {
      const utc = episodes[i]!;
      expect(e.narrative).not.toBe(utc.narrative);
      expect(e.narrative).toContain(`${ZONE} on 2025-03-15`);
      expect(backToUtc(e.narrative)).toBe(utc.narrative);
      expect(e.steps.map((s) => backToUtc(s.text))).toEqual(utc.steps.map((s) => s.text));
      expect(e.steps.map((s) => s.time)).toEqual(utc.steps.map((s) => s.time)); // ISO times stay UTC
    }
    expect(report.episodes).toBe(episodes); // the report itself is not changed
    expect(withZonedEpisodes(report, 'UTC')).toBe(report);
  });

  it('table --verbose, Markdown and HTML tell the story in the zone; JSON stays UTC', () => {
    const utcHead = report.episodes![0]!.narrative.split(': ')[0]!; // "Between 04:05 and 04:40 UTC on 2025-03-15"
    const zonedHead = withZonedEpisodes(report, ZONE).episodes![0]!.narrative.split(': ')[0]!;
    for (const format of ['table', 'md', 'html']) {
      const out = render(format, report, { color: false, verbose: true, width: 4000, timeZone: ZONE });
      expect({ format, zoned: out.includes(zonedHead), utc: out.includes(utcHead) }).toEqual({ format, zoned: true, utc: false });
    }
    const json = render('json', report, { color: false, timeZone: ZONE });
    expect(JSON.parse(json).episodes[0].narrative.startsWith(utcHead)).toBe(true);
  });

  it('the verdict block says when in the zone', () => {
    const out = render('table', report, { color: false, width: 200, timeZone: ZONE });
    const when = out.split('\n').find((l) => l.startsWith('when'))!;
    expect(when).toMatch(/^when +2025-03-15 \d\d:\d\d to \d\d:\d\d Asia\/Kolkata$/);
    expect(backToUtc(when).replace(/^when +/, '')).toBe(render('table', report, { color: false, width: 200 }).split('\n').find((l) => l.startsWith('when'))!.replace(/^when +/, ''));
  });
});
