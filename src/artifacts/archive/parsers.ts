/**
 * Every archive and encrypted-container parser, in the order they are tried: confident magics
 * first, tar (checksum) after them, the headerless high-entropy judgement last.
 * All of them use the generic archive detector (src/artifacts/archive/detect.ts).
 */
import type { ArchiveParser } from './summary.js';
import { zipParser } from '../zip/index.js';
import { sevenZipParser } from '../sevenzip/index.js';
import { rarParser } from '../rar/index.js';
import { cabParser } from '../cab/index.js';
import { tarParser } from '../tar/index.js';
import { compressedParser } from '../compressed/index.js';
import { encryptedParser } from '../encrypted/index.js';

export const parsers: readonly ArchiveParser[] = [sevenZipParser, rarParser, cabParser, compressedParser, zipParser, tarParser, encryptedParser];
