/**
 * Jump List AppIDs (the file name's 16 hex digits: a hash of the application's path or explicit id)
 * of the programs that matter to staging. Source: Eric Zimmerman's JumpList AppID list (MIT), as
 * republished in osquery's jumplists table; Explorer's Windows 8+/10 id from the corpus
 * (ez-jumplist Win80/Win81/Win10 folder lists). `archiver` marks archive managers.
 */
export interface AppId {
  name: string;
  archiver: boolean;
}

export const APP_IDS: Readonly<Record<string, AppId>> = {
  '1b4dd67f29cb1962': { name: 'Windows Explorer (pinned and recent)', archiver: false },
  'f01b4d95cf55d32a': { name: 'Windows Explorer (Windows 8.x / 10)', archiver: false },
  '5f7b5f1e01b83767': { name: 'Quick Access', archiver: false },
  '7e4dca80246863e3': { name: 'Control Panel', archiver: false },
  '9d1f905ce5044aee': { name: 'Microsoft Edge', archiver: false },
  '3dc02b55e44d6697': { name: '7-Zip File Manager 3.13 / 4.20', archiver: true },
  '4975d6798a8bdf66': { name: '7-Zip File Manager 4.65 / 9.20', archiver: true },
  '5bb830f67194431a': { name: '7-Zip File Manager 18.05 (x64)', archiver: true },
  '290532160612e071': { name: 'WinRAR (2.90 / 3.60 / 4.01, x64)', archiver: true },
  '46f433176bc0b3d2': { name: 'WinRAR 5.30 (64-bit)', archiver: true },
  'b74736c2bd8cc8a5': { name: 'WinZip 15.5', archiver: true },
  'c9950c443027c765': { name: 'WinZip 9.0 / 10.0', archiver: true },
};

/** The AppID from a file name such as 5bb830f67194431a.automaticDestinations-ms, or null. */
export function appIdFromName(name: string): string | null {
  const m = /^([0-9a-f]{16})\.(automatic|custom)destinations-ms$/i.exec(name);
  return m ? m[1]!.toLowerCase() : null;
}
