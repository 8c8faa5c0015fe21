import { describe, expect, test } from '@jest/globals';
import { matchCommand, matchHistory } from '../../../src/artifacts/history/staging-commands.js';
import { programName, splitCommandLine, stripPrefixes, type Segment } from '../../../src/artifacts/history/tokenize.js';

const rules = (cmd: string) => (matchCommand(cmd)?.hits ?? []).map((h) => h.rule).sort();
const names = (cmd: string) => matchCommand(cmd)?.names ?? [];

describe('tokenizer', () => {
  test('quotes, separators, redirects and wrappers', () => {
    expect(splitCommandLine('cmd /c "rar a -hp\\"x y\\" C:\\a.rar C:\\Users\\b" && del x')).toEqual([
      { words: ['rar', 'a', '-hpx y', 'C:\\a.rar', 'C:\\Users\\b'], redirects: [] },
      { words: ['del', 'x'], redirects: [] },
    ]);
    expect(splitCommandLine("tar cf - ~/docs | gzip > '/tmp/.x/a b.tgz'")).toEqual([
      { words: ['tar', 'cf', '-', '~/docs'], redirects: [] },
      { words: ['gzip'], redirects: ['/tmp/.x/a b.tgz'] },
    ]);
    expect(splitCommandLine('& "C:\\Program Files\\7-Zip\\7z.exe" a x.7z')[0]!.words[0]).toBe('C:\\Program Files\\7-Zip\\7z.exe');
    expect(splitCommandLine('powershell -c "Compress-Archive -Path C:\\Users\\a -DestinationPath C:\\Users\\Public\\a.zip"')[0]!.words[0]).toBe('Compress-Archive');
  });
});

/** Generated command lines from pieces that meet every branch of the tokenizer (and its wrappers). */
function* generatedLines(count: number, pieces: readonly string[]): Generator<string> {
  let seed = 7;
  const next = (k: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % k;
  };
  for (let i = 0; i < count; i++) {
    let line = '';
    for (let j = next(12); j > 0; j--) line += pieces[next(pieces.length)]!;
    yield line;
  }
}

/** The tokenizer as it was before the fast paths (session 29): a character at a time; the reference for the loop that replaced it. */
function referenceSplit(line: string, depth = 0): Segment[] {
  const text = line.slice(0, 16 * 1024);
  const segments: Segment[] = [];
  let words: string[] = [];
  let redirects: string[] = [];
  let word = '';
  let inWord = false;
  let redirectNext = false;
  const flushWord = () => {
    if (!inWord) return;
    if (redirectNext) redirects.push(word);
    else words.push(word);
    redirectNext = false;
    word = '';
    inWord = false;
  };
  const flushSegment = () => {
    flushWord();
    if (words.length > 0 || redirects.length > 0) segments.push({ words, redirects });
    words = [];
    redirects = [];
  };
  const closingQuote = (open: number): number => {
    const q = text[open]!;
    for (let i = open + 1; i < text.length; i++) {
      if (q === '"' && (text[i] === '\\' || text[i] === '`') && text[i + 1] === '"') {
        i++;
        continue;
      }
      if (q === "'" && text[i] === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      if (text[i] === q) return i;
    }
    return text.length;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = closingQuote(i);
      word += text.slice(i + 1, end).replace(c === '"' ? /\\"|`"/g : /''/g, c === '"' ? '"' : "'");
      inWord = true;
      i = end;
    } else if (/\s/.test(c)) {
      flushWord();
    } else if (c === '>') {
      flushWord();
      if (text[i + 1] === '>') i++;
      if (text[i + 1] === '&') {
        i++;
        continue;
      }
      if (/\d/.test(words[words.length - 1] ?? '') && words[words.length - 1]!.length === 1) words.pop();
      redirectNext = true;
    } else if (c === ';' || c === '|' || c === '&') {
      const two = text.slice(i, i + 2);
      if (two === '&&' || two === '||') i++;
      if (c === '&' && !inWord && words.length === 0) continue;
      flushSegment();
    } else {
      word += c;
      inWord = true;
    }
  }
  flushSegment();
  if (depth >= 4) return segments;
  return segments.flatMap((seg) => {
    const words = stripPrefixes(seg.words);
    const prog = programName(words[0]);
    let inner: string | null = null;
    if (prog === 'cmd') {
      const at = words.findIndex((w) => /^\/[ck]$/i.test(w));
      if (at > 0) inner = words.slice(at + 1).join(' ');
    } else if (prog === 'powershell' || prog === 'pwsh') {
      const at = words.findIndex((w) => /^-(c|command)$/i.test(w));
      if (at > 0) inner = words.slice(at + 1).join(' ');
    } else if (['bash', 'sh', 'zsh', 'dash', 'ash'].includes(prog)) {
      const at = words.findIndex((w) => w === '-c');
      if (at > 0) inner = words[at + 1] ?? null;
    }
    return inner === null ? [{ words, redirects: seg.redirects }] : referenceSplit(inner, depth + 1);
  });
}

