/**
 * The checkout's own SQL, replayable without the shop: two checkouts by the same buyer are recorded
 * (embedded: through the db port's `onQuery`/`onTransaction`, serve-shop's control port; cluster: from
 * Postgres's statement log, statement-log.ts). A UUID the second checkout uses and the first did not
 * is made per checkout (order, payment, event ids, the idempotency key) and becomes a placeholder
 * (`__U1__`…) in the bound values; every other value stays as recorded. The script then runs in PGlite
 * in-process (serve-shop's `/replay`) or as a `pgbench` script (either protocol: `-M simple` or
 * `-M prepared`).
 */
import { Client } from "pg";
import type { CapturedStatement } from "./serve-shop.ts";

/** A bound value as text (what the server parses it from), or SQL NULL. */
type Value = string | null;
export type ScriptStep = { tx: "begin" | "commit" | "rollback" } | { sql: string; params: Value[] };
export type CheckoutScript = { steps: ScriptStep[]; fresh: number };

/**
 * Not the checkout's own SQL: the relay, the e-mail consumer and the replica poller run beside it, off
 * its request path (as in the statement-count test); PgBouncer sends `SET application_name` before it
 * hands a server connection to a client of another service instance.
 */
const BACKGROUND =
  /^(select pg_try_advisory_xact_lock|select .* from "\w+"\."outbox"|update "\w+"\."outbox" set "published_at"|insert into "notification"|select .* from "notification"|select pg_last_wal_replay_lsn\(\)|SET application_name)/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const PLACEHOLDER = /__U(\d+)__/g;

