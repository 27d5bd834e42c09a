import { afterAll, beforeAll, expect, it } from "bun:test";
import superjson from "superjson";
import { Cursor } from "../contracts/common.ts";
import {
  type Field,
  type FixtureFn,
  getAt,
  type Key,
  ok,
  type Procedure,
  proceduresOf,
  samples,
  setAt,
} from "../test/support/input-samples.ts";
import { startTestShop, type TestShop } from "../test/support/shop.ts";
import { describeShop } from "../test/support/target.ts";
import { serviceRouters } from "./index.ts";

/**
 * Every input of every procedure, as a guest, a customer and staff, over real HTTP: hostile strings,
 * out-of-range numbers, prototype keys, deep nesting. The procedures and their fields come from the
 * routers' own input schemas; each call starts from an input that passes the schema (with real ids
 * where a service looks things up), so the hostile value is what reaches the service. No answer may
 * be a 5xx, and every error must be a tRPC error with a code, the request id and a message for a person.
 */

/** `short`: one of the few sent again for a procedure's second and third role. */
type Hostile = { label: string; value: unknown; short?: true };
/** One call of a batch, as JSON text: `{"json": …, "meta": …}`. */
type Call = { procedure: Procedure; label: string; body: string };

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const UUID = "0190a000-0000-7000-8000-000000000000";

const HOSTILE_STRINGS: Hostile[] = [
  { label: "NUL", value: "Ada\u0000Lovelace", short: true },
  { label: "lone high surrogate", value: "\ud800", short: true },
  { label: "lone low surrogate", value: "x\udfff" },
  { label: "70k characters", value: "a".repeat(70_000) },
  { label: "RTL override", value: "\u202Egnp.exe\u202C" },
  { label: "zero-width only", value: "\u200B\u200C\u200D\uFEFF" },
  { label: "terminal escapes", value: "\u0007\u001b[2J\u009b" },
  { label: "line breaks", value: "a\r\nb\nc" },
  { label: "__proto__ text", value: "__proto__" },
  { label: "whitespace only", value: " \t " },
  {
    label: "RTL text, emoji, a decomposed accent, SQL and LIKE metacharacters",
    value: "\u05E9\u05DC\u05D5\u05DD\u200F Cafe\u0301 \u{1F642}\u{1F44D}\u{1F3FD} ' OR 1=1; -- %_\\",
  },
];

const HOSTILE_NUMBERS: Hostile[] = [
  { label: "2^31", value: 2 ** 31, short: true },
  { label: "2^31-1", value: 2 ** 31 - 1 },
  { label: "2^53+1", value: 2 ** 53 + 1 },
  { label: "-1", value: -1 },
  { label: "1e308", value: 1e308 },
  { label: "fractional", value: 1.5 },
  { label: "NaN", value: Number.NaN },
  { label: "Infinity", value: Number.POSITIVE_INFINITY },
  { label: "'NaN' as a string", value: "NaN" },
  { label: "'1' as a string", value: "1" },
];

const TYPE_CONFUSION: Hostile[] = [
  { label: "null", value: null },
  { label: "a number", value: 12345 },
  { label: "an object", value: {} },
];

/** Cursors as the services encode them (base64url JSON), with contents no service ever issued. */
const CRAFTED_CURSORS: Hostile[] = [
  ...["newest", "price_asc", "price_desc"].flatMap((sort) => [
    { label: `${sort} cursor, non-UUID id`, value: cursor({ sort, key: 1, id: "nope" }) },
    { label: `${sort} cursor, huge key`, value: cursor({ sort, key: 2 ** 40, id: UUID }) },
    { label: `${sort} cursor, text key`, value: cursor({ sort, key: "x\u0000", id: UUID }) },
  ]),
  { label: "relevance cursor, negative offset", value: cursor({ sort: "relevance", offset: -1 }) },
  { label: "relevance cursor, fractional offset", value: cursor({ sort: "relevance", offset: 1.5 }) },
  { label: "relevance cursor, huge offset", value: cursor({ sort: "relevance", offset: 2 ** 63 }) },
  { label: "number cursor, beyond int4", value: cursor(99_999_999_999) },
  { label: "number cursor, negative", value: cursor(-1) },
  { label: "number cursor, fractional", value: cursor(1.5) },
  { label: "keyset cursor, bad date", value: cursor({ at: "not a date", id: UUID }) },
  { label: "keyset cursor, year 300000", value: cursor({ at: "+300000-01-01T00:00:00Z", id: UUID }) },
  { label: "cursor of NUL", value: Buffer.from("\u0000").toString("base64url") },
  { label: "cursor of null", value: cursor(null) },
];

