/** Comparing our bodyfile lines with The Sleuth Kit's (`fls -r -p -m /`). */

/**
 * TSK's virtual entries ($OrphanFiles and the orphan inodes under it, $MBR, $FAT1/2), names TSK
 * recovers from directory slack with an inode number past the inode table ('-/V' type), and the FAT
 * volume label entry have no counterpart in a file listing (docs/images.md explains each).
 */
export function tskComparable(lines: string[]): string[] {
  return lines.filter((l) => l !== '' && !/^0\|\/(\$OrphanFiles|\$MBR|\$FAT[12])[|/]/.test(l) && !l.includes('(Volume Label Entry)') && !l.includes('|-/V---------|')).sort();
}

/** TSK reads the creation time only on ext4; ext2/3 inodes of 256 bytes may carry one too (we report it). */
export function withoutCrtime(lines: string[]): string[] {
  return lines.map((l) => l.replace(/\|\d+$/, '|0'));
}
