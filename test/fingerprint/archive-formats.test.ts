import { describe, expect, test } from '@jest/globals';
import { isArchiveFormat } from '../../src/fingerprint/formats.js';

// The one archive format set (Recycle Bin, Trash and timeline ask it), in fingerprint format ids.
describe('isArchiveFormat', () => {
  test.each(['zip', '7z', 'rar', 'cab', 'tar', 'tar.gz', 'cpio', 'arj', 'ace', 'xar', 'gz', 'bz2', 'xz', 'zst', 'lz4', 'lz', 'Z', 'lzma', 'lzh', 'age', 'openssl-enc', 'pgp'])(
    '%s is an archive, a compressed stream or an encrypted container',
    (format) => expect(isArchiveFormat(format)).toBe(true),
  );
  test.each([null, undefined, '', 'docx', 'pdf', 'exe', 'jar', 'apk', 'regf', 'txt', 'jpg', 'z', 'tgz', 'iso'])('%s is not', (format) =>
    expect(isArchiveFormat(format)).toBe(false),
  );
});
