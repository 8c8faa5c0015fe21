/**
 * LNK (Shell Link) bytes to one record, pure and bounded (layout: ./layout.ts). Used for .lnk
 * files and for the LNK streams inside Jump Lists. Field names follow LECmd's CSV columns in
 * camelCase (docs/output.md "parse records").
 */
import { filetimeToIso } from '../../util/filetime.js';
import type { ArtifactRecord } from '../types.js';
import { guidAt, parseShellItemList, shellItemsPath, type ShellItem } from '../shell-items/parse.js';
import { DRIVE_TYPES, EXTRA_BLOCK_NAMES, ExtraBlock, HEADER_SIZE, LINK_CLSID, LinkFlag, LinkInfoFlag } from './layout.js';

/** Offset between the UUID v1 epoch (1582-10-15) and FILETIME's (1601-01-01), in 100 ns. */
const UUID_TO_FILETIME = 5748192000000000n;
/** ExtraData blocks read per link: real links carry a handful. */
const MAX_EXTRA_BLOCKS = 64;

export interface LnkRecord extends ArtifactRecord {
  type: 'lnk';
  headerFlags: string[];
  fileAttributes: number;
  targetCreated: string | null;
  targetAccessed: string | null;
  targetModified: string | null;
  fileSize: number;
  iconIndex: number;
  showCommand: number;
  description: string | null;
  relativePath: string | null;
  workingDirectory: string | null;
  arguments: string | null;
  iconLocation: string | null;
  driveType: string | null;
  volumeSerialNumber: string | null;
  volumeLabel: string | null;
  localPath: string | null;
  networkPath: string | null;
  commonPath: string | null;
  deviceName: string | null;
  /** The path the target ID list names (shell items joined the Explorer way). */
  targetIdAbsolutePath: string | null;
  targetIdItems: ShellItem[];
  targetMftEntryNumber: number | null;
  targetMftSequenceNumber: number | null;
  machineId: string | null;
  machineMacAddress: string | null;
  trackerCreatedOn: string | null;
  volumeDroid: string | null;
  fileDroid: string | null;
  volumeDroidBirth: string | null;
  fileDroidBirth: string | null;
  environmentVariables: string | null;
  /** IconEnvironmentDataBlock: the icon path with environment variables (%ProgramFiles%\...). */
  iconEnvironment: string | null;
  /** DarwinDataBlock: the Windows Installer descriptor of an advertised shortcut. */
  darwinId: string | null;
  knownFolderId: string | null;
  specialFolderId: number | null;
  extraBlocksPresent: string[];
}

export interface LnkParse {
  record: LnkRecord;
  warnings: string[];
  /** Bytes the link occupies (header to the terminal block), for concatenated links. */
  length: number;
  corrupted: boolean;
}

export function hasLnkHeader(b: Buffer, at = 0): boolean {
  return b.length >= at + 20 && b.readUInt32LE(at) === HEADER_SIZE && b.subarray(at + 4, at + 20).equals(LINK_CLSID);
}

function filetimeAt(b: Buffer, o: number): string | null {
  return filetimeToIso(b.readBigUInt64LE(o));
}

function cString(b: Buffer, start: number, end: number, unicode: boolean): string {
  if (start < 0 || start >= end) return '';
  if (unicode) {
    let i = start;
    while (i + 1 < end && (b[i] !== 0 || b[i + 1] !== 0)) i += 2;
    return b.toString('utf16le', start, Math.min(i, end));
  }
  let i = start;
  while (i < end && b[i] !== 0) i++;
  return b.toString('latin1', start, i);
}

function emptyRecord(): LnkRecord {
  return {
    type: 'lnk', headerFlags: [], fileAttributes: 0, targetCreated: null, targetAccessed: null, targetModified: null,
    fileSize: 0, iconIndex: 0, showCommand: 0, description: null, relativePath: null, workingDirectory: null,
    arguments: null, iconLocation: null, driveType: null, volumeSerialNumber: null, volumeLabel: null, localPath: null,
    networkPath: null, commonPath: null, deviceName: null, targetIdAbsolutePath: null, targetIdItems: [],
    targetMftEntryNumber: null, targetMftSequenceNumber: null, machineId: null, machineMacAddress: null,
    trackerCreatedOn: null, volumeDroid: null, fileDroid: null, volumeDroidBirth: null, fileDroidBirth: null,
    environmentVariables: null, iconEnvironment: null, darwinId: null, knownFolderId: null, specialFolderId: null, extraBlocksPresent: [],
  };
}

