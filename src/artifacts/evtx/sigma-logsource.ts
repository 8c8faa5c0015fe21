/**
 * Which Sigma log sources an event-log record belongs to, and a rule's own log source, as keys
 * ('registry_set', 'service:security', 'ps_module|service:powershell' when a rule names both).
 * The facts: SigmaHQ's taxonomy of Windows categories; pySigma's Sysmon pipeline for the Sysmon
 * event ids of each category; pySigma's Windows pipeline for the PowerShell categories and for the
 * channel of each service (`windows_logsource_mapping`). A log source outside these tables is
 * unsupported (listed with the reason), as are products other than Windows.
 */
import { POWERSHELL_PROVIDERS, SECURITY_PROVIDER, SYSMON_PROVIDER, type EvtxEvent } from './record.js';

/** Sysmon's event ids per Sigma category (pySigma's Sysmon pipeline; 29 in SigmaHQ's taxonomy). */
const SYSMON_CATEGORIES: Readonly<Record<string, readonly number[]>> = {
  process_creation: [1],
  file_change: [2],
  network_connection: [3],
  sysmon_status: [4, 16],
  process_termination: [5],
  driver_load: [6],
  image_load: [7],
  create_remote_thread: [8],
  raw_access_thread: [9],
  process_access: [10],
  file_event: [11],
  registry_add: [12],
  registry_delete: [12],
  registry_set: [13],
  registry_rename: [14],
  registry_event: [12, 13, 14],
  create_stream_hash: [15],
  pipe_created: [17, 18],
  wmi_event: [19, 20, 21],
  dns_query: [22],
  file_delete: [23, 26],
  clipboard_capture: [24],
  process_tampering: [25],
  file_executable_detected: [29],
  sysmon_error: [255],
};

/** Sigma categories of other Windows logs: the provider(s) and event id (pySigma's Windows pipeline; 4688 for process_creation). */
const WINDOWS_CATEGORIES: Readonly<Record<string, { providers: ReadonlySet<string>; eventId: number }>> = {
  process_creation: { providers: new Set([SECURITY_PROVIDER]), eventId: 4688 },
  ps_module: { providers: POWERSHELL_PROVIDERS, eventId: 4103 },
  ps_script: { providers: POWERSHELL_PROVIDERS, eventId: 4104 },
  ps_classic_start: { providers: new Set(['PowerShell']), eventId: 400 },
  ps_classic_provider_start: { providers: new Set(['PowerShell']), eventId: 600 },
  ps_classic_script: { providers: new Set(['PowerShell']), eventId: 800 },
};

