/**
 * `stagehunt parse --parser comdlg32 NTUSER.DAT`: the hive's ComDlg32 entries (files opened or
 * saved through the common file dialog, each program's last dialog folder) as `comdlg32-entry`
 * records. In a scan the registry detectors run detectComDlg32 over the hive the regf parser read.
 */
import type { ArtifactParser } from '../types.js';
import { hiveListParser } from '../registry/hive-list-parser.js';
import { collectComDlg32 } from './collect.js';

export const comDlg32Parser = hiveListParser('comdlg32', 'ComDlg32 MRUs (NTUSER.DAT): files opened or saved through file dialogs, each program\'s last dialog folder; only with --parser comdlg32 (a scan reads them through regf)', collectComDlg32);

export const parsers: readonly ArtifactParser[] = [comDlg32Parser];
