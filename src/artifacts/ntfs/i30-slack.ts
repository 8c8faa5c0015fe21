/**
 * Names of staged files found in $I30 index slack (docs/ntfs.md "$I30 slack"), gathered per
 * directory for the trace stage: from a directory record's slack (a small folder's $INDEX_ROOT that
 * shrank, in an image or a collected $MFT) and from the slack of its INDX blocks (an image). One
 * name per folder is kept, the copy whose $FILE_NAME was updated last (a removal leaves several
 * copies of the entries that moved), with the number of copies seen. Bounded: LIMIT names.
 */
import { FN_NAMESPACE } from '../../evidence/image/ntfs/layout.js';
import type { IndexEntry } from '../../evidence/image/ntfs/indx.js';
import type { NtfsRef } from '../../evidence/image/ntfs/record.js';
import { filetimeToIso } from '../../util/filetime.js';
import { stagedNameKind, type StagedNameKind } from './names-staged.js';

export type SlackWhere = 'MFT record slack' | 'INDX slack';

export interface SlackName {
  directory: number;
  name: string;
  kind: StagedNameKind;
  /** The file the entry named, when its header survived. */
  file: NtfsRef | null;
  entry: IndexEntry;
  where: SlackWhere;
  copies: number;
}

const LIMIT = 10_000;

export class SlackNames {
  private readonly byKey = new Map<string, SlackName>();
  dropped = 0;

  /** A slack key of `directory`'s own index: kept when it names a staged file (long names only: the 8.3 alias comes with them). */
  note(directory: number, e: IndexEntry, where: SlackWhere): void {
    if (!e.slack || (e.fn.parent.entry !== directory && !e.parentLost) || e.fn.namespace === FN_NAMESPACE.dos) return;
    const kind = stagedNameKind(e.fn.name);
    if (!kind) return;
    const key = `${directory}/${e.fn.name.toLowerCase()}`;
    const had = this.byKey.get(key);
    if (had) {
      had.copies++;
      if (e.fn.mftModified > had.entry.fn.mftModified || (!had.file && e.file)) Object.assign(had, { entry: e, file: e.file ?? had.file, where });
      return;
    }
    if (this.byKey.size >= LIMIT) {
      this.dropped++;
      return;
    }
    this.byKey.set(key, { directory, name: e.fn.name, kind, file: e.file, entry: e, where, copies: 1 });
  }

  values(): IterableIterator<SlackName> {
    return this.byKey.values();
  }
}

/** What a slack entry's $FILE_NAME says, for `details.i30`. */
export function slackDetails(s: SlackName): Record<string, unknown> {
  const fn = s.entry.fn;
  return {
    where: s.where,
    offset: s.entry.offset,
    ...(s.file ? { entry: s.file.entry, sequence: s.file.sequence } : {}),
    directoryEntry: s.directory,
    fnCreated: filetimeToIso(fn.created),
    fnModified: filetimeToIso(fn.modified),
    fnRecordChanged: filetimeToIso(fn.mftModified),
    fnAccessed: filetimeToIso(fn.accessed),
    size: fn.dataSize,
    copies: s.copies,
  };
}
