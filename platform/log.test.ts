import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Glob } from "bun";
import { sql } from "drizzle-orm";
import { type EmbeddedShop, mutationBody, startEmbeddedShop } from "../test/support/shop.ts";
import { createLogger, describeError, summarizeError } from "./log.ts";

const SECRET_EMAIL = "secret.person@example.test";
const SECRET_HASH = "$argon2id$v=19$m=65536,t=2,p=1$c2VjcmV0c2FsdA$c2VjcmV0aGFzaHZhbHVl";

/** A logger whose lines a test can read. */
function capturedLogger() {
  const lines: string[] = [];
  return { log: createLogger("debug", { sink: (_level, line) => lines.push(line) }), lines };
}

let shop: EmbeddedShop;
const captured = capturedLogger();
beforeAll(async () => {
  shop = await startEmbeddedShop({ log: captured.log });
});
afterAll(() => shop.stop());

describe("describing errors for the log", () => {
  const failedQuery = async () => {
    try {
      await shop.db.primary.execute(sql`select ${SECRET_HASH}::int, ${SECRET_EMAIL}::uuid`);
    } catch (error) {
      return error;
    }
    throw new Error("expected the query to fail");
  };

  it("keeps the statement shape and the Postgres code of a failed query, not its parameters", async () => {
    const error = await failedQuery();
    expect(String(error)).toContain(SECRET_HASH); // what used to be logged

    const described = describeError(error);
    const text = JSON.stringify(described);
    expect(text).not.toContain(SECRET_HASH);
    expect(text).not.toContain(SECRET_EMAIL);
    expect(text).not.toContain("c2VjcmV0");
    expect(described.statement).toBe("select $1::int, $2::uuid");
    expect(described.cause?.code).toBe("22P02");
    expect(described.cause?.message).toBe('invalid input syntax for type integer: "$1"');
    expect(summarizeError(error)).toBe(
      'DrizzleQueryError: query failed ← PostgresError 22P02: invalid input syntax for type integer: "$1"',
    );
  });

  it("writes any error in a log line's fields through describeError", async () => {
    const { log, lines } = capturedLogger();
    const error = await failedQuery();
    log.error("sweep failed", { error, nested: { wrapped: new Error("outer", { cause: error }) } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET_HASH);
    expect(lines[0]).not.toContain(SECRET_EMAIL);
    const line = JSON.parse(lines[0]!);
    expect(line.error.statement).toBe("select $1::int, $2::uuid");
    expect(line.nested.wrapped.cause.cause.code).toBe("22P02");
  });

  it("says what a plain error was, with its stack frames but not a second copy of the message", () => {
    const described = describeError(Object.assign(new Error("boom"), { code: "ECONNREFUSED" }));
    expect(described).toMatchObject({ type: "Error", message: "boom", code: "ECONNREFUSED" });
    expect(described.stack).toMatch(/^at /);
    expect(described.stack).not.toContain("boom");
    expect(describeError("a thrown string")).toEqual({ type: "string", message: "a thrown string" });
  });

  it("finds no error logged as a string or a stack anywhere in the code", async () => {
    const offenders: string[] = [];
    for (const dir of ["platform", "services", "routers"]) {
      for await (const file of new Glob(`${dir}/**/*.ts`).scan(".")) {
        if (file.endsWith(".test.ts")) continue;
        const source = await Bun.file(file).text();
        for (const m of source.matchAll(/log\.(?:error|warn|info|debug)\([^)]*?(?:String\(|\.stack\b)/g)) {
          offenders.push(`${file}: ${m[0]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("error logs over HTTP", () => {
  beforeAll(async () => {
    // Make the database refuse every new account, repeating the row's secrets in its message.
    await shop.db.primary.execute(
      sql.raw(`
      create function auth.refuse_signup() returns trigger language plpgsql as $$
      begin raise exception 'refusing % with %', new.email, new.password_hash using errcode = 'P0001'; end $$`),
    );
    await shop.db.primary.execute(
      sql`create trigger refuse_signup before insert on auth.users for each row execute function auth.refuse_signup()`,
    );
  });

  it("never writes an e-mail or a password hash from a failed signup into the log", async () => {
    captured.lines.length = 0;
    const res = await shop.fetch("/api/auth/trpc/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: mutationBody({ email: SECRET_EMAIL, password: "correct horse battery", name: "Secret Person" }),
    });
    expect(res.status).toBe(500);

    const failures = captured.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "procedure failed");
    expect(failures).toHaveLength(1);
    const output = captured.lines.join("\n");
    expect(output).not.toContain(SECRET_EMAIL);
    expect(output).not.toContain("$argon2id$");
    expect(output).not.toContain("correct horse battery");
    const { error } = failures[0];
    expect(error.type).toBe("DrizzleQueryError");
    expect(error.statement).toStartWith('insert into "auth"."users"');
    expect(error.cause.code).toBe("P0001");
    expect(error.cause.message).toMatch(/^refusing \$\d+ with \$\d+$/);
  });
});
