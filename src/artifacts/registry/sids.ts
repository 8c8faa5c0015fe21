/**
 * SID -> user name, from SOFTWARE ProfileList (ProfileImagePath) and from SAM (Names\<user>, whose
 * default value's *type* is the RID; the machine SID sits at the end of Domains\Account\V).
 */
import { basenameWin } from './locations.js';
import { valueBytes, valueNamed, type HiveView } from './view.js';
import { trimEndOf } from '../../util/trim.js';

export interface SidMaps {
  sidNames: Record<string, string>;
  ridNames: Record<string, string>;
}

const PROFILE_LIST = 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const SAM_ACCOUNT = 'SAM\\Domains\\Account';
const SAM_NAMES = `${SAM_ACCOUNT}\\Users\\Names`;
/** The keys whose presence makes a hive a source of SID names (SOFTWARE, SAM). */
export const SID_SOURCE_KEYS: readonly string[] = [SAM_NAMES, PROFILE_LIST];
/** The keys sidMaps reads (with what lies below them): a scan keeps only these of a hive (hive-pass.ts). */
export const SID_KEYS: readonly string[] = [PROFILE_LIST, SAM_ACCOUNT];
/** S-1-5-21 prefix of a domain SID as stored: revision 1, 4 sub-authorities, authority 5, 21. */
const DOMAIN_SID_HEAD = Buffer.from('010400000000000515000000', 'hex');

export function sidMaps(view: HiveView): SidMaps {
  const sidNames: Record<string, string> = {};
  const ridNames: Record<string, string> = {};
  for (const k of view.subkeys(PROFILE_LIST)) {
    const sid = k.key.slice(k.key.lastIndexOf('\\') + 1);
    const v = valueNamed(k, 'ProfileImagePath');
    if (v && typeof v.data === 'string' && /^S-1-/i.test(sid)) sidNames[sid] = basenameWin(trimEndOf(v.data, '\\/'));
  }
  for (const k of view.subkeys(SAM_NAMES)) {
    const name = k.key.slice(k.key.lastIndexOf('\\') + 1);
    const def = valueNamed(k, '');
    const rid = def ? ridOfType(def.dataType) : null;
    if (rid !== null) ridNames[String(rid)] = name;
  }
  const machine = machineSid(view);
  if (machine) for (const [rid, name] of Object.entries(ridNames)) sidNames[`${machine}-${rid}`] ??= name;
  return { sidNames, ridNames };
}

/** The RID is stored as the value type, which our decoder names REG_UNKNOWN_0x... (or a low type). */
function ridOfType(dataType: string): number | null {
  const m = /^REG_UNKNOWN_0x([0-9a-f]{8})$/i.exec(dataType);
  return m ? parseInt(m[1]!, 16) : null;
}

/** S-1-5-21-a-b-c from the account domain's V value, when present. */
export function machineSid(view: HiveView): string | null {
  const v = valueNamed(view.get(SAM_ACCOUNT), 'V');
  if (!v) return null;
  const b = valueBytes(v);
  const at = b.lastIndexOf(DOMAIN_SID_HEAD);
  if (at < 0 || at + DOMAIN_SID_HEAD.length + 12 > b.length) return null;
  const p = at + DOMAIN_SID_HEAD.length;
  return `S-1-5-21-${b.readUInt32LE(p)}-${b.readUInt32LE(p + 4)}-${b.readUInt32LE(p + 8)}`;
}
