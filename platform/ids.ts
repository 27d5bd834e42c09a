/** UUIDv7: unique, and sorts by creation time, so it doubles as a stable tiebreak for cursors. */
export const newId = (): string => Bun.randomUUIDv7();
