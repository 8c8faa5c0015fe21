/** Registry hive (regf) parser: matched on the 'regf' magic whatever the file is called. */
import type { ArtifactParser } from '../types.js';
import { hasRegfMagic } from './layout.js';
import { scanRegf, streamRegf } from './parse.js';
import { magicText } from '../claims.js';
import { parseHiveOnce } from '../registry/hive-once.js';
import { detectRegistry, type HiveFacts } from '../registry/index.js';
import type { RegistryRecord } from './walk.js';

export const regfParser: ArtifactParser<RegistryRecord, HiveFacts> = {
  id: 'regf',
  dataSources: ['DS0024'],
  fuzzSeeds: ['regf'],
  description: 'Windows registry hive (regf): keys, values, archiver history, execution traces, staged blobs',
  claims: { formats: ['regf'], magics: [magicText(0, 'regf')] },
  matches: (ctx) => ctx.format === 'regf' || hasRegfMagic(ctx.head),
  parse: parseHiveOnce,
  stream: streamRegf,
  scan: scanRegf,
  detect: detectRegistry,
};

export const parsers: readonly ArtifactParser[] = [regfParser];
