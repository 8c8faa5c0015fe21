// Types for snapshot.mjs (kept by hand).
export function snapshotTree(root: string, options?: { hash?: boolean }): Map<string, string>;
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[];
