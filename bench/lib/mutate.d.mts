export const MUTATIONS: string[];
export function mutate(input: Buffer, kind: string, seed: number): Buffer;
