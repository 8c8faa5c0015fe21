/**
 * Every archive and encrypted-container parser, in the order they are tried: confident magics
 * first, tar (checksum) after them, the headerless high-entropy judgement last.
 * All of them use the generic archive detector (src/artifacts/archive/detect.ts), and each lists the
 * archives inside what it parsed (nested.ts), with these same parsers.
 */
import type { ArchiveParser } from './summary.js';
import { zipParser } from '../zip/index.js';
import { sevenZipParser } from '../sevenzip/index.js';
import { rarParser } from '../rar/index.js';
import { cabParser } from '../cab/index.js';
import { tarParser } from '../tar/index.js';
import { compressedParser } from '../compressed/index.js';
import { encryptedParser } from '../encrypted/index.js';
import { listingNested } from './nested.js';

const OWN_LISTINGS: readonly ArchiveParser[] = [sevenZipParser, rarParser, cabParser, compressedParser, zipParser, tarParser, encryptedParser];

export const parsers: readonly ArchiveParser[] = OWN_LISTINGS.map((p) => ({ ...p, parse: listingNested(p, () => OWN_LISTINGS) }));
