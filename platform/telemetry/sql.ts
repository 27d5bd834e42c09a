import { type Attributes, SpanKind } from "@opentelemetry/api";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import { tracedChild, tracedLeaf, tracingOn } from "./spans.ts";

/** Where statements go: the database and server (for pg), and which role it plays. */
export type SqlPeer = { database?: string; host?: string; port?: number; role?: "primary" | "replica" };

const MAX_STATEMENT = 2_000;
const OPERATION = /^\s*(\w+)/;
/** A statement made of CTEs reads as what its first one does: `with placed as (insert into …)`. */
const FIRST_CTE_OPERATION = /^\s*with\b[^(]*\(\s*(select|insert|update|delete)\b/i;
/** The first table a statement names, as drizzle quotes it: `"order"."orders"`. */
const TARGET = /\b(?:from|into|update|join)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i;

/**
 * What a span says about one statement: `SELECT order.orders`, the statement as sent (with `$1`
 * placeholders: drizzle binds every value, so no value reaches a span), the database.
 */
export function statementAttributes(
  text: string,
  peer: SqlPeer,
): { summary: string; attributes: Attributes } {
  const operation = (FIRST_CTE_OPERATION.exec(text) ?? OPERATION.exec(text))?.[1]?.toUpperCase() ?? "SQL";
  const target = TARGET.exec(text)?.[1]?.replaceAll('"', "");
  const summary = target ? `${operation} ${target}` : operation;
  return {
    summary,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_DB_OPERATION_NAME]: operation,
      [ATTR_DB_QUERY_SUMMARY]: summary,
      [ATTR_DB_QUERY_TEXT]: text.slice(0, MAX_STATEMENT),
      ...(target && { [ATTR_DB_COLLECTION_NAME]: target }),
      ...peerAttributes(peer),
    },
  };
}

const peerAttributes = (peer: SqlPeer): Attributes => ({
  ...(peer.database && { [ATTR_DB_NAMESPACE]: peer.database }),
  ...(peer.host && { [ATTR_SERVER_ADDRESS]: peer.host }),
  ...(peer.port && { [ATTR_SERVER_PORT]: peer.port }),
  ...(peer.role && { "fastr.db.role": peer.role }),
});

/** More distinct statements than the services send: past it, the descriptions start again. */
const DESCRIBED_STATEMENTS = 1_000;

/**
 * `statementAttributes` for one peer, kept per statement text: the services send the same few
 * hundred statements (most built once, ADR 178), and each would otherwise be matched against three
 * patterns and copied into new attributes on every run.
 */
function describedStatements(peer: SqlPeer) {
  const described = new Map<string, ReturnType<typeof statementAttributes>>();
  return (text: string) => {
    let description = described.get(text);
    if (!description) {
      if (described.size >= DESCRIBED_STATEMENTS) described.clear();
      description = statementAttributes(text, peer);
      described.set(text, description);
    }
    return description;
  };
}

/** The text of a query as `pg` and PGlite take it: a string or `{ text }`. */
const textOf = (query: unknown) =>
  typeof query === "string" ? query : String((query as { text?: unknown } | null)?.text ?? "");

/**
 * `query` as a driver method that runs each statement in a CLIENT span, inside whatever is traced.
 * @example client.query = tracedQuery(client.query.bind(client), { role: "primary" });
 */
export function tracedQuery<Q extends (...args: never[]) => Promise<unknown>>(query: Q, peer: SqlPeer): Q {
  const describe = describedStatements(peer);
  return ((...args: Parameters<Q>) => {
    if (!tracingOn()) return query(...args);
    const { summary, attributes } = describe(textOf(args[0]));
    return tracedLeaf(summary, { kind: SpanKind.CLIENT, attributes }, () => query(...args));
  }) as Q;
}

/**
 * `transaction` as a method that holds BEGIN … COMMIT (and the wait for a connection) in one span,
 * with the transaction's statements as its children.
 * @example db.transaction = tracedTransaction(db.transaction.bind(db), peer);
 */
export function tracedTransaction<T extends (...args: never[]) => Promise<unknown>>(
  transaction: T,
  peer: SqlPeer,
): T {
  return ((...args: Parameters<T>) => {
    if (!tracingOn()) return transaction(...args);
    return tracedChild(
      "transaction",
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL, ...peerAttributes(peer) },
      },
      () => transaction(...args),
    );
  }) as T;
}
