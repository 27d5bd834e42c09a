import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePrograms } from "./binaries.ts";
import { type Child, readyOrDied, spawnChild, waitFor } from "./child.ts";

const template = join(import.meta.dir, "../../nginx/nginx.conf.template");

/**
 * Fills `${NAME}` placeholders from `values`; a placeholder without a value is an error, so a
 * template change cannot silently render an empty directive.
 */
export async function renderNginxConfig(values: Record<string, string>): Promise<string> {
  const text = await Bun.file(template).text();
  const missing = new Set<string>();
  const rendered = text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    if (values[name] === undefined) missing.add(name);
    return values[name] ?? "";
  });
  if (missing.size) throw new Error(`nginx template needs values for ${[...missing].join(", ")}`);
  return rendered;
}

/** `server` lines of an upstream pool, with passive health checks. */
export const upstreamServers = (addresses: readonly string[]) =>
  addresses.map((a) => `server ${a} max_fails=2 fail_timeout=5s;`).join(" ");

export type NginxOptions = {
  dir: string;
  port: number;
  /** host:port of every instance, per service. */
  pools: Record<string, readonly string[]>;
  /** The storefront's build; NGINX serves it at `/`. */
  webRoot: string;
  authRate?: string;
  authBurst?: number;
};

/** Renders the config into `dir`, checks it with `nginx -t`, and runs NGINX in the foreground. */
export async function startNginx(options: NginxOptions): Promise<Child & { url: string }> {
  const { nginx } = requirePrograms("nginx");
  const temp = join(options.dir, "temp");
  mkdirSync(temp, { recursive: true, mode: 0o777 });
  const config = await renderNginxConfig({
    NGINX_WORKERS: "1",
    NGINX_PID_FILE: join(options.dir, "nginx.pid"),
    NGINX_ERROR_LOG: join(options.dir, "error.log"),
    NGINX_ACCESS_LOG: join(options.dir, "access.log"),
    NGINX_MIME_TYPES: "/etc/nginx/mime.types",
    NGINX_TEMP_DIR: temp,
    NGINX_LISTEN: `127.0.0.1:${options.port}`,
    NGINX_AUTH_RATE: options.authRate ?? "20r/s",
    NGINX_AUTH_BURST: String(options.authBurst ?? 200),
    WEB_ROOT: options.webRoot,
    ...Object.fromEntries(
      Object.entries(options.pools).map(([service, addresses]) => [
        `${service.toUpperCase()}_SERVERS`,
        upstreamServers(addresses),
      ]),
    ),
  });
  const file = join(options.dir, "nginx.conf");
  writeFileSync(file, config);
  const check = Bun.spawnSync([nginx, "-t", "-q", "-c", file, "-p", options.dir], { stderr: "pipe" });
  if (check.exitCode !== 0) throw new Error(`nginx -t refused ${file}:\n${check.stderr.toString()}`);
  const child = spawnChild("nginx", [nginx, "-c", file, "-p", options.dir], {
    logFile: join(options.dir, "nginx.out.log"),
  });
  const url = `http://127.0.0.1:${options.port}`;
  await readyOrDied(
    child,
    waitFor(`nginx on port ${options.port}`, async () => (await fetch(`${url}/api/`)).status === 404),
  );
  // SIGQUIT is NGINX's graceful shutdown: finish the requests in flight, then exit.
  return { ...child, url, stop: (signal = "SIGQUIT", graceMs) => child.stop(signal, graceMs) };
}
