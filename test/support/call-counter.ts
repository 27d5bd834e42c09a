/**
 * Counts calls to the functions it wraps, to say how many a piece of work made (calls that a cache
 * should have saved, say).
 * @example const toAuth = callCounter(); const check = sessionCheck({ validateSession: toAuth.counting(auth.validateSession) }, …);
 *          expect(await toAuth.callsOf(() => check(token))).toBe(0);
 */
export function callCounter() {
  let calls = 0;
  return {
    counting<A extends unknown[], R>(fn: (...args: A) => R) {
      return (...args: A): R => {
        calls++;
        return fn(...args);
      };
    },
    /** The calls `during` made. */
    async callsOf(during: () => Promise<unknown>) {
      const before = calls;
      await during();
      return calls - before;
    },
  };
}
