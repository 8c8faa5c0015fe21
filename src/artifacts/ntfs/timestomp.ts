/**
 * Timestomping signs read from one record's $STANDARD_INFORMATION and $FILE_NAME times, as data
 * for the detectors (docs/ntfs.md, "Timestomping signs", lists the sources). Each sign is a hint,
 * not proof: installers and archive extractors set $SI times on purpose.
 *   siCreatedBeforeFn  $SI creation earlier than $FN creation: tools such as SetMACE/timestomp and
 *                      PowerShell's CreationTime setter change $SI only; $FN is written by the kernel.
 *   siModifiedBeforeFn $SI modification earlier than $FN creation (content "changed" before the name existed).
 *   siZeroFraction     every $SI time has a zero sub-second part (set through a 1-second API).
 *   siCreatedZeroFraction  the $SI creation time alone has a zero 100-ns fraction.
 */
import type { FileNameAttribute, StandardInformation } from '../../evidence/image/ntfs/record.js';

const TICKS_PER_SECOND = 10_000_000n;

export function timestompSigns(si: StandardInformation | null, fn: FileNameAttribute | null): string[] {
  const signs: string[] = [];
  if (!si) return signs;
  if (fn && fn.created > 0n) {
    if (si.created > 0n && si.created < fn.created) signs.push('siCreatedBeforeFn');
    if (si.modified > 0n && si.modified < fn.created) signs.push('siModifiedBeforeFn');
  }
  const times = [si.created, si.modified, si.mftModified, si.accessed].filter((t) => t > 0n);
  if (times.length > 0 && times.every((t) => t % TICKS_PER_SECOND === 0n)) signs.push('siZeroFraction');
  else if (si.created > 0n && si.created % TICKS_PER_SECOND === 0n) signs.push('siCreatedZeroFraction');
  return signs;
}
