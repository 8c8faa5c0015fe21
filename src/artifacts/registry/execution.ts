/**
 * Execution of archivers and copy tools (indicators.md C.3, C.4): UserAssist in NTUSER.DAT
 * (ROT13 names, run count, last run) and BAM/DAM in SYSTEM (device path, last execution).
 */
import type { Candidate, Hit } from '../../rules/types.js';
import { filetimeToIso } from '../../util/filetime.js';
import { toolByExecutable } from '../execution/tools.js';
import { registryCandidate } from './candidate.js';
import { basenameWin, classifyPlace, isUsualProgramFolder, stripDevicePrefix } from './locations.js';
import { controlSets, valueBytes, type HiveView, type KeyNode } from './view.js';

/** Known-folder GUIDs UserAssist uses instead of paths. */
const KNOWN_FOLDERS: Record<string, string> = {
  '{6D809377-6AF0-444B-8957-A3773F02200E}': 'C:\\Program Files',
  '{7C5A40EF-A0FB-4BFC-874A-C0F2E0B9FA8E}': 'C:\\Program Files (x86)',
  '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}': 'C:\\Windows\\System32',
  '{D65231B0-B2F1-4857-A4CE-A8E7C6EA7D27}': 'C:\\Windows\\SysWOW64',
  '{F38BF404-1D43-42F2-9305-67DE0B28FC23}': 'C:\\Windows',
  '{0139D44E-6AFE-49F2-8690-3DAFCAE6FFB8}': 'C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs',
  '{A77F5D77-2E2B-44C3-A6A2-ABA601054A51}': '%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs',
};

export interface Execution {
  source: 'UserAssist' | 'BAM' | 'DAM';
  node: KeyNode;
  value: string;
  program: string;
  tool: string;
  lastRun: string | null;
  runCount: number | null;
  sid: string | null;
}

export function rot13(s: string): string {
  return s.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

export function resolveKnownFolder(p: string): string {
  const m = /^(\{[0-9A-F-]{36}\})/i.exec(p);
  const folder = m ? KNOWN_FOLDERS[m[1]!.toUpperCase()] : undefined;
  return folder ? folder + p.slice(m![1]!.length) : p;
}

/** The archiver or copy tool a program is (the one table, src/artifacts/execution/tools.ts), or null. */
function toolOf(program: string): string | null {
  const tool = toolByExecutable(program);
  return tool && (tool.kind === 'archiver' || tool.kind === 'copy-tool') ? tool.name : null;
}

/** 72-byte Win7+ entry: 0x04 run count, 0x3C last run; 16-byte XP entry: 0x04 count (+5), 0x08 last run. */
export function decodeUserAssistData(b: Buffer): { runCount: number | null; lastRun: string | null } {
  if (b.length >= 72) return { runCount: b.readUInt32LE(0x04), lastRun: filetimeToIso(b.readBigUInt64LE(0x3c)) };
  if (b.length >= 16) return { runCount: Math.max(0, b.readUInt32LE(0x04) - 5), lastRun: filetimeToIso(b.readBigUInt64LE(0x08)) };
  return { runCount: null, lastRun: null };
}

export const USER_ASSIST_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist';
/** Where BAM and DAM sit in each control set (below them: State\UserSettings or UserSettings). */
export const BAM_KEYS: readonly string[] = ['Services\\bam', 'Services\\dam'];

export function collectUserAssist(view: HiveView): Execution[] {
  const out: Execution[] = [];
  for (const guid of view.subkeys(USER_ASSIST_KEY)) {
    const count = view.get(`${guid.key}\\Count`);
    if (!count) continue;
    for (const v of count.values) {
      const program = resolveKnownFolder(rot13(v.name).replace(/^UEME_RUN[A-Z]*:/, '')); // XP prefixes
      const tool = toolOf(program);
      if (!tool) continue;
      const { runCount, lastRun } = decodeUserAssistData(valueBytes(v));
      out.push({ source: 'UserAssist', node: count, value: v.name, program, tool, lastRun, runCount, sid: null });
    }
  }
  return out;
}

export function collectBam(view: HiveView): Execution[] {
  const out: Execution[] = [];
  for (const cs of controlSets(view)) {
    for (const svc of ['bam', 'dam'] as const) {
      for (const base of [`${cs}\\Services\\${svc}\\State\\UserSettings`, `${cs}\\Services\\${svc}\\UserSettings`]) {
        for (const sidKey of view.subkeys(base)) collectBamUser(sidKey, svc === 'bam' ? 'BAM' : 'DAM', out);
      }
    }
  }
  return out;
}

function collectBamUser(sidKey: KeyNode, source: 'BAM' | 'DAM', out: Execution[]): void {
  const sid = sidKey.key.slice(sidKey.key.lastIndexOf('\\') + 1);
  for (const v of sidKey.values) {
    const tool = toolOf(v.name);
    if (!tool) continue;
    const b = valueBytes(v);
    const lastRun = b.length >= 8 ? filetimeToIso(b.readBigUInt64LE(0)) : null;
    out.push({ source, node: sidKey, value: v.name, program: v.name, tool, lastRun, runCount: null, sid });
  }
}

function executionHits(e: Execution, path: string): Hit[] {
  const runs = e.runCount !== null ? `, ${e.runCount} run(s)` : '';
  const hits: Hit[] = [{ rule: 'registry-archiver-executed', message: `${e.source}: ${e.tool} ran (${e.program}${runs})` }];
  if (!isUsualProgramFolder(path)) {
    const place = classifyPlace(path);
    const where = place.kind === 'staging' ? ` (${place.label})` : '';
    hits.push({ rule: 'registry-archiver-unusual-folder', message: `${basenameWin(path)} ran from outside Program Files${where}` });
  }
  return hits;
}

export function detectExecution(view: HiveView, hivePath: string, user: string | null, sidNames: Record<string, string> = {}): Candidate[] {
  return [...collectUserAssist(view), ...collectBam(view)].map((e) => {
    const path = e.source === 'UserAssist' ? e.program : stripDevicePrefix(e.program);
    const who = e.sid ? (sidNames[e.sid] ?? e.sid) : user;
    return registryCandidate({
      hivePath,
      node: e.node,
      value: e.value,
      user: who,
      hits: executionHits(e, path),
      names: [{ path, role: 'executes' }],
      events: e.lastRun ? [{ time: e.lastRun, type: 'executed', description: `${e.source}: ${path} executed` }] : [],
      details: { source: e.source, tool: e.tool, program: path, lastRun: e.lastRun, runCount: e.runCount, sid: e.sid },
    });
  });
}
