import { parse } from "hono/utils/cookie";
import { LSN, LSN_COOKIE, LSN_HEADER } from "../request-context.ts";

/**
 * The newest write position the caller has seen (ADR 014): the `x-fastr-lsn` header a client or
 * service sends, else the `fastr_lsn` cookie a browser sends; undefined unless it is a valid LSN.
 * @example const minLsn = lastWriteOf(request.headers); // "0/3000060"
 */
export function lastWriteOf(headers: Headers): string | undefined {
  let lastWrite = headers.get(LSN_HEADER) ?? undefined;
  if (lastWrite === undefined) {
    const cookie = headers.get("cookie");
    if (cookie) lastWrite = parse(cookie, LSN_COOKIE)[LSN_COOKIE];
  }
  return lastWrite && LSN.test(lastWrite) ? lastWrite : undefined;
}
