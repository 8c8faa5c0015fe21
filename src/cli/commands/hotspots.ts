/** `stagehunt hotspots`: the hotspot catalog with each entry's id, pattern, weight and reference. */
import Table from 'cli-table3';
import type { Argv } from 'yargs';
import { hotspotsFor, loadArtifactLocations, loadBuiltinHotspots } from '../../hotspots/catalog.js';
import { writeStdout } from '../output.js';
import { typedArgs } from '../args.js';

export interface HotspotsArgs {
  os: 'all' | 'windows' | 'linux' | 'macos';
  format: 'table' | 'json';
}

export function hotspotsBuilder(y: Argv): Argv<HotspotsArgs> {
  return typedArgs<HotspotsArgs>(y
    .option('os', { choices: ['all', 'windows', 'linux', 'macos'] as const, default: 'all' as const })
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const }));
}

export async function runHotspots(args: HotspotsArgs): Promise<number> {
  const hotspots = hotspotsFor(loadBuiltinHotspots(), args.os === 'all' ? 'unknown' : args.os);
  const artifacts = loadArtifactLocations().filter((a) => args.os === 'all' || a.os === 'any' || a.os === args.os);
  if (args.format === 'json') {
    await writeStdout(`${JSON.stringify({ hotspots, artifactLocations: artifacts }, null, 2)}\n`);
    return 0;
  }
  const table = new Table({ head: ['id', 'os', 'pattern', 'weight', 'description', 'reference'], style: { head: [], border: [] }, colWidths: [28, 9, 40, 8, 40, 50], wordWrap: true });
  for (const h of hotspots) table.push([h.id, h.os, h.pattern, String(h.weight), h.description, h.references.join('\n')]);
  const art = new Table({ head: ['id', 'os', 'pattern (always read)', 'description'], style: { head: [], border: [] }, colWidths: [22, 9, 70, 40], wordWrap: true });
  for (const a of artifacts) art.push([a.id, a.os, a.pattern, a.description]);
  await writeStdout(`${table.toString()}\n\nArtifact locations read in every scan, wherever the hotspots are:\n${art.toString()}\n`);
  return 0;
}
