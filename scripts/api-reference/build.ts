/**
 * The procedure reference, built from the routers themselves: every procedure in `serviceRouters`
 * with its kind, who may call it (the builder's meta), its HTTP method and URL, its input schema (the
 * zod schema the procedure validates with) and output schema (outputs.ts, held to the inferred
 * types), the errors it can answer with, and the domain errors each service raises.
 */
import type { AnyProcedure, AnyRouter } from "@trpc/server";
import { z } from "zod";
import type { ProcedureMeta } from "../../routers/trpc.ts";
import { type DomainErrorEntry, scanDomainErrors } from "./domain-errors.ts";
import { outputs } from "./outputs.ts";
import { describeSchema, exampleFor, type JsonSchema } from "./schema-text.ts";

export type ApiError = { code: string; when: string };

export type ApiProcedure = {
  /** `product.list`: what the typed client calls. */
  path: string;
  service: string;
  kind: "query" | "mutation";
  auth: ProcedureMeta["auth"];
  http: { method: "GET" | "POST"; url: string };
  /** JSON Schema of the input (before defaults apply); null when the procedure takes none. */
  input: JsonSchema | null;
  inputText: string | null;
  /** Rules across fields that a JSON Schema cannot say ("give exactly one of addressId or shippingAddress"). */
  inputRules: string[];
  /** An input to start from: the required fields. */
  inputExample: unknown;
  output: JsonSchema;
  outputText: string;
  errors: ApiError[];
};

export type ApiReference = {
  about: string;
  procedures: ApiProcedure[];
  domainErrors: DomainErrorEntry[];
};

/** Dates travel as Dates through superjson; in JSON Schema they are date-time strings. Nothing else may be lost. */
const jsonSchema = (schema: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: ({ zodSchema }) =>
      zodSchema._zod.def.type === "date" ? { type: "string", format: "date-time" } : "throw",
  });
  return rest as JsonSchema;
};

type Check = { _zod: { def: { check?: string; error?: () => unknown } } };

/**
 * The messages of `.refine()` rules on the input object (wrappers such as `.default()` looked
 * through). `.superRefine()` rules compute their messages and cannot be listed.
 */
function refinementMessages(schema: z.ZodType): string[] {
  const messages: string[] = [];
  for (let node: z.ZodType | undefined = schema; node; ) {
    const def = node._zod.def as { checks?: Check[]; innerType?: z.ZodType; in?: z.ZodType };
    for (const check of def.checks ?? []) {
      const message = check._zod.def.check === "custom" ? check._zod.def.error?.() : undefined;
      if (typeof message === "string") messages.push(message);
    }
    node = def.innerType ?? def.in;
  }
  return messages;
}

function errorsOf(kind: ApiProcedure["kind"], auth: ApiProcedure["auth"], hasInput: boolean): ApiError[] {
  const errors: ApiError[] = [];
  if (hasInput)
    errors.push({
      code: "BAD_REQUEST",
      when: "the input does not match the schema (data.zodIssues says where)",
    });
  if (auth !== "public")
    errors.push({ code: "UNAUTHORIZED", when: "no valid session (cookie or Bearer token)" });
  if (auth === "staff") errors.push({ code: "FORBIDDEN", when: "the session is not a staff account's" });
  if (auth !== "public" && kind === "mutation")
    errors.push({
      code: "FORBIDDEN",
      when: "signed in by cookie, and the Origin header is missing or not an allowed origin",
    });
  return errors;
}

function outputSchemaOf(service: string, path: string): z.ZodType {
  let node: unknown = outputs[service as keyof typeof outputs];
  for (const part of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (!(node instanceof z.ZodType)) throw new Error(`no output schema for ${service}.${path} in outputs.ts`);
  return node;
}

function describeProcedure(service: string, path: string, procedure: AnyProcedure): ApiProcedure {
  const def = procedure._def;
  if (def.type === "subscription") throw new Error(`${service}.${path}: subscriptions are not described yet`);
  const auth = (def.meta as ProcedureMeta | undefined)?.auth;
  if (!auth)
    throw new Error(`${service}.${path}: built without publicProcedure, authedProcedure or staffProcedure`);
  if (def.inputs.length > 1)
    throw new Error(`${service}.${path}: more than one .input() is not described yet`);
  const inputSchema = def.inputs[0];
  if (inputSchema !== undefined && !(inputSchema instanceof z.ZodType))
    throw new Error(`${service}.${path}: its input is not a zod schema`);
  const input = inputSchema ? jsonSchema(inputSchema, "input") : null;
  const output = jsonSchema(outputSchemaOf(service, path), "output");
  return {
    path: `${service}.${path}`,
    service,
    kind: def.type,
    auth,
    http: { method: def.type === "query" ? "GET" : "POST", url: `/api/${service}/trpc/${path}` },
    input,
    inputText: input && describeSchema(input),
    inputRules: inputSchema ? refinementMessages(inputSchema) : [],
    inputExample: input ? exampleFor(input) : null,
    output,
    outputText: describeSchema(output),
    errors: errorsOf(def.type, auth, input !== null),
  };
}

/**
 * @example const reference = await buildApiReference(serviceRouters, "."); // what `bun run docs:api` writes
 */
export async function buildApiReference(
  routers: Record<string, AnyRouter>,
  root: string,
): Promise<ApiReference> {
  const procedures = Object.entries(routers).flatMap(([service, router]) =>
    Object.entries(router._def.procedures as Record<string, AnyProcedure>).map(([path, procedure]) =>
      describeProcedure(service, path, procedure),
    ),
  );
  return {
    about: "Generated from routers/ by `bun run docs:api`; do not edit. The contract: docs/api/contract.md.",
    procedures,
    domainErrors: await scanDomainErrors(root),
  };
}
