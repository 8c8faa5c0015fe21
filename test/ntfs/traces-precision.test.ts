/**
 * Precision of the NTFS trace rules on a synthetic lived-in journal (docs/detection-quality.md,
 * "NTFS traces"): what browsers, updaters, extractors, installers, Office, backup and log rotation
 * leave in a Windows journal, next to staged cases after public incident reports (PerfLogs, Public,
 * an odd root folder, Windows\Temp, an extension hidden in %TEMP%, a gathered-then-deleted folder).
 * An item's level is the highest of the trace findings on its path or below it. The same lives
 * written into a $LogFile instead (the journal cleared) are measured too: the log has no times, so
 * no short life and no burst, and a folder's deletion is no finding.
 */
import { expect, test } from '@jest/globals';
import { ATTR, fileLife, REASON, usnJournal, type LifeStep, type UsnSpec } from '../../fixtures/lib/usn-writer.mjs';
import { fileLifeRecords, indexEntry, logFile, OP, type LogName, type LogRecordSpec } from '../../fixtures/lib/logfile-writer.mjs';
import { ntfsTraceCandidates } from '../../src/artifacts/ntfs/traces.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { loadRuleCatalog } from '../../src/rules/catalog.js';
import { scoreHits } from '../../src/rules/engine.js';
import { levelRank, type Level } from '../../src/model/finding.js';

