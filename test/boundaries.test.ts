import { describe, expect, it } from "bun:test";
import { dirname, relative, resolve } from "node:path";
import { Glob } from "bun";

/** The import specifiers of every TypeScript file under `dir` (tests excluded unless asked). */
async function importsUnder(dir: string, { tests = false } = {}) {
  const files: { file: string; imports: string[] }[] = [];
  for await (const file of new Glob(`${dir}/**/*.ts`).scan(".")) {
    if (!tests && file.endsWith(".test.ts")) continue;
    const source = await Bun.file(file).text();
    const imports = [...source.matchAll(/^\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/gm)].map(
      (m) => m[1]!,
    );
    files.push({ file, imports });
  }
  return files;
}

const offenders = (
  files: Awaited<ReturnType<typeof importsUnder>>,
  bad: (spec: string, file: string) => boolean,
) =>
  files.flatMap(({ file, imports }) =>
    imports.filter((spec) => bad(spec, file)).map((spec) => `${file} imports ${spec}`),
  );

describe("architecture boundaries", () => {
  it("keeps contracts free of everything but zod and each other", async () => {
    const files = await importsUnder("contracts");
    expect(files.length).toBeGreaterThan(3);
    expect(offenders(files, (spec) => spec !== "zod" && !spec.startsWith("./"))).toEqual([]);
  });

  it("keeps domain code away from databases, drivers and the network", async () => {
    const files = await importsUnder("services/*/domain");
    expect(files.length).toBeGreaterThan(1);
    expect(
      offenders(files, (spec) => /drizzle|pglite|^pg$|ioredis|kafkajs|\/db\/|hono|@trpc/.test(spec)),
    ).toEqual([]);
  });

  it("lets no service import another service's internals", async () => {
    const files = await importsUnder("services");
    expect(
      offenders(files, (spec, file) => {
        if (!spec.startsWith(".")) return false;
        const target = relative(".", resolve(dirname(file), spec)).split("/");
        return target[0] === "services" && target[1] !== file.split("/")[1];
      }),
    ).toEqual([]);
  });

  it("keeps routers free of SQL and drivers: procedures call services", async () => {
    const files = await importsUnder("routers");
    expect(offenders(files, (spec) => /drizzle|pglite|^pg$|ioredis|\/services\//.test(spec))).toEqual([]);
  });

  it("lets the client link reach the server only through types", async () => {
    const source = await Bun.file("routers/client.ts").text();
    const valueImports = [...source.matchAll(/^import (?!type )[^;]*from "(\.[^"]+)"/gm)].map((m) => m[1]);
    expect(valueImports).toEqual([]);
  });

  it("keeps the platform generic: it imports no service and no router", async () => {
    const files = await importsUnder("platform");
    expect(offenders(files, (spec) => spec.includes("/services/") || spec.includes("/routers/"))).toEqual([]);
  });
});