const deeplyNested = (depth: number): unknown => {
  let value: unknown = "deep";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

/** An object with `key` as its own property (`{ __proto__: … }` in a literal would set the prototype). */
const withOwnKey = (object: unknown, key: string, value: unknown) =>
  Object.defineProperty({ ...(object as object) }, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/**
 * What to put in a field. `full` is every hostile value; `short` the few that used to give 500s
 * (NUL, a lone surrogate, 2^31, a prototype key), for a procedure's second and third role.
 */
function hostileValuesFor(field: Field, base: unknown, depth: "full" | "short"): Hostile[] {
  const here = getAt(base, field.path);
  const all = ((): Hostile[] => {
    switch (field.kind) {
      case "string":
        return [...HOSTILE_STRINGS, ...TYPE_CONFUSION, ...(field.schema === Cursor ? CRAFTED_CURSORS : [])];
      case "number":
        return [...HOSTILE_NUMBERS, ...TYPE_CONFUSION.slice(0, 1)];
      case "choice":
        return [
          { label: "NUL", value: "\u0000", short: true },
          { label: "__proto__", value: "__proto__" },
          { label: "2^31", value: 2 ** 31 },
          { label: "null", value: null },
        ];
      case "object":
      case "record":
        return [
          {
            label: "own __proto__ key",
            value: withOwnKey(here, "__proto__", { role: "staff", isAdmin: true }),
            short: true,
          },
          {
            label: "constructor.prototype key",
            value: withOwnKey(here, "constructor", { prototype: { polluted: 1 } }),
          },
          { label: "1000 levels deep", value: deeplyNested(1_000) },
          { label: "a string instead", value: "\u0000" },
        ];
      case "array":
        return [
          {
            label: "5000 hostile elements",
            value: Array.from({ length: 5_000 }, () => "\u0000"),
            short: true,
          },
          { label: "1000 levels deep", value: deeplyNested(1_000) },
        ];
    }
  })();
  if (depth === "full") return all;
  const short = all.filter((h) => h.short);
  return field.schema === Cursor ? [...short, ...CRAFTED_CURSORS] : short;
}

/** `{"json": …, "meta": …}` as the superjson transformer expects it; raw JSON where superjson would refuse. */
function encode(input: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(input));
  } catch {
    return JSON.stringify({ json: input }); // own __proto__ / constructor keys: superjson will not write them
  }
}

/** Calls that attack the transport (superjson, JSON) rather than one field; they also tell whether a role gets past a procedure's auth check. */
const transportAttacks = (procedure: Procedure): Call[] =>
  [
    { label: "input nested 5000 levels", body: `{"json":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}` },
    {
      label: "meta pointing at __proto__",
      body: '{"json":{"a":"1"},"meta":{"values":{"__proto__.polluted":["number"]}}}',
    },
    { label: "meta with an unknown type", body: '{"json":{"a":"1"},"meta":{"values":{"a":["bogus"]}}}' },
    {
      label: "meta referencing __proto__",
      body: '{"json":{"a":{}},"meta":{"referentialEqualities":{"a":["__proto__"]}}}',
    },
    { label: "input a NUL string", body: JSON.stringify({ json: "\u0000" }) },
    { label: "input 2^53+1", body: JSON.stringify({ json: 2 ** 53 + 1 }) },
  ].map((c) => ({ ...c, procedure }));

type Role = {
  name: "guest" | "customer" | "staff";
  token?: string;
  addressId: string;
  orderId: string;
};
type World = { categorySlug: string; productA: string; variantA: string; variantB: string };

/** Real ids where a service looks something up first, so the hostile field is not masked by NOT_FOUND. */
const fixturesFor =
  (world: World, role: Role, procedure: Procedure): FixtureFn =>
  (path) => {
    const last = path.at(-1);
    if (last === "cursor") return "omit"; // a sample cursor would fail before any other field counts
    if (last === "category") return { value: world.categorySlug };
    if (last === "addressId") return { value: role.addressId };
    // The product service's own variant is the one staff edit; carts hold another, so edits never
    // change what the checkout calls buy.
    if (last === "variantId")
      return { value: procedure.service === "product" ? world.variantA : world.variantB };
    if (path[0] === "variants" && last === "id") return { value: world.variantA };
    if (path.length === 1 && last === "id") {
      const ids: Record<string, string> = {
        product: world.productA,
        user: role.addressId,
        order: role.orderId,
      };
      return ids[procedure.service] ? { value: ids[procedure.service] } : undefined;
    }
    return undefined;
  };

let sampleCounter = 0;