describe('tokenizer fast path (a line of words between whitespace)', () => {
  const PIECES = ['a', 'u', '7z', 'RAR', '-p', '-hp', ' ', '  ', '\t', '\u00a0', '\u3000', '\ufeff', 'x.7z', 'C:\\Users\\Public\\x.rar', '/tmp/x', 'cmd', '/c', '/C', 'bash', '-c', 'powershell', '-Command', 'sudo', '-u', 'nohup', 'start', '.', 'é', '\ud83d\ude00', '\ud800', '$(', ')', '`', '\\', '\r', '\n', 'x'];

  test('gives what the quote-aware loop gives (a trailing separator sends the same words through it)', () => {
    let plain = 0;
    for (const line of generatedLines(30_000, PIECES)) {
      plain++;
      expect(splitCommandLine(line)).toEqual(splitCommandLine(`${line};`));
    }
    expect(plain).toBe(30_000);
  });

  test('the quote-aware loop gives what it gave a character at a time (runs of a word\'s characters, whitespace by code, no flatMap)', () => {
    const QUOTED = [...PIECES, '"', "'", '\\"', '`"', "''", '>', '>>', '2>&1', '2>', ' > ', '&&', '||', '|', ';', '&', '& "C:\\x y\\7z.exe"', 'cmd /c "', 'bash -c \'', 'powershell -c "'];
    for (const line of generatedLines(30_000, QUOTED)) expect(splitCommandLine(line)).toEqual(referenceSplit(line));
  });

  test('program names as the split-and-replace expression gave them', () => {
    const reference = (word: string) => (word.split(/[\\/]/).pop() ?? '').toLowerCase().replace(/\.exe$/, '');
    for (const word of generatedLines(20_000, ['C:', '\\', '/', '7z', '.exe', '.EXE', '.Exe', 'exe', '.', 'İ', 'K', '\u212a', 'x', ''])) expect(programName(word)).toBe(reference(word));
  });
});

