/**
 * The corpus archives (../shared/corpus/archives) whose members stagehunt decompresses for the YARA
 * rules (src/artifacts/archive/members.ts): ZIP, 7z, RAR, tar and compressed streams of every dialect there.
 */

/** Every one: test/artifacts/archives/members.test.ts compares their members with bsdtar's extraction. */
export const MEMBER_ARCHIVES: readonly string[] = [
  'file-type/fixture.7z', 'libarchive/test_read_format_7zip_copy.7z', 'libarchive/test_read_format_7zip_lzma2.7z', 'libarchive/test_read_format_7zip_zstd.7z',
  'libarchive/test_read_format_7zip_encryption.7z', 'libarchive/test_read_format_7zip_encryption_partially.7z', 'libarchive/test_read_format_7zip_encryption_header.7z',
  'libarchive/test_read_format_7zip_empty_archive.7z', 'libarchive/test_read_format_7zip_entries_oom.7z',
  'file-type/fixture-pax.tar', 'file-type/fixture-v7.tar', 'file-type/fixture.bz2', 'file-type/fixture.gz', 'file-type/fixture.lz4', 'file-type/fixture.tar',
  'file-type/fixture.tar.gz', 'file-type/fixture.tar.lz', 'file-type/fixture.tar.xz', 'file-type/fixture.tar.zst', 'file-type/fixture.zip',
  'libarchive/test_compat_bzip2_1.tbz', 'libarchive/test_compat_gtar_2.tar', 'libarchive/test_compat_gzip_1.tgz', 'libarchive/test_compat_lz4_1.tar.lz4',
  'libarchive/test_compat_lzma_1.tlz', 'libarchive/test_compat_tar_hardlink_1.tar', 'libarchive/test_compat_xz_1.txz', 'libarchive/test_compat_zip_7.xps',
  'libarchive/test_compat_zstd_1.tar.zst', 'libarchive/test_pax_filename_encoding.tar', 'libarchive/test_read_format_raw.data.gz', 'libarchive/test_read_format_zip.zip',
  'libarchive/test_read_format_zip_comment_stored_1.zip', 'libarchive/test_read_format_zip_encryption_data.zip', 'libarchive/test_read_format_zip_encryption_partially.zip',
  'libarchive/test_read_format_zip_malformed1.zip', 'libarchive/test_read_format_zip_nested.zip', 'libarchive/test_read_format_zip_ppmd8_aes256_streaming.zipx',
  'libarchive/test_read_format_zip_sfx.exe', 'libarchive/test_read_format_zip_traditional_encryption_data.zip', 'libarchive/test_read_format_zip_winzip_aes128.zip',
  'libarchive/test_read_format_zip_winzip_aes256.zip', 'libarchive/test_read_format_zip_winzip_aes256_stored.zip', 'libarchive/test_read_format_zip_zip64a.zip',
  'yauzl/NtfsTimestamp.zip', 'yauzl/failure_eocd_signature_not_found_truncated.zip', 'yauzl/failure_invalid_local_file_header_signature.zip', 'yauzl/failure_multi_disk.zip',
  'yauzl/failure_strong_encryption_is_not_supported.zip', 'yauzl/traditional-encryption-and-compression.zip', 'yauzl/traditional-encryption.zip', 'yauzl/unicode.zip',
  'yauzl/windows-7-zip.zip', 'yauzl/windows-compressed-folder.zip', 'yauzl/zip64.zip',
  'file-type/fixture.rar', 'libarchive/test_read_format_rar.rar', 'libarchive/test_read_format_rar5_compressed.rar', 'libarchive/test_read_format_rar5_stored.rar',
];

/**
 * Left out of the rules' comparison, with why (members.test.ts checks each): bsdtar writes zeros for
 * a bad CRC, pads a cut tar member, copies a hard link, names a pax member in the locale's encoding;
 * a member with no local header or an unknown method neither extracts; the .xps is a package (opened
 * only with --yara-packages); Debian's bsdtar has no zstd coder for 7z; an empty 7z and one whose
 * header is damaged have no member to compare; the rest have encrypted members (bsdtar leaves
 * empty files).
 */
const BSDTAR_DIFFERS = new Set([
  'file-type/fixture-pax.tar', 'libarchive/test_read_format_zip.zip', 'libarchive/test_compat_tar_hardlink_1.tar', 'libarchive/test_read_format_zip_malformed1.zip',
  'libarchive/test_compat_zip_7.xps', 'libarchive/test_pax_filename_encoding.tar', 'yauzl/failure_invalid_local_file_header_signature.zip',
  'libarchive/test_read_format_7zip_zstd.7z', 'libarchive/test_read_format_7zip_empty_archive.7z', 'libarchive/test_read_format_7zip_entries_oom.7z',
]);
const ENCRYPTED = /encryption|winzip_aes|ppmd8_aes|strong_encryption|traditional-encryption/;

/** Those whose members are what bsdtar extracts: test/e2e/yara.test.ts compares the rules' matches on them with yara over that extraction. */
export const ARCHIVES_AS_BSDTAR_EXTRACTS: readonly string[] = MEMBER_ARCHIVES.filter((rel) => !BSDTAR_DIFFERS.has(rel) && !ENCRYPTED.test(rel));
