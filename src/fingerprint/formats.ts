/**
 * What each detected format is, for staging triage: the classification table and the format
 * families used to compare content with a file's extension.
 */

export type Classification =
  | 'empty' | 'text' | 'structured' | 'document' | 'media' | 'executable' | 'compressed' | 'archive'
  | 'encrypted' | 'high-entropy-unknown' | 'system-data' | 'unknown';

function classes(entries: Record<Classification, string[]>): Map<string, Classification> {
  const map = new Map<string, Classification>();
  for (const [cls, formats] of Object.entries(entries) as [Classification, string[]][]) {
    for (const f of formats) map.set(f, cls);
  }
  return map;
}

/** Format id (file-type ext or own detector id) -> classification. */
const FORMAT_CLASS = classes({
  'empty': [],
  'text': ['txt', 'script', 'html', 'rtf', 'vtt'],
  'structured': ['xml', 'json', 'csv', 'ini', 'reg', 'sqlite', 'lnk', 'pcap', 'parquet', 'arrow', 'avro', 'ics', 'vcf', 'icc', 'shp'],
  // ZIP-based documents are documents, not staging archives (OOXML, ODF, EPUB, XPS...).
  'document': [
    'pdf', 'cfb', 'docx', 'docm', 'dotx', 'dotm', 'xlsx', 'xlsm', 'xltx', 'xltm', 'pptx', 'pptm', 'potx', 'potm',
    'ppsx', 'ppsm', 'vsdx', 'odt', 'ods', 'odp', 'odg', 'ott', 'ots', 'otp', 'otg', 'epub', 'mobi', 'ps', 'eps',
    'indd', 'chm', 'xps', '3mf', 'dwg', 'skp', 'blend', 'fbx', 'stl', 'glb', 'sav', 'jmp',
  ],
  'media': [
    'jpg', 'png', 'apng', 'gif', 'webp', 'bmp', 'tif', 'ico', 'cur', 'icns', 'psd', 'heic', 'avif', 'jxl', 'jp2',
    'jpx', 'jpm', 'j2c', 'jls', 'jxr', 'bpg', 'flif', 'xcf', 'cr2', 'cr3', 'nef', 'dng', 'arw', 'orf', 'rw2', 'raf',
    'ktx', 'dcm', 'mp4', 'm4v', 'm4a', 'm4b', 'm4p', 'mov', 'mkv', 'webm', 'avi', 'flv', 'f4v', 'f4a', 'f4b', 'f4p',
    'mpg', 'mts', 'mxf', '3gp', '3g2', 'asf', 'rm', 'ogv', 'ogm', 'mj2', 'mp1', 'mp2', 'mp3', 'aac', 'flac', 'ogg',
    'oga', 'opus', 'spx', 'wav', 'aif', 'amr', 'ape', 'wv', 'mpc', 'mid', 'ac3', 'qcp', 'voc', 'dsf', 'it', 's3m',
    'xm', 'ttf', 'otf', 'ttc', 'woff', 'woff2', 'eot', 'drc', 'mie',
  ],
  // Software packages are not staging archives either.
  'executable': ['exe', 'elf', 'macho', 'class', 'wasm', 'swf', 'jar', 'apk', 'xpi', 'crx', 'deb', 'rpm', 'nes', 'asar'],
  'compressed': ['gz', 'bz2', 'xz', 'zst', 'lz4', 'lz', 'Z', 'lzma', 'lzh', 'br'],
  'archive': ['zip', '7z', 'rar', 'cab', 'tar', 'tar.gz', 'ar', 'cpio', 'arj', 'ace', 'dmg', 'alias', 'xar'],
  'encrypted': ['age', 'openssl-enc'],
  'high-entropy-unknown': [],
  'system-data': ['regf', 'regf-log', 'ese', 'mdmp', 'crashdump', 'pst', 'ost', 'kdbx', 'kdb', 'evtx', 'recyclebin-i', 'info2'],
  'unknown': [],
});

const STAGING_CLASSES: ReadonlySet<Classification> = new Set(['archive', 'compressed', 'encrypted']);

/**
 * The one archive format set: a format id (as the fingerprint reports it) that staging produces,
 * an archive, a compressed stream or an encrypted container (OpenPGP counted whether or not the
 * message is encrypted). The Recycle Bin, Trash and timeline stages ask here.
 */
export function isArchiveFormat(format: string | null | undefined): boolean {
  if (!format) return false;
  return format === 'pgp' || STAGING_CLASSES.has(FORMAT_CLASS.get(format) ?? 'unknown');
}

/** Formats file-type recognises from two or three loose bytes: a hint, not proof. */
export const WEAK_MAGIC_FORMATS: ReadonlySet<string> = new Set(['mp1', 'mp2', 'mp3', 'aac', 'bmp', 'Z', 'arj', 'ico', 'cur', 'lzma', 'mpg', 'voc', 'nes']);

/** Classification of a format; hints can turn a container into 'encrypted'. */
export function classifyFormat(format: string, mime: string | null, hints: readonly string[] = []): Classification {
  if (format === 'pgp') return hints.includes('pgp-encrypted') ? 'encrypted' : 'text';
  const known = FORMAT_CLASS.get(format);
  if (known) return known;
  if (mime && /^(image|audio|video|font|model)\//.test(mime)) return 'media';
  if (mime?.startsWith('text/')) return 'text';
  return 'document';
}

/** ZIP-based formats; a .zip file holding one of these is no mismatch. */
const ZIP_FAMILY = [
  'zip', 'docx', 'docm', 'dotx', 'dotm', 'xlsx', 'xlsm', 'xltx', 'xltm', 'pptx', 'pptm', 'potx', 'potm', 'ppsx',
  'ppsm', 'vsdx', 'odt', 'ods', 'odp', 'odg', 'ott', 'ots', 'otp', 'otg', 'epub', 'jar', 'apk', 'xpi', '3mf', 'xps',
];

/** Formats that stand for the same thing at the level an extension can express. */
export const FORMAT_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  zip: ZIP_FAMILY,
  gz: ['gz', 'tar.gz'],
  regf: ['regf', 'regf-log'],
  pst: ['pst', 'ost'],
  kdbx: ['kdbx', 'kdb'],
  mdmp: ['mdmp', 'crashdump'],
};