/** A recorded value as the text Postgres reads it from (what `pg` sends for it). */
function valueText(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `{${value.map((v) => (v === null ? "NULL" : `"${String(v).replaceAll('"', '\\"')}"`)).join(",")}}`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** An untyped SQL literal (Postgres infers its type where it stands, as for a bound value). */
const plainLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The literal for pgbench: a `:` inside it is written `\x3a` (an E'' string), because `-M prepared`
 * turns every `:name` of a script line into a bound parameter, inside quotes too (`"paid":true`).
 */
function pgbenchLiteral(text: string) {
  if (!/[:\\\n\r]/.test(text)) return plainLiteral(text);
  const escaped = text
    .replaceAll("\\", "\\\\")
    .replaceAll("'", "''")
    .replaceAll(":", "\\x3a")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r");
  return `E'${escaped}'`;
}

/** `$n` replaced by `render(n - 1)` in one pass (so `$1` never eats the start of `$10`, nor a value's own `$2`). */
const bind = (sql: string, render: (index: number) => string) =>
  sql.replace(/\$(\d+)/g, (_, n) => render(Number(n) - 1));

/** The request's own statements and transaction bounds: background work and transactions it left empty out. */
export function ownSteps(captured: CapturedStatement[]): CapturedStatement[] {
  const kept = captured.filter((s) => "tx" in s || !BACKGROUND.test(s.sql.trim()));
  return kept.filter((s, i) => {
    const next = kept[i + 1];
    const previous = kept[i - 1];
    // A transaction the recording ends in before any statement of the request is someone else's.
    if ("tx" in s && s.tx === "begin") return next !== undefined && !("tx" in next);
    if ("tx" in s) return !(previous && "tx" in previous && previous.tx === "begin");
    return true;
  });
}

/** Builds the script from two recorded checkouts (the first tells which values are per checkout). */
export function checkoutScript(first: CapturedStatement[], second: CapturedStatement[]): CheckoutScript {
  const before = new Set(JSON.stringify(ownSteps(first).map(textOf)).match(UUID) ?? []);
  const fresh = new Map<string, string>();
  const placeholders = (text: string) =>
    text.replace(UUID, (id) => {
      if (before.has(id)) return id;
      if (!fresh.has(id)) fresh.set(id, `__U${fresh.size + 1}__`);
      return fresh.get(id)!;
    });
  const steps = ownSteps(second).map((step): ScriptStep => {
    if ("tx" in step) return step;
    const { sql, params } = textOf(step) as { sql: string; params: Value[] };
    return { sql: placeholders(sql), params: params.map((p) => (p === null ? p : placeholders(p))) };
  });
  return { steps, fresh: fresh.size };
}

function textOf(step: CapturedStatement): ScriptStep {
  return "tx" in step ? step : { sql: step.sql.trim(), params: step.params.map(valueText) };
}

/** Statement count of the script (BEGIN/COMMIT not counted). */
export const statementCount = (script: CheckoutScript) => script.steps.filter((s) => !("tx" in s)).length;

const hasPlaceholder = (text: string | null) => text !== null && /__U\d+__/.test(text);

/** Steps whose bound values hold a per-checkout id: pgbench needs their parameters' types. */
const freshSteps = (script: CheckoutScript) =>
  script.steps.flatMap((s, i) => (!("tx" in s) && s.params.some(hasPlaceholder) ? [i] : []));

/**
 * The types Postgres infers for the parameters of the steps that bind a per-checkout id (by step
 * index), from `PREPARE` on the database the script will run on.
 */
export async function parameterTypes(url: string, script: CheckoutScript): Promise<Map<number, string[]>> {
  const client = new Client({ connectionString: url });
  client.on("error", () => {}); // a server stopping under it fails the query in flight, which says so
  await client.connect();
  try {
    const types = new Map<number, string[]>();
    for (const i of freshSteps(script)) {
      const step = script.steps[i] as { sql: string };
      const name = `fastr_bench_${i}`;
      try {
        await client.query(`prepare ${name} as ${step.sql}`);
      } catch (error) {
        throw new Error(
          `PREPARE of checkout statement ${i} failed: ${(error as Error).message}\n${step.sql}`,
        );
      }
      const { rows } = await client.query<{ types: string[] }>(
        "select parameter_types::text[] as types from pg_prepared_statements where name = $1",
        [name],
      );
      types.set(i, rows[0]!.types);
      await client.query(`deallocate ${name}`);
    }
    return types;
  } finally {
    await client.end();
  }
}

/** A fresh id in pgbench: two random numbers per transaction (`\set` makes numbers only) around fixed hex digits. */
const freshId = (k: string) => `(:fastr_u${k}_a::text || '-0000-4000-8000-' || :fastr_u${k}_b::text)`;

/**
 * The script for `pgbench` under either protocol (`-M simple` substitutes `:name` as text, inside
 * quotes too; `-M prepared` binds it as a parameter and refuses it inside quotes): values are inlined as
 * untyped literals; a per-checkout id is made per transaction from two `\set` numbers
 * (`<8 digits>-0000-4000-8000-<12 digits>`) outside any quotes, and a value holding one is cast to the
 * type Postgres gives that parameter (`types`, from `parameterTypes`).
 */
export function pgbenchScript(script: CheckoutScript, types: Map<number, string[]>) {
  const lines: string[] = [];
  for (let k = 1; k <= script.fresh; k++)
    lines.push(
      `\\set fastr_u${k}_a random(10000000, 99999999)`,
      `\\set fastr_u${k}_b random(100000000000, 999999999999)`,
    );
  for (const [i, step] of script.steps.entries()) {
    if ("tx" in step) {
      lines.push(`${step.tx.toUpperCase()};`);
      continue;
    }
    if (hasPlaceholder(step.sql))
      throw new Error(`a per-checkout id in the SQL text, not a bound value: ${step.sql.slice(0, 200)}`);
    const sql = bind(step.sql, (p) => {
      const value = step.params[p];
      if (value === null || value === undefined) return "NULL";
      if (!hasPlaceholder(value)) return pgbenchLiteral(value);
      const type = types.get(i)?.[p];
      if (!type) throw new Error(`no parameter type for $${p + 1} of checkout statement ${i}`);
      const parts = value
        .split(/(__U\d+__)/)
        .filter(Boolean)
        .map((part) => (/^__U\d+__$/.test(part) ? freshId(part.slice(3, -2)) : pgbenchLiteral(part)));
      return `CAST(${parts.join(" || ")} AS ${type})`;
    });
    // Any other `:name` outside quotes would be taken for a variable (`::type` casts are not).
    const stray = /(?<!:):(?!:|fastr_u\d+_[ab]\b)\w+/.exec(sql);
    if (stray)
      throw new Error(`"${stray[0]}" in checkout statement ${i} would be read as a pgbench variable`);
    lines.push(`${sql.replace(/;\s*$/, "")};`);
  }
  return `${lines.join("\n")}\n`;
}

/** The statements with fresh ids and values filled in, for one replayed checkout. */
export function instantiate(script: CheckoutScript): CapturedStatement[] {
  const ids = Array.from({ length: script.fresh }, () => crypto.randomUUID());
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, k) => ids[Number(k) - 1]!);
  return script.steps.map((s) =>
    "tx" in s
      ? s
      : {
          sql: bind(fill(s.sql), (p) => {
            const value = s.params[p];
            return value === null || value === undefined ? "NULL" : plainLiteral(fill(value));
          }),
          params: [],
        },
  );
}