/** Hostile calls for each field of a procedure's input, each starting from an input the schema accepts. */
function fieldCalls(world: World, role: Role, procedure: Procedure, depth: "full" | "short"): Call[] {
  if (!procedure.input) return [];
  const input = procedure.input;
  const fixtures = fixturesFor(world, role, procedure);
  // The first sample input that holds the field's parent (a refinement may need two, see samples).
  const baseFor = (path: Key[]) =>
    samples(input, fixtures, ++sampleCounter).inputs.find(
      (i) => path.length === 0 || typeof getAt(i, path.slice(0, -1)) === "object",
    );
  return samples(input, fixtures, 0).fields.flatMap((field) =>
    hostileValuesFor(field, baseFor(field.path), depth).map((hostile) => ({
      procedure,
      label: `${field.path.join(".") || "(input)"} = ${hostile.label}`,
      // A fresh input per call: unique e-mails, slugs and idempotency keys never collide.
      body: encode(setAt(baseFor(field.path), field.path, hostile.value)),
    })),
  );
}

/** Groups calls into tRPC batches: one service, one kind, at most 10 calls. */
function batches(calls: Call[]): Call[][] {
  const out: Call[][] = [];
  const open = new Map<string, Call[]>();
  for (const call of calls) {
    const key = `${call.procedure.service}:${call.procedure.type}`;
    const batch = open.get(key) ?? [];
    batch.push(call);
    open.set(key, batch);
    if (batch.length === 10) {
      out.push(batch);
      open.delete(key);
    }
  }
  return [...out, ...open.values()];
}

const INTERNAL =
  /internal error|Failed query|params:|Drizzle|Maximum call stack|prototype pollution|\bat \S+ \(|\.ts:\d+|node_modules/i;

type Problem = { role: string; call: string; status: number; body: string };
/** What one batch found: its problems, and the tRPC code of each call (`OK` for a result). */
type Sent = { problems: Problem[]; codes: string[] };

async function send(shop: TestShop, role: Role, batch: Call[]): Promise<Sent> {
  const { service, type } = batch[0]!.procedure;
  const paths = batch.map((c) => c.procedure.path).join(",");
  const payload = `{${batch.map((c, i) => `"${i}":${c.body}`).join(",")}}`;
  const headers: Record<string, string> = role.token ? { authorization: `Bearer ${role.token}` } : {};
  const getUrl = `/api/${service}/trpc/${paths}?batch=1&input=${encodeURIComponent(payload)}`;
  const res =
    type === "query" && getUrl.length < 4_000
      ? await shop.fetch(getUrl, { headers })
      : await shop.fetch(`/api/${service}/trpc/${paths}?batch=1`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: payload,
        });
  const text = await res.text();
  const requestId = res.headers.get("x-request-id");
  const problem = (why: string, call = batch.map((c) => `${c.procedure.name}(${c.label})`).join(" | ")) => ({
    role: role.name,
    call,
    status: res.status,
    body: `${why}: ${text.slice(0, 300)}`,
  });
  if (res.status >= 500) return { problems: [problem("5xx")], codes: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problems: [problem("not JSON")], codes: [] };
  }
  const items = Array.isArray(parsed) ? parsed : batch.map(() => parsed);
  const sent: Sent = { problems: [], codes: [] };
  for (const [i, item] of items.entries()) {
    const error = (item as { error?: { json?: Record<string, unknown> } }).error;
    if (!error) {
      sent.codes.push("OK");
      continue;
    }
    const body = (error.json ?? error) as { message?: string; data?: Record<string, unknown> };
    sent.codes.push(String(body.data?.code));
    const wrong =
      typeof body.data?.code !== "string"
        ? "no data.code"
        : body.data.requestId !== requestId
          ? "no request id"
          : "stack" in body.data
            ? "a stack"
            : typeof body.message !== "string" || body.message.length < 5 || INTERNAL.test(body.message)
              ? "an internal message"
              : undefined;
    if (wrong) sent.problems.push(problem(wrong, `${batch[i]?.procedure.name}(${batch[i]?.label})`));
  }
  return sent;
}

type Attacker = ReturnType<typeof attacker>;

/** Sends one role's calls in order and keeps what it found. */
function attacker(shop: TestShop, world: World, role: Role) {
  const problems: Problem[] = [];
  const client = shop.client(role.token);
  let calls = 0;
  return {
    role,
    problems,
    calls: () => calls,
    async run(batch: Call[]) {
      // A checkout that succeeds empties the cart; refill it so later checkouts reach the address.
      if (role.token && batch[0]!.procedure.service === "order") {
        await client.cart.addItem.mutate({ variantId: world.variantB, quantity: 1 }).catch(() => {});
      }
      calls += batch.length;
      const sent = await send(shop, role, batch);
      problems.push(...sent.problems);
      return sent.codes;
    },
  };
}

/**
 * Every role sends the transport attacks to every procedure; one answered entirely UNAUTHORIZED or
 * FORBIDDEN checks the caller before its input, so that role cannot reach its fields. Then the
 * least privileged role that reaches a procedure tries every hostile value on each of its fields,
 * and the other roles that reach it the short list. Procedures without input (logout, cart.clear)
 * go last: they may end the session or empty the cart.
 */