describe('staging commands', () => {
  test('rar with header encryption, volumes and user data into Public', () => {
    const cmd = 'rar.exe a -r -hpS3cret -v100m -ta20240101 C:\\Users\\Public\\Libraries\\d.rar C:\\Users\\alice\\Documents\\*';
    expect(rules(cmd)).toEqual(
      ['history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data', 'history-archive-volumes', 'history-archiver-create', 'history-archiver-staging-switches'].sort(),
    );
    expect(names(cmd)).toEqual([
      { path: 'C:\\Users\\Public\\Libraries\\d.rar', role: 'writes' },
      { path: 'C:\\Users\\alice\\Documents\\*', role: 'reads' },
    ]);
  });
  test('plain rar listing and extraction are not creation', () => {
    expect(rules('rar l x.rar')).toEqual([]);
    expect(rules('rar x -pfoo x.rar')).toEqual([]);
    expect(rules('rar a -p- out.rar notes')).toEqual(['history-archiver-create']);
  });
  test('7z with -mhe, -p, -sdel', () => {
    expect(rules('7za a -pX -mhe=on -sdel /tmp/o.7z /home/bob/work')).toEqual(
      ['history-archive-password', 'history-archive-to-staging-location', 'history-archive-user-data', 'history-archiver-create', 'history-archiver-staging-switches'].sort(),
    );
    expect(rules('7z x a.7z')).toEqual([]);
  });
  test('zip -e and -P', () => {
    expect(rules('zip -er out.zip docs')).toContain('history-archive-password');
    expect(names('zip -P pw /tmp/o.zip a b').map((n) => n.path)).toEqual(['/tmp/o.zip', 'a', 'b']);
    expect(rules('zip out.zip a')).toEqual(['history-archiver-create']);
  });
  test('tar create into /dev/shm and hidden dirs; listing ignored', () => {
    expect(rules('tar -czf /dev/shm/x.tgz /home/bob')).toContain('history-archive-to-staging-location');
    expect(names('tar czf ~/.cache2/x.tgz /etc')[0]).toEqual({ path: '~/.cache2/x.tgz', role: 'writes' });
    expect(rules('tar czf ~/.cache2/x.tgz /etc')).toContain('history-archive-to-staging-location');
    expect(rules('tar -tzf /tmp/x.tgz')).toEqual([]);
  });
  test('Compress-Archive with named, abbreviated and positional parameters', () => {
    expect(rules('Compress-Archive -Path C:\\Users\\a\\Documents -DestinationPath $env:TEMP\\d.zip -Force')).toEqual(
      ['history-archive-to-staging-location', 'history-archive-user-data', 'history-powershell-compression'].sort(),
    );
    expect(names('Compress-Archive C:\\Users\\a\\Desktop\\x,C:\\y C:\\Users\\Public\\o.zip')).toEqual([
      { path: 'C:\\Users\\Public\\o.zip', role: 'writes' },
      { path: 'C:\\Users\\a\\Desktop\\x', role: 'reads' },
      { path: 'C:\\y', role: 'reads' },
    ]);
    expect(names('Compress-Archive -Dest "C:\\Windows\\Temp\\o.zip" -LiteralPath C:\\data')[0]).toEqual({ path: 'C:\\Windows\\Temp\\o.zip', role: 'writes' });
  });
  test('ZipFile.CreateFromDirectory', () => {
    const cmd = "[System.IO.Compression.ZipFile]::CreateFromDirectory('C:\\Users\\a\\Documents', 'C:\\ProgramData\\o.zip')";
    expect(rules(cmd)).toContain('history-archive-to-staging-location');
    expect(names(cmd)[0]).toEqual({ path: 'C:\\ProgramData\\o.zip', role: 'writes' });
    // Looked for once per command, given to each segment that falls through to it, each its own objects.
    const three = `$x = 1; ${cmd}; echo done`;
    const named = names(three);
    expect(named).toEqual([0, 1, 2].flatMap(() => [{ path: 'C:\\ProgramData\\o.zip', role: 'writes' }, { path: 'C:\\Users\\a\\Documents', role: 'reads' }]));
    expect(new Set(named).size).toBe(6);
    expect(new Set(matchCommand(three)!.hits.map((h) => h.rule))).toEqual(new Set(rules(cmd)));
  });
  test('gpg -c, openssl enc, makecab, certutil -encode', () => {
    expect(names('gpg -c /tmp/T1560/T1560.zip')).toEqual([
      { path: '/tmp/T1560/T1560.zip.gpg', role: 'writes' },
      { path: '/tmp/T1560/T1560.zip', role: 'reads' },
    ]);
    expect(rules('openssl enc -aes-256-cbc -in /home/a/data.zip -out /tmp/d.enc')).toContain('history-encrypt-file');
    expect(rules('openssl enc -d -in x -out y')).toEqual([]);
    expect(rules('makecab C:\\Users\\a\\x.docx C:\\PerfLogs\\x.cab')).toEqual(['history-archive-to-staging-location', 'history-archive-user-data', 'history-cab-tools']);
    expect(rules('certutil -encode C:\\Windows\\Temp\\a.zip C:\\Windows\\Temp\\a.txt')).toEqual(['history-certutil-encode']);
  });
  test('copies of user folders into staging locations', () => {
    expect(rules('robocopy C:\\Users\\alice\\Documents C:\\PerfLogs\\1 /E')).toEqual(['history-copy-user-data-to-staging']);
    expect(rules('xcopy C:\\Users\\alice\\Desktop C:\\Windows\\Temp\\s /s /e')).toEqual(['history-copy-user-data-to-staging']);
    expect(rules('cp -r /home/bob/Documents /dev/shm/.x')).toEqual(['history-copy-user-data-to-staging']);
    expect(rules('cp /home/bob/a.txt /tmp/')).toEqual([]);
    expect(rules('robocopy C:\\src D:\\backup /E')).toEqual([]);
  });
  test('mailbox export to pst', () => {
    const m = matchCommand('New-MailboxExportRequest -Mailbox ceo -FilePath \\\\srv\\c$\\temp\\ceo.pst')!;
    expect(m.hits.map((h) => h.rule)).toEqual(['history-mailbox-export']);
    expect(m.names).toEqual([{ path: '\\\\srv\\c$\\temp\\ceo.pst', role: 'writes' }]);
  });
  test('deleting an archive written earlier in the same history', () => {
    const out = matchHistory([
      'rar a -hpX C:\\Users\\Public\\d.rar C:\\Users\\alice\\Documents',
      'Get-ChildItem',
      'Remove-Item -Path "C:\\Users\\Public\\d.rar" -Force',
      'rm /tmp/other.zip',
    ]);
    expect(out[1]).toBeNull();
    expect(out[2]!.hits.map((h) => h.rule)).toEqual(['history-delete-staged-archive']);
    expect(out[2]!.names).toEqual([{ path: 'C:\\Users\\Public\\d.rar', role: 'deletes' }]);
    expect(out[3]).toBeNull();
    expect(matchHistory(['shred -u /tmp/x.tgz', 'tar czf /tmp/x.tgz /etc'])[0]).toBeNull();
  });
  test('ordinary commands match nothing', () => {
    for (const cmd of ['ls -la', 'git commit -m "zip it"', 'docker compose up', 'Get-Process | Sort-Object CPU', 'echo rar a -hp']) {
      expect([cmd, rules(cmd)]).toEqual([cmd, []]);
    }
  });
});