/** Parses the link starting at `at`; null when no LNK header is there. */
export function parseLnk(b: Buffer, at = 0): LnkParse | null {
  if (!hasLnkHeader(b, at)) return null;
  const warnings: string[] = [];
  const r = emptyRecord();
  if (b.length < at + HEADER_SIZE) return { record: r, warnings: ['header truncated'], length: b.length - at, corrupted: true };
  const flags = b.readUInt32LE(at + 0x14);
  r.headerFlags = Object.entries(LinkFlag).filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  r.fileAttributes = b.readUInt32LE(at + 0x18);
  r.targetCreated = filetimeAt(b, at + 0x1c);
  r.targetAccessed = filetimeAt(b, at + 0x24);
  r.targetModified = filetimeAt(b, at + 0x2c);
  r.fileSize = b.readUInt32LE(at + 0x34);
  r.iconIndex = b.readInt32LE(at + 0x38);
  r.showCommand = b.readUInt32LE(at + 0x3c);
  let o = at + HEADER_SIZE;
  let corrupted = false;
  const fail = (msg: string): LnkParse => ({ record: r, warnings: [...warnings, msg], length: Math.min(o, b.length) - at, corrupted: true });

  if (flags & LinkFlag.HasLinkTargetIDList) {
    if (o + 2 > b.length) return fail('LinkTargetIDList truncated');
    const size = b.readUInt16LE(o);
    const end = Math.min(b.length, o + 2 + size);
    if (o + 2 + size > b.length) {
      warnings.push('LinkTargetIDList runs past the end of the data');
      corrupted = true;
    }
    const list = parseShellItemList(b, o + 2, end);
    if (list.truncated) warnings.push('LinkTargetIDList: damaged shell item list');
    r.targetIdItems = list.items;
    if (list.items.length > 0) r.targetIdAbsolutePath = shellItemsPath(list.items);
    const last = list.items[list.items.length - 1];
    if (last?.mftEntry !== undefined) {
      r.targetMftEntryNumber = last.mftEntry;
      r.targetMftSequenceNumber = last.mftSequence ?? null;
    }
    o += 2 + size;
  }

  if ((flags & LinkFlag.HasLinkInfo) && !(flags & LinkFlag.ForceNoLinkInfo)) {
    if (o + 0x1c > b.length) return fail('LinkInfo truncated');
    const size = b.readUInt32LE(o);
    if (size < 0x1c || o + size > b.length) return fail(`LinkInfo size ${size} does not fit`);
    readLinkInfo(b.subarray(o, o + size), r, warnings);
    o += size;
  }

  const unicode = (flags & LinkFlag.IsUnicode) !== 0;
  const strings: [number, 'description' | 'relativePath' | 'workingDirectory' | 'arguments' | 'iconLocation'][] = [
    [LinkFlag.HasName, 'description'], [LinkFlag.HasRelativePath, 'relativePath'], [LinkFlag.HasWorkingDir, 'workingDirectory'],
    [LinkFlag.HasArguments, 'arguments'], [LinkFlag.HasIconLocation, 'iconLocation'],
  ];
  for (const [bit, field] of strings) {
    if (!(flags & bit)) continue;
    if (o + 2 > b.length) return fail(`StringData ${field} truncated`);
    const chars = b.readUInt16LE(o);
    const bytes = unicode ? chars * 2 : chars;
    if (o + 2 + bytes > b.length) return fail(`StringData ${field} runs past the end`);
    r[field] = b.toString(unicode ? 'utf16le' : 'latin1', o + 2, o + 2 + bytes);
    o += 2 + bytes;
  }

  for (let n = 0; ; n++) {
    if (o + 4 > b.length) {
      warnings.push('ExtraData: no terminal block');
      break;
    }
    const size = b.readUInt32LE(o);
    if (size < 4) {
      o += 4;
      break;
    }
    if (n >= MAX_EXTRA_BLOCKS || size < 8 || o + size > b.length) {
      warnings.push(`ExtraData block ${n} (size ${size}) does not fit`);
      corrupted = true;
      break;
    }
    readExtraBlock(b.subarray(o, o + size), r, warnings);
    o += size;
  }
  return { record: r, warnings, length: Math.min(o, b.length) - at, corrupted };
}

