import { join } from "node:path";
import { root, scratch } from "./processes.ts";
import type { ShoppersOptions, ShoppersResult } from "./shoppers.ts";

/**
 * Runs a stateful scenario in a process of its own (`bench/shoppers.ts`) and returns the result it
 * prints. `wrap` places the process (on the load core, say); `name` tells its options file apart.
 * @example const r = await runShoppers(options, { name: "cart-add-16", wrap: (argv) => pinned(1, argv) });
 */
export async function runShoppers(
  options: ShoppersOptions,
  { name, wrap = (argv) => argv }: { name: string; wrap?: (argv: string[]) => string[] },
): Promise<ShoppersResult> {
  const file = join(scratch, `shoppers-${name}.json`);
  await Bun.write(file, JSON.stringify(options));
  const proc = Bun.spawn(wrap([process.execPath, "bench/shoppers.ts", file]), {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    timeout: (options.seconds + options.warmupSeconds + 60) * 1000,
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH "));
  if (code !== 0 || !line)
    throw new Error(`shoppers ${options.scenario} failed (exit ${code}): ${err || out}`);
  return JSON.parse(line.slice(6)) as ShoppersResult;
}
