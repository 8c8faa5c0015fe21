/**
 * Which file names are staged archives for the NTFS trace detectors: archives, compressed streams,
 * archive volumes and encrypted containers, by name only (the journal and a deleted MFT record keep
 * no content). Software packages and installer cabinets are left out: installers and updaters write
 * and delete them in %TEMP% all day (docs/ntfs.md, "Staging traces").
 */
import { volumeFromName } from '../archive/volume.js';
import { expectedFormatsForExtension, extensionOf } from '../../fingerprint/extensions.js';
import { isArchiveFormat } from '../../fingerprint/formats.js';

export type StagedNameKind = 'archive' | 'volume' | 'encrypted';

/** Encrypted-container extensions with no magic of their own (VeraCrypt/TrueCrypt volumes, AxCrypt, OpenSSL/AES tools). */
const ENCRYPTED_CONTAINER_EXT = new Set(['hc', 'tc', 'vc', 'gpg', 'pgp', 'asc', 'aes', 'axx', 'enc', 'age']);
/** Archive-format extensions that are packages or installers, not staging. */
const PACKAGE_EXT = new Set(['cab', 'msi', 'msu', 'msp', 'jar', 'war', 'apk', 'whl', 'nupkg', 'crx', 'xpi', 'deb', 'rpm', 'vsix', 'appx', 'msix']);

export function stagedNameKind(name: string): StagedNameKind | null {
  if (volumeFromName(name)) return 'volume';
  const ext = extensionOf(name);
  if (ext === '') return null;
  if (ENCRYPTED_CONTAINER_EXT.has(ext)) return 'encrypted';
  if (PACKAGE_EXT.has(ext)) return null;
  // The extension's own format (listed first) decides: .docx may hold a ZIP or an encrypted CFB, it is a document.
  const formats = expectedFormatsForExtension(ext);
  return formats !== null && formats.length > 0 && isArchiveFormat(formats[0]) ? 'archive' : null;
}

/** Extensions a rename to which is an ordinary save or update step, not hiding (x.zip -> x.zip.tmp, x.zip.old). */
const TRANSIENT_EXT = new Set(['tmp', 'temp', 'old', 'bak', 'part', 'partial', 'crdownload', 'download', 'opdownload']);

/** A rename from a staged archive name to a name that no longer says archive (stage.7z -> stage.log). */
export function renameHidesArchive(from: string, to: string): boolean {
  if (stagedNameKind(from) === null || stagedNameKind(to) !== null) return false;
  return !TRANSIENT_EXT.has(extensionOf(to));
}