async function attackEverything(attackers: Attacker[], world: World) {
  const procedures = proceduresOf(serviceRouters);
  const withInput = procedures.filter((p) => p.input);
  const reached = await Promise.all(
    attackers.map(async (a) => {
      const reachable = new Set<string>();
      for (const procedure of withInput) {
        const codes = await a.run(transportAttacks(procedure));
        if (!codes.every((c) => c === "UNAUTHORIZED" || c === "FORBIDDEN")) reachable.add(procedure.name);
      }
      return reachable;
    }),
  );
  const firstReacher = new Map<string, number>();
  for (const procedure of withInput) {
    const i = reached.findIndex((r) => r.has(procedure.name));
    if (i >= 0) firstReacher.set(procedure.name, i);
  }
  await Promise.all(
    attackers.map(async (a, i) => {
      const calls = withInput
        .filter((p) => reached[i]!.has(p.name))
        .flatMap((p) => fieldCalls(world, a.role, p, firstReacher.get(p.name) === i ? "full" : "short"));
      for (const batch of batches(calls)) await a.run(batch);
      for (const procedure of procedures.filter((p) => !p.input)) await a.run(transportAttacks(procedure));
    }),
  );
  return {
    reached: reached.map((r) => r.size),
    unreached: withInput.filter((p) => !firstReacher.has(p.name)),
  };
}

describeShop("hostile input to every procedure", () => {
  let shop: TestShop;
  let world: World;
  const roles: Role[] = [];

  beforeAll(async () => {
    shop = await startTestShop(); // the largest batch is ~130 KB: the default 2 MiB body limit holds it
    const staff = await shop.staff();
    const category = await staff.client.product.createCategory.mutate({
      slug: "fuzz-goods",
      name: "Fuzz goods",
    });
    const product = (title: string) =>
      staff.client.product.create.mutate({
        title,
        category: category.slug,
        variants: [
          {
            sku: title.toUpperCase().replace(/\W/g, "-"),
            price: { amount: 1_000, currency: "EUR" },
            stock: 1_000_000,
          },
        ],
      });
    const [a, b] = [await product("Fuzz target A"), await product("Fuzz target B")];
    world = {
      categorySlug: category.slug,
      productA: a.id,
      variantA: a.variants[0]!.id,
      variantB: b.variants[0]!.id,
    };

    const customer = await shop.customer();
    roles.push({ name: "guest", addressId: UUID, orderId: UUID });
    for (const [name, client, token] of [
      ["customer", customer.client, customer.token],
      ["staff", staff.client, staff.token],
    ] as const) {
      const address = await client.user.addresses.add.mutate({
        name: "Ada Shopper",
        line1: "1 Loop Road",
        city: "Berlin",
        postalCode: "10115",
        country: "DE",
      });
      await client.cart.addItem.mutate({ variantId: world.variantB, quantity: 1 });
      const order = await client.order.checkout.mutate({
        idempotencyKey: `fuzz-setup-${name}`,
        addressId: address.id,
        paymentMethodId: "pm_card_visa",
      });
      roles.push({ name, token, addressId: address.id, orderId: order.id });
    }
  });
  afterAll(() => shop.stop());

  it("answers every call with a 4xx or a result, never a 5xx, a stack or an internal message", async () => {
    const attackers = roles.map((role) => attacker(shop, world, role));
    const { reached, unreached } = await attackEverything(attackers, world);
    expect(attackers.reduce((n, a) => n + a.calls(), 0)).toBeGreaterThan(2_000);
    // Guests reach the public procedures' inputs, customers also their own, staff every one.
    expect(unreached).toEqual([]);
    expect(reached[0]).toBeGreaterThan(3);
    expect(reached[1]).toBeGreaterThan(reached[0]!);
    expect(reached[2]).toBe(proceduresOf(serviceRouters).filter((p) => p.input).length);
    expect(attackers.flatMap((a) => a.problems).slice(0, 15)).toEqual([]);
  }, 120_000); // ~2,500 calls: seconds on an idle machine, far more on a loaded CI runner

  it("reaches every input-taking procedure with an input its schema accepts", () => {
    // Guards the test above: were a sample refused, its hostile fields would be refused for the wrong reason.
    for (const procedure of proceduresOf(serviceRouters)) {
      if (!procedure.input) continue;
      const { inputs, fields } = samples(procedure.input, fixturesFor(world, roles[1]!, procedure), 0);
      expect(inputs.length).toBeGreaterThan(0);
      for (const input of inputs) expect(ok(procedure.input, input)).toBe(true);
      expect(fields.length).toBeGreaterThan(0);
    }
  });
});
