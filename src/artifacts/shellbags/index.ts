/**
 * `stagehunt parse --parser shellbags NTUSER.DAT|UsrClass.dat`: the hive's BagMRU entries as
 * `shellbag` records. In a scan the regf parser reads the hive once and the registry detectors
 * (registry/index.ts) run detectShellBags over it, so this parser claims no file by itself.
 */
import type { ArtifactParser } from '../types.js';
import { hiveListParser } from '../registry/hive-list-parser.js';
import { collectShellBags } from './collect.js';

export const shellBagsParser = hiveListParser('shellbags', 'ShellBags (BagMRU in NTUSER.DAT / UsrClass.dat): folders browsed, full paths, times; only with --parser shellbags (a scan reads them through regf)', collectShellBags);

export const parsers: readonly ArtifactParser[] = [shellBagsParser];