describe('renamed archivers (argument signature, Sigma proc_creation_win_susp_compression_params)', () => {
  const DEMO = 'C:\\Users\\Public\\r.exe a -hpS3cr3t! -v60k -m5 C:\\Users\\Public\\Libraries\\bk.rar C:\\Users\\alice\\AppData\\Roaming\\out\\*';
  test('rar run as r.exe from Users\\Public: renamed, unusual folder, password, volumes, archive and sources', () => {
    const m = matchCommand(DEMO)!;
    expect(m.hits.map((h) => h.rule).sort()).toEqual(
      [
        'history-archiver-renamed', 'history-archiver-unusual-folder', 'history-archiver-create', 'history-archive-password', 'history-archive-volumes',
        'history-archiver-staging-switches', 'history-archive-to-staging-location', 'history-archive-user-data',
      ].sort(),
    );
    expect(m.names).toEqual([
      { path: 'C:\\Users\\Public\\Libraries\\bk.rar', role: 'writes' },
      { path: 'C:\\Users\\alice\\AppData\\Roaming\\out\\*', role: 'reads' },
    ]);
    const byRule = new Map(m.hits.map((h) => [h.rule, h.message]));
    expect(byRule.get('history-archiver-renamed')).toBe('C:\\Users\\Public\\r.exe takes rar arguments (a -hp -v -m): a renamed archiver');
    expect(byRule.get('history-archive-volumes')).toMatch(/bk\.part1\.rar, bk\.part2\.rar/);
    // The password itself never reaches a message.
    expect(m.hits.some((h) => h.message.includes('S3cr3t'))).toBe(false);
  });
  test('7-Zip switches make it a renamed 7-Zip; the archive is the first operand', () => {
    const m = matchCommand('.\\svc.exe a -mx9 -pX -mhe=on -sdel out.7z C:\\Users\\bob\\Documents')!;
    expect(m.hits[0]).toEqual({ rule: 'history-archiver-renamed', message: '.\\svc.exe takes 7-Zip arguments (a -mx -p -mhe -sdel): a renamed archiver' });
    expect(m.hits.map((h) => h.rule)).toContain('history-archive-password');
    expect(m.hits.map((h) => h.rule)).not.toContain('history-archiver-unusual-folder'); // folder unknown (.\)
    expect(m.names[0]).toEqual({ path: 'out.7z', role: 'writes' });
  });
  test('one signature switch is enough with an archive-named operand; update verb too', () => {
    expect(rules('upd u -hpX C:\\ProgramData\\x.rar C:\\Users\\a')).toContain('history-archiver-renamed');
    expect(rules('upd a -m5 notes.txt C:\\Users\\a')).toEqual([]); // one switch, no archive name
    expect(rules('upd a -m5 -ta20240101 notes C:\\Users\\a')).toContain('history-archiver-renamed'); // two switches
  });
  test('known archivers from a staging folder: unusual folder, not renamed', () => {
    const r = rules('C:\\Windows\\Temp\\rar.exe a -r C:\\Windows\\Temp\\x.rar C:\\Users\\a');
    expect(r).toContain('history-archiver-unusual-folder');
    expect(r).not.toContain('history-archiver-renamed');
    expect(rules('"C:\\Program Files\\WinRAR\\rar.exe" a -hpX C:\\x.rar C:\\Users\\a')).not.toContain('history-archiver-unusual-folder');
  });
  test('look-alikes do not match: other tools, other archivers, extraction, bare -p, no-password -p-', () => {
    for (const cmd of ['git a -p foo', 'mkdir -p a b', 'foo a -m5 bar', 'arj a -m1 x.arj docs', 'r.exe x -pX bk.rar', 'r.exe a -p- out.rar docs', 'npm u -g x.zip', 'r.exe a']) {
      expect([cmd, rules(cmd)]).toEqual([cmd, []]);
    }
  });
  test('a later Remove-Item of the renamed archiver\'s output is a staged-archive deletion', () => {
    const out = matchHistory([DEMO, 'del C:\\Users\\Public\\Libraries\\bk.rar']);
    expect(out[1]!.hits.map((h) => h.rule)).toEqual(['history-delete-staged-archive']);
  });
});