let nextEntry = 1000;
const folders = new Map<string, { entry: number; sequence: number }>();
const specs: UsnSpec[] = [];
/** The same lives as $LogFile steps, each with its time (sorted before the log is written). */
const logSteps: Array<{ t: number; records: LogRecordSpec[] }> = [];
const t0 = Date.parse('2024-09-02T08:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

/** Journal records that name every folder of `path` (as a journal that saw them created does). */
function folder(path: string, minute = 0): { entry: number; sequence: number } {
  let parent = { entry: 5, sequence: 5 };
  let sofar = '';
  for (const part of path.split('/')) {
    sofar = sofar ? `${sofar}/${part}` : part;
    let f = folders.get(sofar);
    if (!f) {
      f = { entry: nextEntry++, sequence: 1 };
      folders.set(sofar, f);
      specs.push({ entry: f.entry, sequence: 1, parentEntry: parent.entry, parentSequence: parent.sequence, time: at(minute), reason: REASON.FILE_CREATE | REASON.CLOSE, name: part, attributes: ATTR.DIRECTORY });
      const dirName: LogName = { entry: f.entry, sequence: 1, parentEntry: parent.entry, parentSequence: parent.sequence, name: part, time: at(minute).toISOString(), directory: true };
      logSteps.push({ t: at(minute).getTime(), records: [{ redoOp: OP.AddIndexEntryAllocation, undoOp: OP.DeleteIndexEntryAllocation, redo: indexEntry(dirName) }] });
    }
    parent = f;
  }
  return parent;
}

function life(path: string, steps: LifeStep[]): void {
  const dir = folder(path.slice(0, path.lastIndexOf('/')));
  const file = { entry: nextEntry++, sequence: 3, parentEntry: dir.entry, parentSequence: dir.sequence, name: path.slice(path.lastIndexOf('/') + 1) };
  specs.push(...fileLife(file, steps));
  // In the log: creates, renames and deletes (a write changes no name); its $FILE_NAME created at the first step.
  let name = file.name;
  const created = steps[0] ? new Date(steps[0].t).toISOString() : at(0).toISOString();
  const written = steps.some((s) => s.op === 'write');
  for (const s of steps) {
    if (s.op === 'write') continue;
    logSteps.push({ t: new Date(s.t).getTime(), records: fileLifeRecords({ ...file, name, time: created, size: written ? 4096 : 0 }, [s.op === 'rename' ? { op: 'rename', name: s.name! } : { op: s.op }]) });
    if (s.op === 'rename') name = s.name!;
  }
}

/** A folder deleted at `minute`: the journal's FILE_DELETE, the log's removal of its name from its parent. */
function folderGone(path: string, minute: number): void {
  const f = folder(path);
  const parent = folder(path.slice(0, path.lastIndexOf('/')));
  const name = path.slice(path.lastIndexOf('/') + 1);
  specs.push({ ...f, parentEntry: parent.entry, parentSequence: 1, time: at(minute), reason: REASON.FILE_DELETE | REASON.CLOSE, name, attributes: ATTR.DIRECTORY });
  const dirName: LogName = { ...f, parentEntry: parent.entry, parentSequence: 1, name, time: at(0).toISOString(), directory: true };
  logSteps.push({ t: at(minute).getTime(), records: [{ redoOp: OP.DeleteIndexEntryAllocation, undoOp: OP.AddIndexEntryAllocation, undo: indexEntry(dirName) }] });
}

const made = (m: number, name?: string): LifeStep[] => [{ t: at(m), op: 'create' }, { t: at(m + 0.1), op: 'write' }, ...(name ? [{ t: at(m + 0.2), op: 'rename' as const, name }] : [])];
const gone = (m: number): LifeStep => ({ t: at(m), op: 'delete' });

interface Item {
  label: 'benign' | 'staged';
  kind: string;
  path: string;
}
const items: Item[] = [];
const item = (label: Item['label'], kind: string, path: string) => items.push({ label, kind, path });

// ---- benign ----
for (let i = 0; i < 4; i++) {
  life(`Users/bob/Downloads/report${i}.crdownload`, [...made(i * 60, `report${i}.zip`), gone(i * 60 + 2000)]);
  item('benign', 'browser-download-deleted', `Users/bob/Downloads/report${i}.zip`);
}
for (let i = 0; i < 4; i++) {
  const d = `Users/bob/AppData/Local/Temp/{${i}A2B3C4D-0000-4000-8000-00000000000${i}}`;
  life(`${d}/update.zip`, [...made(300 + i * 30), gone(301 + i * 30)]);
  for (let k = 0; k < 40; k++) life(`${d}/f${k}.dll`, [...made(300.5 + i * 30 + k * 0.01), gone(302 + i * 30)]);
  folderGone(d, 303 + i * 30);
  item('benign', 'updater-temp-unpack', d);
}
for (let i = 0; i < 3; i++) {
  life(`Users/bob/AppData/Local/Temp/7zO${i}1F2E/invoice${i}.pdf`, [...made(500 + i), gone(520 + i)]);
  life(`Users/bob/AppData/Local/Temp/Rar$DIa${i}.123/photos${i}.zip`, [...made(530 + i), gone(540 + i)]);
  item('benign', 'extractor-temp', `Users/bob/AppData/Local/Temp/Rar$DIa${i}.123`);
}
for (let i = 0; i < 3; i++) {
  life(`ProgramData/Vendor/Backup/config-${i}.zip`, [...made(600 + i * 1440)]);
  life(`ProgramData/Vendor/Backup/config-${i - 3}.zip`, [gone(601 + i * 1440)]);
  item('benign', 'programdata-backup-rotation', `ProgramData/Vendor/Backup/config-${i}.zip`);
}
for (let i = 0; i < 3; i++) {
  life(`Users/bob/Documents/plan${i}.docx`, [...made(700 + i, `~WRL000${i}.tmp`), gone(701 + i)]);
  item('benign', 'office-save', `Users/bob/Documents/plan${i}.docx`);
}
for (let i = 0; i < 3; i++) {
  life(`ProgramData/App/logs/app.${i}.log.gz`, [...made(800 + i * 1440), gone(800 + (i + 7) * 1440)]);
  item('benign', 'log-rotation', `ProgramData/App/logs/app.${i}.log.gz`);
}
for (let i = 0; i < 3; i++) {
  life(`Windows/SoftwareDistribution/Download/${i}abc/payload${i}.zip`, [...made(900 + i), gone(930 + i)]);
  item('benign', 'windows-update-download', `Windows/SoftwareDistribution/Download/${i}abc`);
}
for (let i = 0; i < 2; i++) {
  life(`Windows/Temp/{B${i}0E3F1A-2C4D-4E5F-8A9B-0C1D2E3F4A5B}/setup.cab`, [...made(1000 + i), gone(1003 + i)]);
  life(`Windows/Temp/{B${i}0E3F1A-2C4D-4E5F-8A9B-0C1D2E3F4A5B}/driver${i}.7z`, [...made(1000.5 + i), gone(1003 + i)]);
  item('benign', 'system-installer-windows-temp', `Windows/Temp/{B${i}0E3F1A-2C4D-4E5F-8A9B-0C1D2E3F4A5B}`);
}
for (let i = 0; i < 3; i++) {
  life(`Users/bob/OneDrive/Photos/album${i}.zip`, [...made(1100 + i), gone(1200 + i)]);
  item('benign', 'sync-folder-deleted-archive', `Users/bob/OneDrive/Photos/album${i}.zip`);
}

// ---- staged (ATT&CK T1074.001 procedures) ----
life('PerfLogs/1/data.7z', [...made(2000), { t: at(2010), op: 'write' }, gone(2030)]);
item('staged', 'perflogs-archive-deleted', 'PerfLogs/1');
for (let v = 1; v <= 3; v++) life(`Users/Public/Libraries/bk.part${v}.rar`, [...made(2100 + v), gone(2140)]);
item('staged', 'public-volume-set-deleted', 'Users/Public/Libraries');
life('x/out.zip', [...made(2200, 'out.dat'), gone(2230)]);
item('staged', 'odd-root-folder-renamed', 'x');
life('Windows/Temp/vault.hc', [...made(2300), gone(2400)]);
item('staged', 'windows-temp-container-deleted', 'Windows/Temp/vault.hc');
life('Users/bob/AppData/Local/Temp/GoogleChrome/c.rar', [...made(2500, 'c.log')]);
item('staged', 'temp-extension-hidden', 'Users/bob/AppData/Local/Temp/GoogleChrome');
folder('Users/Public/out', 2600);
for (let k = 0; k < 30; k++) life(`Users/Public/out/doc${k}.docx`, [...made(2601 + k * 0.2), gone(2650)]);
folderGone('Users/Public/out', 2651);
item('staged', 'public-collection-folder-deleted', 'Users/Public/out');

async function measure(source: 'journal' | 'log') {
  const ordered = [...logSteps].sort((a, b) => a.t - b.t).flatMap((s) => s.records);
  const r =
    source === 'journal'
      ? await ntfsTraceCandidates({ mft: null, mftRel: null, usn: bufferSource(usnJournal(specs).bytes), usnRel: '$J', volumeRel: '', drive: 'C', hotspots: ntfsHotspots() })
      : await ntfsTraceCandidates({ mft: null, mftRel: null, usn: null, usnRel: null, logFile: bufferSource(logFile(ordered, { size: 4 * 1024 * 1024 }).bytes), logFileRel: '$LogFile', volumeRel: '', drive: 'C', hotspots: ntfsHotspots() });
  expect(r.warnings).toEqual([]);
  const catalog = loadRuleCatalog();
  const levels = r.candidates.map((c) => ({ path: c.path.toLowerCase(), level: scoreHits(c.hits, catalog).level }));
  const levelOf = (it: Item): Level | null => {
    const p = it.path.toLowerCase();
    let best: Level | null = null;
    for (const l of levels) if ((l.path === p || l.path.startsWith(`${p}/`)) && (best === null || levelRank(l.level) > levelRank(best))) best = l.level;
    return best;
  };
  const table = items.map((it) => ({ label: it.label, kind: it.kind, level: levelOf(it) }));
  const atLeast = (label: string, level: Level) => table.filter((t) => t.label === label && t.level !== null && levelRank(t.level) >= levelRank(level)).map((t) => t.kind);
  if (process.env.NTFS_QUALITY_PRINT) console.log(JSON.stringify(table, null, 1));
  return { table, atLeast, kinds: new Set(r.candidates.map((c) => c.kind)) };
}

test('NTFS trace rules on a lived-in journal: benign items stay below high, staged ones reach it', async () => {
  const { table, atLeast } = await measure('journal');
  // Measured (docs/detection-quality.md): 28 benign items of 9 kinds, 6 staged cases.
  expect(table.filter((t) => t.label === 'benign')).toHaveLength(28);
  expect(atLeast('benign', 'high')).toEqual([]);
  expect(atLeast('benign', 'medium')).toEqual([]);
  expect(atLeast('staged', 'high')).toEqual(['perflogs-archive-deleted', 'public-volume-set-deleted', 'odd-root-folder-renamed', 'windows-temp-container-deleted', 'public-collection-folder-deleted']);
  expect(atLeast('staged', 'medium')).toHaveLength(6);
});

test('the same lives in a $LogFile alone (journal cleared): benign items stay below medium; the staged cases reach it as with the journal', async () => {
  const { table, atLeast, kinds } = await measure('log');
  expect([...kinds]).toEqual(['logfile-record']);
  expect(table.filter((t) => t.label === 'benign')).toHaveLength(28);
  expect(atLeast('benign', 'medium')).toEqual([]);
  // As with the journal: the creation times of the files the log shows created date the burst into the gathered folder.
  expect(atLeast('staged', 'high')).toEqual(['perflogs-archive-deleted', 'public-volume-set-deleted', 'odd-root-folder-renamed', 'windows-temp-container-deleted', 'public-collection-folder-deleted']);
  expect(atLeast('staged', 'medium')).toHaveLength(6);
});
