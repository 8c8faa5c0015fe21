export function writeExtraSeeds(dir: string): string[];
