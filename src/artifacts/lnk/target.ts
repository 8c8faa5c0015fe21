/** What a link points at, decided once for LNK files and Jump List entries. */
import type { LnkRecord } from './parse.js';

/** The path a link points at: LinkInfo's local or network path, else the target ID list's. */
export function lnkTargetPath(r: LnkRecord): string | null {
  return r.localPath || r.networkPath || r.targetIdAbsolutePath || null;
}

/** True when the target is a folder (attributes of the target, or the last shell item). */
export function lnkTargetIsFolder(r: LnkRecord): boolean {
  if (r.fileAttributes & 0x10) return true;
  return r.targetIdItems[r.targetIdItems.length - 1]?.isDirectory === true;
}
