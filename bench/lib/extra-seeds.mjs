// Seeds for parsers the shared corpus has few or no files for (trash info, shell histories,
// macOS Trash), built with the project's fixture writers into a temp folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTrashinfo } from '../../fixtures/lib/recyclebin-writers.mjs';
import { auditLog } from '../../fixtures/lib/auditd-writer.mjs';
import { makeBashHistory, makeFishHistory, makePsReadLineHistory, makeZshHistory } from '../../fixtures/lib/history-fixtures.mjs';

export function writeExtraSeeds(dir) {
  mkdirSync(dir, { recursive: true });
  const t = 1741000000;
  const files = {
    'plain.trashinfo': makeTrashinfo({ path: '/home/user/Documents/report final.pdf', deletionDate: '2025-03-15T05:06:00' }),
    'encoded.trashinfo': makeTrashinfo({ rawPath: '/home/user/%E2%82%AC%20data/x%2Fy.7z', deletionDate: '2025-03-15T05:06:00' }),
    'ConsoleHost_history.txt': makePsReadLineHistory(['Compress-Archive -Path C:\\Users\\alice\\Documents -DestinationPath $env:TEMP\\d.zip', 'rar a -hp -v100m C:\\PerfLogs\\1\\bk.rar C:\\Share', 'Remove-Item $env:TEMP\\d.zip'], { bom: 'utf8' }),
    '.bash_history': makeBashHistory([{ command: 'tar czf /tmp/.x/h.tgz /home', time: t }, { command: 'split -b 10M /tmp/.x/h.tgz /dev/shm/p.' }, { command: 'shred -u /tmp/.x/h.tgz', time: t + 60 }]),
    '.zsh_history': makeZshHistory([{ command: '7z a -p -mhe=on /var/tmp/a.7z ~/.ssh', time: t, duration: 3 }, { command: 'zip -e -r /tmp/b.zip /srv/data', time: t + 9 }]),
    'audit.log': auditLog([{ serial: 7, time: new Date(t * 1000), argv: ['7z', 'a', '-pS3cret pass', '/dev/shm/.x/l.7z', '/home/alice/Documents'] }, { serial: 8, time: new Date(t * 1000 + 5), argv: ['ls', 'x y'] }], { splitAt: 16, interleave: true, enriched: true }),
    'fish_history': makeFishHistory([{ command: 'gpg -c /tmp/dump.tar', time: t, paths: ['/tmp/dump.tar'] }]),
  };
  const out = [];
  for (const [name, data] of Object.entries(files)) {
    const p = path.join(dir, name);
    writeFileSync(p, data);
    out.push(p);
  }
  return out;
}
