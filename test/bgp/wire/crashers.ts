/**
 * Inputs the fuzzer once found to break the codec, replayed by fuzz.test.ts. `context` indexes
 * the fuzzer's CONTEXTS (0: 2-octet AS, 1: 4-octet AS, 2: 4-octet AS + extended + ADD-PATH).
 */
export const CRASHERS: { context: number; hex: string; note: string }[] = [];
