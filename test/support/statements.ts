/**
 * What the outbox relay and the e-mail consumer send while a request runs: after commit, off the
 * request path, so not the request's cost.
 */
const BACKGROUND =
  /^(select pg_try_advisory_xact_lock|select .* from "\w+"\."outbox"|update "\w+"\."outbox" set "published_at"|insert into "notification"|select .* from "notification")/;

/**
 * The SQL statements a request sent, from everything PGlite's query hook saw while it ran
 * (`startEmbeddedShop({ onQuery })`): the background work beside it left out.
 * @example const count = requestStatements(seen).length;
 */
export const requestStatements = (seen: readonly string[]) => seen.filter((s) => !BACKGROUND.test(s.trim()));
