/**
 * The ATT&CK data sources that bear on T1074.001, declared once. Whether stagehunt covers one is
 * derived, never written: the walk covers File; a parser covers the sources it declares
 * (`ArtifactParser.dataSources`), so adding an event-log parser turns Process and Application Log
 * to "covered" without editing a list (src/report/view.ts dataSourceRows).
 */
export const DATA_SOURCES = {
  DS0022: { name: 'File (creation, modification, metadata)', walk: 'walk of staging locations: file times, magic, entropy', notCovered: '' },
  DS0024: { name: 'Windows Registry (key and value content)', walk: null, notCovered: 'no registry hive parser' },
  DS0017: { name: 'Command (command execution)', walk: null, notCovered: 'no shell history or command log parser' },
  DS0009: { name: 'Process (process creation)', walk: null, notCovered: 'needs event logs (4688, Sysmon 1) or EDR telemetry' },
  DS0015: { name: 'Application Log (log content)', walk: null, notCovered: 'no event or application log parser' },
  DS0029: { name: 'Network Traffic', walk: null, notCovered: 'exfiltration after staging is out of scope for a disk image' },
  DS0033: { name: 'Network Share', walk: null, notCovered: 'remote staging (T1074.002) is not examined' },
} as const satisfies Record<string, { name: string; walk: string | null; notCovered: string }>;

export type DataSourceId = keyof typeof DATA_SOURCES;
