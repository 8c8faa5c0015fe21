/**
 * Extension versus content. Each extension maps to the formats it may hold; two tokens widen it:
 *   TEXT_CONTENT: any text or structured text;  NOT_ARCHIVE: anything except archive,
 *   compressed or encrypted content (the generic .tmp/.dat/.bin names staging hides behind,
 *   ATT&CK Indrik Spider / PUNCHTRACK ".tmp aggregation files").
 */
import { FORMAT_FAMILIES, type Classification } from './formats.js';

export const TEXT_CONTENT = '@text';
export const NOT_ARCHIVE = '@not-archive';

export interface ExtensionMismatch {
  extension: string;
  expected: string[];
  actual: string;
}

const OOXML_OR_ENCRYPTED = ['zip', 'cfb']; // an encrypted OOXML document is a CFB container
const EXPECTED: Record<string, readonly string[]> = {};

function expect(exts: string, formats: readonly string[]): void {
  for (const ext of exts.split(' ')) EXPECTED[ext] = formats;
}

expect('zip', FORMAT_FAMILIES.zip);
expect('docx docm dotx dotm', ['docx', 'docm', 'dotx', 'dotm', ...OOXML_OR_ENCRYPTED]);
expect('xlsx xlsm xltx xltm', ['xlsx', 'xlsm', 'xltx', 'xltm', ...OOXML_OR_ENCRYPTED]);
expect('pptx pptm potx potm ppsx ppsm', ['pptx', 'pptm', 'potx', 'potm', 'ppsx', 'ppsm', ...OOXML_OR_ENCRYPTED]);
expect('odt ods odp odg ott ots otp otg epub xps oxps', FORMAT_FAMILIES.zip);
expect('jar', ['jar', 'zip']);
expect('apk', ['apk', 'jar', 'zip']);
expect('doc xls ppt msi msg pub vsd', ['cfb']);
expect('pdf', ['pdf']);
expect('rtf', ['rtf']);
expect('jpg jpeg jpe jfif', ['jpg']);
expect('png', ['png', 'apng']);
expect('gif', ['gif']);
expect('bmp dib', ['bmp']);
expect('webp', ['webp']);
expect('tif tiff', ['tif']);
expect('ico', ['ico', 'cur', 'png']);
expect('heic heif', ['heic']);
expect('mp4 m4v m4a mov 3gp', ['mp4', 'm4v', 'm4a', 'm4b', 'm4p', 'mov', '3gp', '3g2', 'f4v']);
expect('mp3', ['mp3', 'mp2', 'mp1']);
expect('wav', ['wav']);
expect('avi', ['avi']);
expect('mkv webm', ['mkv', 'webm']);
expect('exe dll sys scr ocx cpl efi', ['exe']);
expect('7z', ['7z']);
expect('rar', ['rar']);
expect('cab', ['cab']);
expect('tar', ['tar']);
expect('gz tgz', FORMAT_FAMILIES.gz);
expect('bz2 tbz tbz2', ['bz2']);
expect('xz txz', ['xz']);
expect('zst', ['zst']);
expect('lz4', ['lz4']);
expect('dit edb', ['ese']);
expect('pst ost', FORMAT_FAMILIES.pst);
expect('kdbx kdb', FORMAT_FAMILIES.kdbx);
expect('evtx', ['evtx']);
expect('lnk', ['lnk']);
expect('dmp mdmp hdmp', [...FORMAT_FAMILIES.mdmp, NOT_ARCHIVE]);
expect('log log1 log2', [TEXT_CONTENT, 'regf-log']);
expect('txt csv tsv json xml ini inf cfg conf md ps1 psm1 bat cmd vbs js py sh htm html reg', [TEXT_CONTENT]);
expect('tmp temp dat bin bak old chk', [NOT_ARCHIVE]);

/** Lower-cased extension after the last dot, '' when there is none (dot-files have none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Formats (and @-tokens) an extension may hold, or null when the extension says nothing. */
export function expectedFormatsForExtension(ext: string): readonly string[] | null {
  return Object.prototype.hasOwnProperty.call(EXPECTED, ext.toLowerCase()) ? EXPECTED[ext.toLowerCase()] : null;
}

const ARCHIVE_LIKE: ReadonlySet<Classification> = new Set(['archive', 'compressed', 'encrypted']);

function satisfies(token: string, format: string, cls: Classification): boolean {
  if (token === TEXT_CONTENT) return cls === 'text' || cls === 'structured';
  if (token === NOT_ARCHIVE) return !ARCHIVE_LIKE.has(cls);
  return token === format;
}

/**
 * Compares content with extension. Only a confident magic (certain/high) can contradict a name;
 * unknown or entropy-only content never does.
 */
export function checkExtension(name: string, format: string | null, cls: Classification, confident: boolean): ExtensionMismatch | null {
  const extension = extensionOf(name);
  const expected = expectedFormatsForExtension(extension);
  // $I files keep the deleted file's extension by design.
  if (!expected || !format || !confident || format === 'recyclebin-i') return null;
  if (expected.some((token) => satisfies(token, format, cls))) return null;
  return { extension, expected: [...expected], actual: format };
}