function readLinkInfo(li: Buffer, r: LnkRecord, warnings: string[]): void {
  const headerSize = li.readUInt32LE(4);
  const flags = li.readUInt32LE(8);
  const unicodeOffsets = headerSize >= 0x24 && li.length >= 0x24;
  let suffix = cString(li, li.readUInt32LE(0x18), li.length, false);
  if (unicodeOffsets && li.readUInt32LE(0x20) > 0) suffix = cString(li, li.readUInt32LE(0x20), li.length, true);
  r.commonPath = suffix === '' ? null : suffix;
  if (flags & LinkInfoFlag.VolumeIDAndLocalBasePath) {
    const v = li.readUInt32LE(0x0c);
    if (v + 0x10 <= li.length) {
      const type = li.readUInt32LE(v + 4);
      r.driveType = DRIVE_TYPES[type] ?? `type ${type}`;
      r.volumeSerialNumber = li.readUInt32LE(v + 8).toString(16).padStart(8, '0');
      const labelOffset = li.readUInt32LE(v + 0x0c);
      const volumeEnd = Math.min(li.length, v + li.readUInt32LE(v));
      if (labelOffset === 0x14 && v + 0x14 <= li.length) r.volumeLabel = cString(li, v + li.readUInt32LE(v + 0x10), volumeEnd, true);
      else r.volumeLabel = cString(li, v + labelOffset, volumeEnd, false);
    } else warnings.push('LinkInfo: VolumeID outside the block');
    let base = cString(li, li.readUInt32LE(0x10), li.length, false);
    if (unicodeOffsets && li.readUInt32LE(0x1c) > 0) base = cString(li, li.readUInt32LE(0x1c), li.length, true);
    r.localPath = base + suffix;
  }
  if (flags & LinkInfoFlag.CommonNetworkRelativeLinkAndPathSuffix) {
    const c = li.readUInt32LE(0x14);
    if (c + 0x14 <= li.length) {
      const cnrEnd = Math.min(li.length, c + li.readUInt32LE(c));
      const netNameOffset = li.readUInt32LE(c + 8);
      const deviceOffset = li.readUInt32LE(c + 0x0c);
      let net = cString(li, c + netNameOffset, cnrEnd, false);
      let device = deviceOffset > 0 ? cString(li, c + deviceOffset, cnrEnd, false) : '';
      if (netNameOffset > 0x14 && c + 0x1c <= li.length) {
        const netU = li.readUInt32LE(c + 0x14);
        const devU = li.readUInt32LE(c + 0x18);
        if (netU > 0) net = cString(li, c + netU, cnrEnd, true);
        if (devU > 0) device = cString(li, c + devU, cnrEnd, true);
      }
      r.networkPath = suffix === '' ? net : `${net}\\${suffix}`;
      r.deviceName = device === '' ? null : device;
    } else warnings.push('LinkInfo: CommonNetworkRelativeLink outside the block');
  }
}

function readExtraBlock(block: Buffer, r: LnkRecord, warnings: string[]): void {
  const sig = block.readUInt32LE(4);
  r.extraBlocksPresent.push(EXTRA_BLOCK_NAMES[sig] ?? `0x${sig.toString(16)}`);
  switch (sig) {
    case ExtraBlock.EnvironmentVariables:
      r.environmentVariables = ansiUnicodeTarget(block);
      break;
    case ExtraBlock.IconEnvironment:
      r.iconEnvironment = ansiUnicodeTarget(block);
      break;
    case ExtraBlock.Darwin:
      r.darwinId = ansiUnicodeTarget(block);
      break;
    case ExtraBlock.Tracker:
      if (block.length >= 0x60) {
        r.machineId = cString(block, 0x10, 0x20, false);
        r.volumeDroid = guidAt(block, 0x20);
        r.fileDroid = guidAt(block, 0x30);
        r.volumeDroidBirth = guidAt(block, 0x40);
        r.fileDroidBirth = guidAt(block, 0x50);
        const v1 = uuidV1(block.subarray(0x30, 0x40));
        if (v1) {
          r.trackerCreatedOn = v1.time;
          r.machineMacAddress = v1.mac;
        }
      } else warnings.push('TrackerDataBlock shorter than 0x60 bytes');
      break;
    case ExtraBlock.KnownFolder:
      if (block.length >= 0x18) r.knownFolderId = guidAt(block, 8);
      break;
    case ExtraBlock.SpecialFolder:
      if (block.length >= 0x0c) r.specialFolderId = block.readUInt32LE(8);
      break;
    default:
      break;
  }
}

/** Environment, icon-environment and Darwin blocks: 0x08 TargetAnsi[260], 0x10c TargetUnicode[260 WCHAR]; Unicode preferred. */
function ansiUnicodeTarget(block: Buffer): string | null {
  if (block.length < 0x314) return null;
  const wide = cString(block, 0x10c, 0x314, true);
  const text = wide !== '' ? wide : cString(block, 8, 0x10c, false);
  return text === '' ? null : text;
}

/** A version-1 UUID (the droid file id) carries the time it was made and the machine's MAC address. */
function uuidV1(g: Buffer): { time: string | null; mac: string } | null {
  if (g.length < 16 || g[7]! >> 4 !== 1) return null;
  const ticks = (BigInt(g.readUInt16LE(6) & 0x0fff) << 48n) | (BigInt(g.readUInt16LE(4)) << 32n) | BigInt(g.readUInt32LE(0));
  const mac = Array.from(g.subarray(10, 16)).map((x) => x.toString(16).padStart(2, '0')).join(':');
  return { time: ticks > UUID_TO_FILETIME ? filetimeToIso(ticks - UUID_TO_FILETIME) : null, mac };
}
