/** The reference as Markdown: docs/api/reference.md. */
import type { ApiProcedure, ApiReference } from "./build.ts";

const anchor = (path: string) => `#${path.replace(/[^a-z0-9-]/gi, "").toLowerCase()}`;
const code = (text: string) => `\`${text}\``;

function procedureSection(p: ApiProcedure) {
  const errors = p.errors.length
    ? p.errors.map((e) => `- ${code(e.code)} — ${e.when}`).join("\n")
    : "- none of its own (see the domain errors below and the notes above)";
  return `### ${p.path}

${p.kind} · ${p.auth} · ${code(`${p.http.method} ${p.http.url}`)}

Input${p.inputText ? `:\n\n\`\`\`ts\n${p.inputText}\n\`\`\`` : ": none"}
${p.inputRules.length ? `\n${p.inputRules.map((r) => `- ${r}`).join("\n")}\n` : ""}
Output:

\`\`\`ts
${p.outputText}
\`\`\`

Errors:

${errors}
`;
}

export function renderMarkdown(reference: ApiReference): string {
  const services = [...new Set(reference.procedures.map((p) => p.service))];
  const index = reference.procedures
    .map(
      (p) =>
        `| [${p.path}](${anchor(p.path)}) | ${p.kind} | ${p.auth} | ${code(`${p.http.method} ${p.http.url}`)} |`,
    )
    .join("\n");
  const sections = services.map((service) => {
    const procedures = reference.procedures.filter((p) => p.service === service);
    const raised = reference.domainErrors.filter((e) => e.code.split(".")[0]!.toLowerCase() === service);
    const table = raised.length
      ? `#### Domain errors the ${service} service raises

| \`data.reason\` | \`data.code\` | message |
|---|---|---|
${raised.map((e) => `| ${code(e.code)} | ${code(e.kind)} | ${e.messages.map((m) => m.replaceAll("|", "\\|")).join("; ") || "—"} |`).join("\n")}
`
      : "";
    return `## ${service}\n\n${procedures.map(procedureSection).join("\n")}${table ? `\n${table}` : ""}`;
  });

  return `# fastr API reference

<!-- Generated from routers/ by \`bun run docs:api\`: do not edit. \`bun test\` fails when it is stale. -->

Every procedure the shop serves, read from the routers themselves: its kind, who may call it, its HTTP
request, its input (the zod schema it validates with) and output, and the errors it answers with.
The names and shapes clients may rely on, and the rules for changing them, are the public contract:
[contract.md](contract.md). The same reference as JSON, with a JSON Schema for every input and output:
[reference.json](reference.json). A shop bound to loopback serves it at \`/dev/api\`, with a form to
try each query.

## Calling a procedure

- **Query**: \`GET /api/<service>/trpc/<procedure>?input=<URL-encoded {"json": input}>\`, e.g.
  \`GET /api/product/trpc/list?input=%7B%22json%22%3A%7B%22limit%22%3A5%7D%7D\`; no input, no \`input\` parameter.
- **Mutation**: \`POST /api/<service>/trpc/<procedure>\` with \`Content-Type: application/json\` and the
  body \`{"json": input}\`.
- **Answer**: \`{"result": {"data": {"json": output, "meta": …}}}\`. The encoding is superjson: \`meta\`
  names values JSON cannot carry (a \`date-time\` below arrives as an ISO string that \`meta\` marks as a
  \`Date\`). The typed client (\`fastr/client\`, see the README) decodes it.
- **Batching**: \`?batch=1\`, inputs keyed \`"0"\`, \`"1"\`, … and the procedure names joined by commas in
  the path; one service per request.
- **Who may call**: \`public\` anyone; \`authed\` a session — the token from \`auth.signup\` or
  \`auth.login\`, as the \`fastr_session\` cookie or \`Authorization: Bearer <token>\`; \`staff\` a staff
  account's session. Cart procedures work for guests with the cart token (\`X-Cart-Token\` or the
  \`fastr_cart\` cookie). A mutation signed in by cookie needs an allowed \`Origin\`.
- **Errors**: \`{"error": {"json": {"message": …, "code": …, "data": {"code", "httpStatus", "requestId", …}}}}\`.
  \`data.code\` is the tRPC code listed per procedure; a service's refusal adds \`data.reason\` (its
  domain error code, listed per service) and sometimes \`data.details\`; bad input adds \`data.zodIssues\`.
  A procedure passes on the domain errors of the services it calls (\`order.checkout\`: the cart's, the
  product's and the payment's). Any request may also end in \`INTERNAL_SERVER_ERROR\`, with the request id
  and never a stack.

## Procedures

| procedure | kind | who | request |
|---|---|---|---|
${index}

${sections.join("\n")}`;
}
