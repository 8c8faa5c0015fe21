/**
 * Shell folder GUIDs that root a shell item list (LNK target IDs, ShellBags), with the names
 * Explorer shows. Sources: libfwsi "Windows Shell Item format" (shell folder identifiers),
 * MS-SHLLINK 2.2 examples, the KNOWNFOLDERID reference (learn.microsoft.com). Lower-case GUIDs.
 */
export const SHELL_FOLDERS: Readonly<Record<string, string>> = {
  '20d04fe0-3aea-1069-a2d8-08002b30309d': 'My Computer',
  '208d2c60-3aea-1069-a2d7-08002b30309d': 'My Network Places',
  'f02c1a0d-be21-4350-88b0-7367fc96ef3c': 'Network',
  '645ff040-5081-101b-9f08-00aa002f954e': 'Recycle Bin',
  '450d8fba-ad25-11d0-98a8-0800361b1103': 'My Documents',
  '59031a47-3f72-44a7-89c5-5595fe6b30ee': 'Users Files',
  '26ee0668-a00a-44d7-9371-beb064c98683': 'Control Panel',
  '21ec2020-3aea-1069-a2dd-08002b30309d': 'Control Panel Items',
  '031e4825-7b94-4dc3-b131-e946b44c8dd5': 'Libraries',
  '679f85cb-0220-4080-b29b-5540cc05aab6': 'Quick access',
  '22877a6d-37a1-461a-91b0-dbda5aaebc99': 'Recent Places',
  'b4bfcc3a-db2c-424c-b029-7fe99a87c641': 'Desktop',
  'd3162b92-9365-467a-956b-92703aca08af': 'Documents',
  '088e3905-0323-4b02-9826-5d99428e115f': 'Downloads',
  '374de290-123f-4565-9164-39c4925e467b': 'Downloads',
  '24ad3ad4-a569-4530-98e1-ab02f9417aa8': 'Pictures',
  '3dfdf296-dbec-4fb4-81d1-6a3438bcf4de': 'Music',
  'f86fa3ab-70d2-4fc7-9c99-fcbf05467f3a': 'Videos',
  '0db7e03f-fc29-4dc6-9020-ff41b59e513a': '3D Objects',
  '018d5c66-4533-4307-9b53-224de2ed1fe6': 'OneDrive',
  '1cf1260c-4dd0-4ebb-811f-33c572699fde': 'Music',
  '3add1653-eb32-4cb0-bbd7-dfa0abb5acca': 'Pictures',
  'a0953c92-50dc-43bf-be83-3742fed03c9c': 'Videos',
  'a8cdff1c-4878-43be-b5fd-f8091c1c60d0': 'Documents',
  '9e3995ab-1f9c-4f13-b827-48b24b6c7174': 'User Pinned',
  '5e6c858f-0e22-4760-9afe-ea3317b67173': 'User Profile',
  'fdd39ad0-238f-46af-adb4-6c85480369c7': 'Documents',
  '1777f761-68ad-4d8a-87bd-30b759fa33dd': 'Favorites',
  '4bd8d571-6d19-48d3-be97-422220080e43': 'Music',
  '33e28130-4e1e-4676-835a-98395c3bc3bb': 'Pictures',
  '18989b1d-99b5-455b-841c-ab7c74e4ddfc': 'Videos',
  'ae50c081-ebd2-438a-8655-8a092e34987a': 'Recent Items',
  '62ab5d82-fdc1-4dc3-a9dd-070d1d495d97': 'ProgramData',
  'de974d24-d9c6-4d3e-bf91-f4455120b917': 'Common Files',
  '905e63b6-c1bf-494e-b29c-65b732d3d21a': 'Program Files',
  'f38bf404-1d43-42f2-9305-67de0b28fc23': 'Windows',
  '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7': 'System32',
  'dfdf76a2-c82a-4d63-906a-5644ac457385': 'Public',
  'c4aa340d-f20f-4863-afef-f87ef2e6ba25': 'Public Desktop',
};

/**
 * The folder a known-folder GUID stands for, as a path Windows resolves it to, when that place
 * matters to staging (%ProgramData%, %PUBLIC%): used to rebuild paths like C:\ProgramData\x.
 */
export const SHELL_FOLDER_PATHS: Readonly<Record<string, string>> = {
  '62ab5d82-fdc1-4dc3-a9dd-070d1d495d97': 'C:\\ProgramData',
  'dfdf76a2-c82a-4d63-906a-5644ac457385': 'C:\\Users\\Public',
  'f38bf404-1d43-42f2-9305-67de0b28fc23': 'C:\\Windows',
  '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7': 'C:\\Windows\\System32',
};

export function shellFolderName(guid: string): string | null {
  return SHELL_FOLDERS[guid.toLowerCase()] ?? null;
}
