import { describe, expect, test } from '@jest/globals';
import { FINDING_KINDS, LOCATOR_COLUMNS, LOCATOR_FIELDS, copyLocators, hasLocators, locatorIdParts, locatorParts, type Locators } from '../../src/model/kinds.js';
import { CSV_COLUMNS } from '../../src/report/csv.js';
import { TIMESKETCH_FIELDS } from '../../src/report/timesketch.js';
import { findingId } from '../../src/rules/engine.js';

describe('finding kinds and locators, declared once', () => {
  test('every kind has a row; its locators are known fields', () => {
    expect(Object.keys(FINDING_KINDS).sort()).toEqual(['access', 'archive-entry', 'carved', 'directory', 'event', 'execution', 'file', 'history', 'i30-entry', 'logfile-record', 'mft-record', 'recycle-bin', 'registry', 'summary', 'trash', 'usn-record']);
    for (const spec of Object.values(FINDING_KINDS)) for (const l of spec.locators) expect(LOCATOR_FIELDS).toContain(l);
  });

  // Ids are a contract (baselines compare them): the locator order never changes.
  test.each<[Locators & { kind: string; path: string }, string[]]>([
    [{ kind: 'file', path: 'Users/Public/x.zip' }, ['', '', '', '', '']],
    [{ kind: 'archive-entry', path: 'a.zip', entry: 'docs/a.txt' }, ['', '', 'docs/a.txt', '', '']],
    [{ kind: 'registry', path: 'NTUSER.DAT', key: 'Software\\WinRAR', value: '0' }, ['Software\\WinRAR', '0', '', '', '']],
    [{ kind: 'history', path: '.bash_history', line: 3 }, ['', '', '', '3', '']],
    [{ kind: 'recycle-bin', path: '$I1.zip', originalPath: 'C:\\x.zip' }, ['', '', '', '', 'C:\\x.zip']],
    // The event locator (an object) is appended only when present: the ids above did not change.
    [{ kind: 'event', path: 'Security.evtx', event: { channel: 'Security', recordId: 102, eventId: 4688 } }, ['', '', '', '', '', 'Security', '102', '4688']],
    // NTFS locators (issue 13) are appended after the event's, each only when present.
    [{ kind: 'usn-record', path: 'PerfLogs/x.log', originalPath: 'C:\\PerfLogs\\x.7z', usn: 4096 }, ['', '', '', '', 'C:\\PerfLogs\\x.7z', 'usn=4096']],
    [{ kind: 'mft-record', path: 'PerfLogs/x.7z', originalPath: 'C:\\PerfLogs\\x.7z', mftEntry: 41, mftSequence: 3 }, ['', '', '', '', 'C:\\PerfLogs\\x.7z', 'mftEntry=41', 'mftSequence=3']],
  ])('%j: id parts in the fixed order', (c, parts) => {
    expect(locatorIdParts(c)).toEqual(parts);
    expect(hasLocators(c)).toBe(parts.some((p) => p !== ''));
  });

  test('writers describe locators one way', () => {
    expect(locatorParts({ entry: 'a.txt' })).toEqual(['entry a.txt']);
    expect(locatorParts({ key: 'K', value: 'V' })).toEqual(['key K value V']);
    expect(locatorParts({ originalPath: 'C:\\x', line: 2 })).toEqual(['was C:\\x', 'line 2']);
    expect(locatorParts({ event: { channel: 'Security', recordId: 102, eventId: 4688 } })).toEqual(['Security event 4688 record 102']);
    expect(locatorParts({ mftEntry: 41, mftSequence: 3 })).toEqual(['MFT entry 41-3']);
    expect(locatorParts({ usn: 4096 })).toEqual(['USN 4096']);
    expect(locatorParts({})).toEqual([]);
  });

  // Each style is fixed by a writer's golden or documented output.
  test.each<[Locators, string, string[]]>([
    [{ entry: 'a.txt' }, 'table', ['entry a.txt']],
    [{ entry: 'a.txt' }, 'bodyfile', ['a.txt']],
    [{ entry: 'a.txt' }, 'explain', ['a.txt']],
    [{ key: 'K', value: 'V' }, 'table', ['K : V']],
    [{ key: 'K', value: 'V' }, 'bodyfile', ['K\\V']],
    [{ key: 'K' }, 'bodyfile', ['K']],
    [{ originalPath: 'C:\\x' }, 'table', ['was C:\\x']],
    [{ originalPath: 'C:\\x' }, 'explain', ['C:\\x']],
    [{ line: 4, event: { channel: null, recordId: 7, eventId: null } }, 'bodyfile', ['line 4', 'log event ? record 7']],
  ])('%j in the %s style', (l, style, parts) => {
    expect(locatorParts(l, style as Parameters<typeof locatorParts>[1])).toEqual(parts);
  });

  test('copyLocators copies every locator that is set, in the finding order, and nothing else', () => {
    const to: Locators & { other?: string } = {};
    copyLocators({ event: { channel: 'Security', recordId: 1, eventId: 4688 }, line: 2, entry: 'e', originalPath: 'o', value: 'v', key: 'k', other: 'x' } as Locators, to);
    expect(Object.keys(to)).toEqual(['key', 'value', 'originalPath', 'entry', 'line', 'event']);
    const none: Locators = {};
    copyLocators({ key: undefined }, none);
    expect(Object.keys(none)).toEqual([]);
  });

  test('the CSV and Timesketch writers have a column for every locator that has one', () => {
    expect(Object.keys(LOCATOR_COLUMNS).sort()).toEqual([...LOCATOR_FIELDS].sort());
    for (const { csv, timesketch } of Object.values(LOCATOR_COLUMNS)) {
      if (csv !== null) expect(CSV_COLUMNS).toContain(csv);
      if (timesketch !== null) expect(TIMESKETCH_FIELDS).toContain(timesketch);
    }
  });

  test('a known id stays the same', () => {
    expect(findingId('demo', { kind: 'registry', path: 'Users/alice/NTUSER.DAT', key: 'Software\\WinRAR\\ArcHistory', value: '0' })).toBe(KNOWN_ID);
  });
});

/** findingId of that registry finding, computed by the engine before LOCATOR_FIELDS existed. */
const KNOWN_ID = '1de6a6dde6836631';
