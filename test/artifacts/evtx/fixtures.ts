/** The staging logs the detection tests build (the corpus has no archiving commands: evtx/README.md). */
import { evtxFile, powershell4103, powershell4104, security4688, sysmon1, sysmonFile } from '../../../fixtures/lib/evtx-writer.mjs';

export { breakTemplate, cutBack, recordOffsets } from '../../../fixtures/lib/evtx-writer.mjs';

const at = (minute: number) => new Date(Date.UTC(2025, 2, 15, 5, minute, 7, 123));

export const RAR_COMMAND = '"C:\\Program Files\\WinRAR\\rar.exe" a -hpS3cret -v100m C:\\PerfLogs\\data.rar C:\\Users\\alice\\Documents';
export const SCRIPT_PARTS = ['$src = "C:\\Users\\alice\\Documents"\nCompress-Archive -Path $src -DestinationPath C:\\Users\\Public\\do', 'cs.zip -Force\nWrite-Output done\n'];

/** A large Security log of `count` ordinary process creations (about 2.8 KB each): seconds to read. */
export function largeSecurityLog(count: number): Buffer {
  const start = Date.UTC(2025, 0, 1);
  const events = [];
  for (let i = 0; i < count; i++) events.push(security4688({ recordId: i + 1, time: new Date(start + i * 1000), commandLine: `C:\\Windows\\System32\\cmd.exe /c echo ${i}`, newProcessName: 'C:\\Windows\\System32\\cmd.exe' }));
  return evtxFile(events);
}

/** Security: a benign service start, then rar a -hp with volumes into PerfLogs. */
export function securityLog(): Buffer {
  return evtxFile([
    security4688({ recordId: 101, time: at(0), commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', newProcessName: 'C:\\Windows\\System32\\svchost.exe', user: 'SYSTEM' }),
    security4688({ recordId: 102, time: at(1), commandLine: RAR_COMMAND, newProcessName: 'C:\\Program Files\\WinRAR\\rar.exe' }),
  ]);
}

/** Sysmon: an ordinary download (with its Zone.Identifier), then three volumes written into PerfLogs. */
export function sysmonLog(): Buffer {
  return evtxFile([
    sysmon1({ recordId: 7, time: at(1), commandLine: 'C:\\Windows\\System32\\notepad.exe C:\\Users\\alice\\notes.txt', image: 'C:\\Windows\\System32\\notepad.exe' }),
    sysmonFile({ recordId: 8, time: at(1), targetFilename: 'C:\\Users\\alice\\Downloads\\ProcessMonitor.zip', image: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe' }),
    sysmonFile({ recordId: 9, time: at(1), targetFilename: 'C:\\Users\\alice\\Downloads\\ProcessMonitor.zip:Zone.Identifier', image: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe' }),
    sysmonFile({ recordId: 10, time: at(2), targetFilename: 'C:\\PerfLogs\\data.part1.rar', image: 'C:\\Program Files\\WinRAR\\rar.exe' }),
    sysmonFile({ recordId: 11, time: at(2), targetFilename: 'C:\\PerfLogs\\data.part2.rar', image: 'C:\\Program Files\\WinRAR\\rar.exe' }),
    sysmonFile({ recordId: 12, time: at(3), targetFilename: 'C:\\PerfLogs\\data.part3.rar', image: 'C:\\Program Files\\WinRAR\\rar.exe' }),
  ]);
}

/** The archive a module-logged (4103) Compress-Archive wrote. */
export const MODULE_ARCHIVE = 'C:\\ProgramData\\ms\\hr.zip';

/**
 * PowerShell: one script block in two parts (split inside the archive name) with Compress-Archive; module
 * logging (4103) of a benign Get-ChildItem and of a Compress-Archive of two profile folders into ProgramData.
 */
export function powershellLog(): Buffer {
  return evtxFile([
    powershell4104({ recordId: 40, time: at(4), text: 'Get-Date', scriptBlockId: '{00000000-0000-0000-0000-000000000001}' }),
    powershell4104({ recordId: 41, time: at(5), text: SCRIPT_PARTS[0]!, part: 1, total: 2 }),
    powershell4104({ recordId: 42, time: at(5), text: SCRIPT_PARTS[1]!, part: 2, total: 2 }),
    powershell4103({ recordId: 43, time: at(6), invocations: [{ command: 'Get-ChildItem', parameters: [['Path', 'C:\\Users\\alice'], ['Recurse', 'True']] }] }),
    powershell4103({
      recordId: 44,
      time: at(7),
      invocations: [{
        command: 'Compress-Archive',
        parameters: [['Path', 'C:\\Users\\alice\\Desktop\\HR, C:\\Users\\alice\\Documents\\Payroll'], ['DestinationPath', MODULE_ARCHIVE], ['CompressionLevel', 'Optimal'], ['Force', 'True'], ['Update', 'False']],
      }],
    }),
  ]);
}

/** Credential material staged as files (Security 4688): ntdsutil IFM, reg save SAM, comsvcs MiniDump; one benign reg query. */
export const CREDENTIAL_COMMANDS = [
  'ntdsutil.exe "ac i ntds" "ifm" "create full C:\\PerfLogs\\ntds" q q',
  'reg.exe save HKLM\\SAM C:\\Users\\Public\\sam.hiv /y',
  'C:\\Windows\\System32\\rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Windows\\Temp\\l.dmp full',
  'reg.exe query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
] as const;

export function credentialLog(): Buffer {
  const images = ['C:\\Windows\\System32\\ntdsutil.exe', 'C:\\Windows\\System32\\reg.exe', 'C:\\Windows\\System32\\rundll32.exe', 'C:\\Windows\\System32\\reg.exe'];
  return evtxFile(CREDENTIAL_COMMANDS.map((commandLine, i) => security4688({ recordId: 201 + i, time: at(10 + i), commandLine, newProcessName: images[i]! })));
}

/** Shadow copies deleted (Security 4688): vssadmin and wmic; one benign listing. */
export const SHADOW_COPY_COMMANDS = ['"C:\\Windows\\system32\\vssadmin.exe" delete shadows /all /quiet', 'wmic.exe shadowcopy delete /nointeractive', 'vssadmin.exe list shadows'] as const;

export function shadowCopyLog(): Buffer {
  const images = ['C:\\Windows\\System32\\vssadmin.exe', 'C:\\Windows\\System32\\wbem\\WMIC.exe', 'C:\\Windows\\System32\\vssadmin.exe'];
  return evtxFile(SHADOW_COPY_COMMANDS.map((commandLine, i) => security4688({ recordId: 301 + i, time: at(20 + i), commandLine, newProcessName: images[i]! })));
}

