import { type PGlite, parse, protocol, type QueryOptions, type Results } from "@electric-sql/pglite";
import { LRUCache } from "lru-cache";
import { turnWhenDue } from "./turns.ts";

const { serialize } = protocol;

/** Statements worth keeping prepared: DML. Everything else goes PGlite's usual way. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
/** Statements that may change what a kept statement returns: they close every kept statement. */
const CHANGES_SCHEMA = /^\s*(create|alter|drop|truncate|comment|grant|revoke|discard|deallocate|do)\b/i;
/** More distinct statements than the services send: past it, the least recently prepared is closed. */
const DEFAULT_CAPACITY = 1_000;

export type PreparedQuery = (text: string, params?: unknown[], options?: QueryOptions) => Promise<Results>;
type Prepared = { name: string; types: number[] };

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/**
 * PGlite's `query`, with every DML statement parsed and planned once per database: PGlite sends each
 * query as six protocol round trips into WebAssembly, parsing and planning it every time; a
 * statement kept prepared takes one round trip (bind, describe, execute, sync), 3–4× less CPU for a
 * cart read (ADR 152). Values are serialized as PGlite does (by the parameter types Postgres
 * inferred), rows parsed as PGlite does, errors thrown as PGlite throws them, under the same locks.
 * @example const statements = preparedStatements(client); const rows = await statements.query("select $1::int", [1]);
 */
export function preparedStatements(
  client: PGlite,
  {
    capacity = DEFAULT_CAPACITY,
    /** Give the event loop a turn every `SLICE_MS` (ADR 157); a thread that serves no requests need not. */
    turns = true,
  } = {},
) {
  let closing: string[] = [];
  const statements = new LRUCache<string, Prepared>({
    max: capacity,
    // Closed in the database along with the next statement prepared.
    dispose: ({ name }) => closing.push(name),
  });
  let named = 0;

  /** After DDL a kept statement may return other columns: close them all. */
  const forgetAll = () => statements.clear();

  const exchange = (messages: Uint8Array[]) =>
    client.execProtocolStream(concat(messages), { syncToFs: false });

  const withQuery = (error: unknown, text: string, params: unknown[], options?: QueryOptions) =>
    Object.assign(error as object, { query: text, params, queryOptions: options });

  async function prepare(text: string): Promise<Prepared> {
    const known = statements.get(text);
    if (known) return known;
    // The least recently used is closed with this one's preparation, not after: never over capacity.
    if (statements.size >= capacity) statements.pop();
    const name = `fastr_${++named}`;
    const closes = closing.map((stale) => serialize.close({ type: "S", name: stale }));
    closing = [];
    const described = await exchange([
      ...closes,
      serialize.parse({ name, text }),
      serialize.describe({ type: "S", name }),
      serialize.sync(),
    ]);
    const prepared = { name, types: parse.parseDescribeStatementResults(described) };
    statements.set(text, prepared);
    return prepared;
  }

  /** The messages a statement is sent as: kept (bound by name), or parsed once when it has no values. */
  async function messagesFor(text: string, params: unknown[], options: QueryOptions | undefined) {
    if (params.length === 0) return [serialize.parse({ text }), serialize.bind({})];
    const { name, types } = await prepare(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const type = types[i]!;
      const write = options?.serializers?.[type] ?? client.serializers[type];
      return write ? write(value) : String(value);
    });
    return [serialize.bind({ statement: name, values: values as string[] })];
  }

  async function run(
    text: string,
    params: unknown[],
    options: QueryOptions | undefined,
    inTransaction: boolean,
  ) {
    try {
      if (turns) await turnWhenDue();
      const messages = await exchange([
        ...(await messagesFor(text, params, options)),
        serialize.describe({ type: "P" }),
        serialize.execute({}),
        serialize.sync(),
      ]);
      if (!inTransaction) await client.syncToFs();
      return parse.parseResults(messages, client.parsers, options)[0]!;
    } catch (error) {
      throw withQuery(error, text, params, options);
    }
  }

  /** `target.query` (the client's or a transaction's), through kept statements where it can. */
  function query(
    target: { query: PreparedQuery },
    lock: <T>(fn: () => Promise<T>) => Promise<T>,
    inTransaction: boolean,
  ): PreparedQuery {
    return (text, params = [], options) => {
      if (!PREPARABLE.test(text) || options?.paramTypes || options?.blob) {
        if (CHANGES_SCHEMA.test(text)) forgetAll();
        return target.query(text, params, options);
      }
      return lock(() => run(text, params, options, inTransaction));
    };
  }

  return {
    /** The client's `query`: waits for open transactions, as PGlite's does. */
    query: query(
      client as { query: PreparedQuery },
      (fn) => client._runExclusiveTransaction(() => client._runExclusiveQuery(fn)),
      false,
    ),
    /** A transaction's `query` (the transaction already holds the database). */
    inTransaction: (tx: { query: PreparedQuery }) => query(tx, (fn) => client._runExclusiveQuery(fn), true),
  };
}
