import { describe, expect, test } from '@jest/globals';
import { normalizeNamedPath, relMatches, volumeStem } from '../../src/correlate/paths.js';

const win = (p: string, user?: string | null) => normalizeNamedPath(p, { windows: true, user });
const unix = (p: string, user?: string | null) => normalizeNamedPath(p, { windows: false, user });

describe('normalizeNamedPath: Windows', () => {
  test('drive paths become lower-case root-relative paths; . and .. are resolved', () => {
    expect(win('C:\\Users\\Public\\Libraries\\bk.rar')).toEqual({ relPath: 'users/public/libraries/bk.rar', base: 'bk.rar', external: false });
    expect(win('"C:\\PerfLogs\\1\\..\\2\\.\\d.7z"').relPath).toBe('perflogs/2/d.7z');
    expect(win('\\\\?\\C:\\Windows\\Temp\\x.zip').relPath).toBe('windows/temp/x.zip');
  });
  test('user-relative paths resolve with the user of the artifact', () => {
    expect(win('$env:TEMP\\o.zip', 'alice').relPath).toBe('users/alice/appdata/local/temp/o.zip');
    expect(win('%TEMP%\\o.zip', 'Alice').relPath).toBe('users/alice/appdata/local/temp/o.zip');
    expect(win('%APPDATA%\\out', 'bob').relPath).toBe('users/bob/appdata/roaming/out');
    expect(win('$env:LOCALAPPDATA\\x', 'bob').relPath).toBe('users/bob/appdata/local/x');
    expect(win('~\\Documents\\a.docx', 'alice').relPath).toBe('users/alice/documents/a.docx');
    expect(win('%USERPROFILE%\\Desktop', 'alice').relPath).toBe('users/alice/desktop');
    expect(win('%PUBLIC%\\x.rar', 'alice').relPath).toBe('users/public/x.rar');
    expect(win('%ProgramData%\\x.rar').relPath).toBe('programdata/x.rar');
  });
  test('an unknown user (or a SID) leaves a * segment that relMatches accepts for any user', () => {
    expect(win('$env:TEMP\\o.zip', null).relPath).toBe('users/*/appdata/local/temp/o.zip');
    expect(win('$env:TEMP\\o.zip', 'S-1-5-21-1-2-3-1001').relPath).toBe('users/*/appdata/local/temp/o.zip');
    expect(relMatches('users/*/appdata/local/temp/o.zip', 'Users/alice/AppData/Local/Temp/o.zip')).toBe(true);
    expect(relMatches('users/*/appdata/local/temp/o.zip', 'Users/alice/AppData/Local/Temp/x/o.zip')).toBe(false);
  });
  test('other drives, UNC shares and bare names are not inside the root', () => {
    expect(win('D:\\loot\\x.rar')).toEqual({ relPath: null, base: 'x.rar', external: true });
    expect(win('\\\\srv\\c$\\temp\\ceo.pst')).toEqual({ relPath: null, base: 'ceo.pst', external: true });
    expect(win('bk.rar')).toEqual({ relPath: null, base: 'bk.rar', external: false });
  });
});

describe('normalizeNamedPath: Unix', () => {
  test('~ and $HOME resolve to the user home; root is /root', () => {
    expect(unix('~/x/a.tgz', 'bob').relPath).toBe('home/bob/x/a.tgz');
    expect(unix('$HOME/a.tgz', 'bob').relPath).toBe('home/bob/a.tgz');
    expect(unix('~/a.tgz', 'root').relPath).toBe('root/a.tgz');
    expect(unix('~/a.tgz', null).relPath).toBe('home/*/a.tgz');
    expect(unix('/tmp/../tmp/.x/a.tgz').relPath).toBe('tmp/.x/a.tgz');
  });
  test('removable media are external; relative paths are names only', () => {
    expect(unix('/media/usb/a.zip')).toEqual({ relPath: null, base: 'a.zip', external: true });
    expect(unix('/Volumes/USB/a.zip').external).toBe(true);
    expect(unix('out/a.zip')).toEqual({ relPath: null, base: 'a.zip', external: false });
  });
  test('a Windows path in a Unix-rooted scan is still read as Windows', () => {
    expect(unix('C:\\Users\\Public\\x.rar').relPath).toBe('users/public/x.rar');
  });
});

describe('volumeStem', () => {
  test('every volume naming maps to the archive the command wrote', () => {
    expect(volumeStem('users/public/libraries/bk.part1.rar')).toBe('users/public/libraries/bk.rar');
    expect(volumeStem('Users/Public/Libraries/BK.PART03.RAR')).toBe('users/public/libraries/bk.rar');
    expect(volumeStem('x.7z.001')).toBe('x.7z');
    expect(volumeStem('x.zip.002')).toBe('x.zip');
    expect(volumeStem('x.z01')).toBe('x.zip');
    expect(volumeStem('x.r00')).toBe('x.rar');
    expect(volumeStem('x.rar')).toBe('x.rar');
    expect(volumeStem('report.part1.docx')).toBe('report.part1.docx');
  });
});
