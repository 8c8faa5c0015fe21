/**
 * MS-SHLLINK (Shell Link Binary File Format) layout: the facts the LNK parser reads.
 * ShellLinkHeader (0x4c bytes):
 *   0x00 u32 HeaderSize (0x4c)      0x04 LinkCLSID 00021401-0000-0000-c000-000000000046
 *   0x14 u32 LinkFlags              0x18 u32 FileAttributes
 *   0x1c FILETIME CreationTime      0x24 FILETIME AccessTime      0x2c FILETIME WriteTime
 *   0x34 u32 FileSize               0x38 i32 IconIndex            0x3c u32 ShowCommand    0x40 u16 HotKey
 * Then, by LinkFlags: LinkTargetIDList (u16 size + shell items), LinkInfo, StringData
 * (u16 character count + characters, UTF-16 when IsUnicode), ExtraData blocks (u32 size + u32 signature,
 * ended by a block shorter than 4 bytes).
 */
export const HEADER_SIZE = 0x4c;
export const LINK_CLSID = Buffer.from('0114020000000000c000000000000046', 'hex');

export const LinkFlag = {
  HasLinkTargetIDList: 0x1,
  HasLinkInfo: 0x2,
  HasName: 0x4,
  HasRelativePath: 0x8,
  HasWorkingDir: 0x10,
  HasArguments: 0x20,
  HasIconLocation: 0x40,
  IsUnicode: 0x80,
  ForceNoLinkInfo: 0x100,
  HasExpString: 0x200,
} as const;

/** LinkInfo: 0x00 size, 0x04 header size, 0x08 flags, 0x0c VolumeID offset, 0x10 LocalBasePath offset,
 *  0x14 CommonNetworkRelativeLink offset, 0x18 CommonPathSuffix offset; header >= 0x24: 0x1c/0x20 Unicode offsets. */
export const LinkInfoFlag = { VolumeIDAndLocalBasePath: 0x1, CommonNetworkRelativeLinkAndPathSuffix: 0x2 } as const;

/** VolumeID: 0x00 size, 0x04 DriveType, 0x08 DriveSerialNumber, 0x0c VolumeLabelOffset (0x14: Unicode offset at 0x10). */
export const DRIVE_TYPES: readonly string[] = ['Unknown', 'No root directory', 'Removable', 'Fixed', 'Remote', 'CD-ROM', 'RAM disk'];

/** CommonNetworkRelativeLink: 0x00 size, 0x04 flags, 0x08 NetNameOffset, 0x0c DeviceNameOffset,
 *  0x10 NetworkProviderType; NetNameOffset > 0x14: 0x14/0x18 Unicode offsets. */

/** ExtraData block signatures (MS-SHLLINK 2.5). */
export const ExtraBlock = {
  EnvironmentVariables: 0xa0000001, // 0x08 TargetAnsi[260], 0x10c TargetUnicode[260 WCHAR]
  Console: 0xa0000002,
  Tracker: 0xa0000003, // 0x08 Length, 0x0c Version, 0x10 MachineID[16], 0x20 Droid[2 GUID], 0x40 DroidBirth[2 GUID]
  ConsoleFE: 0xa0000004,
  SpecialFolder: 0xa0000005, // 0x08 SpecialFolderID, 0x0c Offset
  Darwin: 0xa0000006,
  IconEnvironment: 0xa0000007,
  Shim: 0xa0000008,
  PropertyStore: 0xa0000009,
  VistaAndAboveIDList: 0xa000000a,
  KnownFolder: 0xa000000b, // 0x08 KnownFolderID GUID, 0x18 Offset
} as const;

export const EXTRA_BLOCK_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ExtraBlock).map(([name, sig]) => [sig, name]));
