/**
 * The columns that place a finding inside its file, shared by the CSV and Timesketch writers:
 * every locator in LOCATOR_COLUMNS order (src/model/kinds.ts), `deletedAt` right after the original
 * path it dates (where it has always been), then the image entry id `fileId`.
 */
import type { Finding } from '../model/finding.js';
import { LOCATOR_COLUMNS, locatorCell, type LocatorField } from '../model/kinds.js';

export interface PlaceColumn {
  csv: string;
  timesketch: string;
  cell(f: Finding): string | number | null | undefined;
}

function placeColumns(): PlaceColumn[] {
  const out: PlaceColumn[] = [];
  for (const [field, names] of Object.entries(LOCATOR_COLUMNS) as [LocatorField, { csv: string; timesketch: string }][]) {
    out.push({ ...names, cell: (f) => locatorCell(f, field) });
    if (field === 'originalPath') out.push({ csv: 'deletedAt', timesketch: 'deleted_at', cell: (f) => f.deletedAt });
  }
  out.push({ csv: 'fileId', timesketch: 'file_id', cell: (f) => f.fileId });
  return out;
}

export const PLACE_COLUMNS: readonly PlaceColumn[] = placeColumns();
