/** Registry hive (regf) parser: matched on the 'regf' magic whatever the file is called. */
import type { ArtifactParser } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { parseHiveOnce } from '../registry/hive-once.js';
import { detectRegistry, type HiveFacts } from '../registry/index.js';
import type { RegistryRecord } from './walk.js';

export const regfParser: ArtifactParser<RegistryRecord, HiveFacts> = {
  id: 'regf',
  dataSources: ['DS0024'],
  fuzzSeeds: ['regf'],
  description: 'Windows registry hive (regf): keys, values, archiver history, execution traces, staged blobs',
  matches: (ctx) => ctx.format === 'regf' || hasRegfMagic(ctx.head),
  parse: parseHiveOnce,
  detect: detectRegistry,
};

export const parsers: readonly ArtifactParser[] = [regfParser];