describe('credential material staged as files (ntdsutil IFM, reg save, LSASS dumps)', () => {
  test.each([
    ['ntdsutil "ac i ntds" "ifm" "create full C:\\PerfLogs\\x" q q', ['history-ntds-ifm', 'history-archive-to-staging-location'], 'C:\\PerfLogs\\x'],
    ['ntdsutil.exe "activate instance ntds" ifm "create full D:\\backup\\ifm" quit quit', ['history-ntds-ifm'], 'D:\\backup\\ifm'],
    ['reg save HKLM\\SYSTEM C:\\Windows\\Temp\\sys.save', ['history-reg-save-hive', 'history-archive-to-staging-location'], 'C:\\Windows\\Temp\\sys.save'],
    ['reg.exe export hklm\\security D:\\sec.reg /y', ['history-reg-save-hive'], 'D:\\sec.reg'],
    ['procdump64.exe -accepteula -ma lsass.exe C:\\Users\\Public\\lsass.dmp', ['history-lsass-dump', 'history-archive-to-staging-location'], 'C:\\Users\\Public\\lsass.dmp'],
    ['rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 "C:\\ProgramData\\a b.dmp" full', ['history-lsass-dump', 'history-archive-to-staging-location'], 'C:\\ProgramData\\a b.dmp'],
    ['rundll32 comsvcs.dll #24 812 D:\\out.bin full', ['history-lsass-dump'], 'D:\\out.bin'],
  ])('%s', (cmd, expected, written) => {
    expect(rules(cmd)).toEqual([...expected].sort());
    expect(names(cmd)).toEqual([{ path: written, role: 'writes' }]);
  });

  test.each([
    'ntdsutil "ac i ntds" "metadata cleanup" q q',
    'reg save HKCU\\Software\\App C:\\Users\\Public\\app.hiv',
    'reg query HKLM\\SAM',
    'procdump -ma notepad.exe C:\\Users\\Public\\n.dmp',
    'rundll32.exe shell32.dll,Control_RunDLL',
  ])('not credential staging: %s', (cmd) => {
    expect(rules(cmd)).toEqual([]);
  });
});

describe('shadow copies deleted (the old copies of what was staged and deleted go with them)', () => {
  test.each([
    'vssadmin delete shadows /all /quiet',
    'C:\\Windows\\System32\\vssadmin.exe Delete Shadows /For=C: /Oldest',
    'vssadmin resize shadowstorage /for=c: /on=c: /maxsize=401MB',
    'wmic shadowcopy delete',
    'wmic.exe /node:localhost shadowcopy where "ID=\'{X}\'" delete /nointeractive',
    'Get-WmiObject Win32_Shadowcopy | ForEach-Object { $_.Delete(); }',
    'gwmi win32_shadowcopy | Remove-WmiObject',
    'Get-CimInstance -ClassName Win32_ShadowCopy | Remove-CimInstance',
    '7z a -pX C:\\PerfLogs\\d.7z C:\\docs & vssadmin delete shadows /all /quiet',
  ])('%s', (cmd) => {
    expect(rules(cmd)).toContain('history-shadow-copies-deleted');
  });

  test.each([
    'vssadmin list shadows',
    'vssadmin create shadow /for=C:',
    'vssadmin list shadowstorage',
    'wmic shadowcopy list brief',
    "wmic shadowcopy call create Volume='C:\\'",
    'Get-WmiObject Win32_ShadowCopy | Select-Object ID, InstallDate',
    'Get-CimInstance Win32_ShadowCopy',
    'Remove-Item C:\\Temp\\shadowcopy-notes.txt',
  ])('not a deletion of shadow copies: %s', (cmd) => {
    expect(rules(cmd)).not.toContain('history-shadow-copies-deleted');
  });

  test('the same rule for a process creation event (one matcher for histories, EVTX and auditd)', () => {
    const [m] = matchHistory(['"C:\\Windows\\system32\\vssadmin.exe" delete shadows /all /quiet']);
    expect(m!.hits).toEqual([{ rule: 'history-shadow-copies-deleted', message: 'vssadmin deletes the volume shadow copies' }]);
  });
});
