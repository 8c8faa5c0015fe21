/** The scan report: `json` output is exactly this object (docs/output.md). */
import type { Finding, Level } from './finding.js';

export interface TimelineRow {
  /** ISO-8601 UTC. */
  time: string;
  /** 'm', 'a', 'c', 'b' file times combined MACB-style ("m..b"), or an event type ('deleted', 'command', ...). */
  type: string;
  description: string;
  findingId: string;
  root: string;
  path: string;
  level: Level;
  score: number;
}

export interface ScanError {
  root: string;
  path: string;
  op: string;
  code: string;
  message: string;
}

export interface RootMeta {
  path: string;
  os: string;
  label: string;
  hotspotDirectories: number;
  filesScanned: number;
  bytesRead: number;
  directories: number;
  symlinksSkipped: number;
  specialFilesSkipped: number;
  otherDeviceSkipped: number;
}

export interface ScanMeta {
  tool: 'stagehunt';
  version: string;
  command: string;
  options: Record<string, unknown>;
  roots: RootMeta[];
  startedAt: string;
  finishedAt: string;
  /** Evidence-integrity audit: whether reading may have changed access times. */
  atime: { preservedWithNoatime: number; openedWithoutNoatime: number; note: string };
  node: string;
}

export interface ScanSummary {
  verdict: string;
  findings: number;
  shown: number;
  byLevel: Record<Level, number>;
  highestLevel: Level | null;
  errors: number;
}

export interface ScanReport {
  meta: ScanMeta;
  summary: ScanSummary;
  findings: Finding[];
  timeline: TimelineRow[];
  errors: ScanError[];
}
