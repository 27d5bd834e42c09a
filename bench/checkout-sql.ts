/**
 * The checkout's own SQL, replayable without the shop: two checkouts by the same buyer are recorded
 * through the db port's `onQuery`/`onTransaction` (serve-shop's control port). A UUID the second
 * checkout uses and the first did not is made per checkout (order, payment, event ids, the
 * idempotency key) and becomes a placeholder (`__U1__`…); every other value stays as recorded.
 * The script then runs in PGlite in-process (serve-shop's `/replay`) or as a `pgbench` script.
 */
import type { CapturedStatement } from "./serve-shop.ts";

export type CheckoutScript = { steps: CapturedStatement[]; fresh: number };

/** The relay and the e-mail consumer run beside a checkout, off its request path (as in the statement-count test). */
const BACKGROUND =
  /^(select pg_try_advisory_xact_lock|select .* from "\w+"\."outbox"|update "\w+"\."outbox" set "published_at"|insert into "notification"|select .* from "notification")/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A recorded value as an SQL literal, untyped like the parameter it was (Postgres infers the type). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  const text =
    value instanceof Date
      ? value.toISOString()
      : Array.isArray(value)
        ? `{${value.map((v) => (v === null ? "NULL" : `"${String(v).replaceAll('"', '\\"')}"`)).join(",")}}`
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

/** `$n` placeholders replaced by literals, from the highest number down (`$1` is a prefix of `$10`). */
function inline(text: string, params: readonly unknown[]) {
  let out = text;
  for (let i = params.length; i >= 1; i--) out = out.replaceAll(`$${i}`, literal(params[i - 1]));
  return out;
}

/** The request's own statements and transaction bounds, background work left out. */
export function ownSteps(captured: CapturedStatement[]) {
  return captured.filter((s) => "tx" in s || !BACKGROUND.test(s.sql.trim()));
}

/** Builds the script from two recorded checkouts (the first tells which values are per checkout). */
export function checkoutScript(first: CapturedStatement[], second: CapturedStatement[]): CheckoutScript {
  const before = new Set(JSON.stringify(ownSteps(first)).match(UUID) ?? []);
  const fresh = new Map<string, string>();
  const steps = ownSteps(second).map((step): CapturedStatement => {
    if ("tx" in step) return step;
    let sql = inline(step.sql.trim(), step.params);
    sql = sql.replace(UUID, (id) => {
      if (before.has(id)) return id;
      if (!fresh.has(id)) fresh.set(id, `__U${fresh.size + 1}__`);
      return fresh.get(id)!;
    });
    return { sql, params: [] };
  });
  return { steps, fresh: fresh.size };
}

/** Replaces recorded ids (the buyer, their cart, the products) by the ones of another database. */
export function rebind(script: CheckoutScript, ids: Map<string, string>): CheckoutScript {
  return {
    fresh: script.fresh,
    steps: script.steps.map((s) =>
      "tx" in s ? s : { sql: s.sql.replace(UUID, (id) => ids.get(id) ?? id), params: [] },
    ),
  };
}

/** Statement count of the script (BEGIN/COMMIT not counted). */
export const statementCount = (script: CheckoutScript) => script.steps.filter((s) => !("tx" in s)).length;

/**
 * The script for `pgbench -M simple`, which substitutes `:name` even inside quoted literals: each
 * fresh id becomes `<8 random digits>-0000-4000-8000-<12 random digits>`, new per transaction.
 */
export function pgbenchScript(script: CheckoutScript) {
  const lines: string[] = [];
  for (let k = 1; k <= script.fresh; k++) {
    lines.push(`\\set a${k} random(10000000, 99999999)`, `\\set b${k} random(100000000000, 999999999999)`);
  }
  for (const step of script.steps) {
    if ("tx" in step) lines.push(`${step.tx.toUpperCase()};`);
    else
      lines.push(
        `${step.sql.replace(/__U(\d+)__/g, (_, k) => `:a${k}-0000-4000-8000-:b${k}`).replace(/\s*\n\s*/g, " ")};`,
      );
  }
  return `${lines.join("\n")}\n`;
}

/** The statements with fresh ids filled in, for one replayed checkout. */
export function instantiate(script: CheckoutScript): CapturedStatement[] {
  const ids = Array.from({ length: script.fresh }, () => crypto.randomUUID());
  return script.steps.map((s) =>
    "tx" in s ? s : { sql: s.sql.replace(/__U(\d+)__/g, (_, k) => ids[Number(k) - 1]!), params: [] },
  );
}