/** Channels of each Sigma service (pySigma's `windows_logsource_mapping`). */
const SERVICE_CHANNELS: Readonly<Record<string, readonly string[]>> = {
  security: ['Security'],
  application: ['Application'],
  system: ['System'],
  sysmon: ['Microsoft-Windows-Sysmon/Operational'],
  powershell: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational'],
  'powershell-classic': ['Windows PowerShell'],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
  'dns-server': ['DNS Server'],
  'dns-server-audit': ['Microsoft-Windows-DNS-Server/Audit'],
  'dns-server-analytic': ['Microsoft-Windows-DNS-Server/Analytical'],
  'driver-framework': ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  ntlm: ['Microsoft-Windows-NTLM/Operational'],
  dhcp: ['Microsoft-Windows-DHCP-Server/Operational'],
  'msexchange-management': ['MSExchange Management'],
  applocker: ['Microsoft-Windows-AppLocker/MSI and Script', 'Microsoft-Windows-AppLocker/EXE and DLL', 'Microsoft-Windows-AppLocker/Packaged app-Deployment', 'Microsoft-Windows-AppLocker/Packaged app-Execution'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  windefend: ['Microsoft-Windows-Windows Defender/Operational'],
  'terminalservices-localsessionmanager': ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'],
  'microsoft-servicebus-client': ['Microsoft-ServiceBus-Client'],
  ldap_debug: ['Microsoft-Windows-LDAP-Client/Debug'],
  'security-mitigations': ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode'],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  openssh: ['OpenSSH/Operational'],
  bitlocker: ['Microsoft-Windows-BitLocker/BitLocker Management'],
};

/** Windows channel names are case-insensitive: the service of a channel by its lower case. */
const SERVICE_OF_CHANNEL = new Map<string, string>(Object.entries(SERVICE_CHANNELS).flatMap(([service, channels]) => channels.map((c) => [c.toLowerCase(), service] as const)));

/** Sysmon event id -> its categories. */
const CATEGORIES_OF_SYSMON_ID = new Map<number, string[]>();
for (const [category, ids] of Object.entries(SYSMON_CATEGORIES)) {
  for (const id of ids) {
    const list = CATEGORIES_OF_SYSMON_ID.get(id) ?? [];
    list.push(category);
    CATEGORIES_OF_SYSMON_ID.set(id, list);
  }
}

/** The category key of process creation: the key whose rules read Security 4688 with Sysmon's field names. */
export const PROCESS_CREATION = 'process_creation';

/**
 * Whether the rules of `logsource` read this record's fields under other names than the record's own:
 * Security 4688 read by process_creation rules (sigma.ts `fieldsOf` maps them to Sysmon's).
 */
export function readsAsProcessCreation(e: EvtxEvent, logsource: string): boolean {
  const { providers, eventId } = WINDOWS_CATEGORIES[PROCESS_CREATION]!;
  return e.eventId === eventId && e.provider !== null && providers.has(e.provider) && (logsource === PROCESS_CREATION || logsource.startsWith(`${PROCESS_CREATION}|`));
}

/** A rule's log source as a key, or the reason it is not one stagehunt reads. */
export function ruleLogSource(logsource: Readonly<Record<string, unknown>>): { key: string } | { unsupported: string } {
  const { category, service, product } = logsource;
  const said = () => `logsource ${JSON.stringify({ category, service, product })}`;
  if (product !== undefined && product !== 'windows') return { unsupported: `product ${String(product)}` };
  if (category !== undefined && (typeof category !== 'string' || !(Object.hasOwn(SYSMON_CATEGORIES, category) || Object.hasOwn(WINDOWS_CATEGORIES, category)))) return { unsupported: said() };
  if (service !== undefined && (typeof service !== 'string' || !Object.hasOwn(SERVICE_CHANNELS, service))) return { unsupported: said() };
  if (category === undefined && service === undefined) return { unsupported: said() };
  const parts = [category, service === undefined ? undefined : `service:${service}`].filter((p): p is string => p !== undefined);
  return { key: parts.join('|') };
}

/**
 * Keys by provider, event id and channel: a log's records share a few of these. The provider and
 * channel are the evidence's, so the cache holds at most KEYS_CACHED ids of at most KEY_ID_CHARS
 * (real names are under 100 characters; a crafted log of long distinct names is not cached).
 */
const keysCache = new Map<string, readonly string[]>();
const KEYS_CACHED = 4096;
const KEY_ID_CHARS = 512;

/** Every log-source key a record belongs to (a rule applies when its key is among them). */
export function logSourcesOf(e: EvtxEvent): readonly string[] {
  const id = `${e.provider ?? ''}\u0000${e.eventId ?? ''}\u0000${e.channel ?? ''}`;
  let keys = keysCache.get(id);
  if (!keys) {
    keys = keysOf(e);
    if (keysCache.size < KEYS_CACHED && id.length <= KEY_ID_CHARS) keysCache.set(id, keys);
  }
  return keys;
}

function keysOf(e: EvtxEvent): string[] {
  const categories: string[] = [];
  if (e.eventId !== null) {
    if (e.provider === SYSMON_PROVIDER) for (const c of CATEGORIES_OF_SYSMON_ID.get(e.eventId) ?? []) categories.push(c);
    for (const [category, { providers, eventId }] of Object.entries(WINDOWS_CATEGORIES)) {
      if (e.eventId === eventId && e.provider !== null && providers.has(e.provider)) categories.push(category);
    }
  }
  const service = e.channel === null ? undefined : SERVICE_OF_CHANNEL.get(e.channel.toLowerCase());
  if (service === undefined) return categories;
  const serviceKey = `service:${service}`;
  return [...categories, serviceKey, ...categories.map((c) => `${c}|${serviceKey}`)];
}
