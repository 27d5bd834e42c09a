/**
 * NGINX for the baselines, with the cluster's settings where they matter (one worker, sendfile, a
 * buffered JSON access log, keep-alive to clients and, when proxying, to the upstream): serving a file
 * with the bytes of a catalog answer (the ceiling for catalog reads through NGINX), or in front of a
 * baseline server (a one-row read through the cluster's path). wrk sends no Accept-Encoding, so gzip
 * stays out of both.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, ready, spawnServer, stop } from "./processes.ts";

/** `server` goes inside the server block, `http` (upstreams) beside it; ready once `path` answers 200. */
async function startNginx(dir: string, blocks: { server: string; http?: string }, path: string) {
  const nginx = Bun.which("nginx") ?? "/usr/sbin/nginx";
  mkdirSync(join(dir, "temp"), { recursive: true });
  const port = freePort();
  const config = `daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  default_type application/json;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  client_body_temp_path ${join(dir, "temp")};
  proxy_temp_path ${join(dir, "temp")};
  log_format fastr escape=json '{"t":"$time_iso8601","requestId":"$request_id","method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"ms":$request_time}';
  access_log ${join(dir, "access.log")} fastr buffer=64k flush=1s;
  ${blocks.http ?? ""}
  server {
    listen 127.0.0.1:${port};
    ${blocks.server}
  }
}
`;
  const file = join(dir, "nginx.conf");
  writeFileSync(file, config);
  const logFile = join(dir, "out.log");
  // NGINX prints nothing when it is up: ready once the port answers.
  const proc: Subprocess = spawnServer([nginx, "-c", file, "-p", dir], logFile);
  const url = `http://127.0.0.1:${port}${path}`;
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { proc, url };
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  await ready(proc, logFile, 1).catch(() => {});
  await stop(proc); // it may be up and refusing (a root it cannot read): stopped here, not left running
  throw new Error(`nginx did not serve ${url} (${file})`);
}

/** NGINX serving `body` as a static file. */
export function startNginxStatic(dir: string, body: string) {
  mkdirSync(join(dir, "www"), { recursive: true });
  writeFileSync(join(dir, "www", "list.json"), body);
  return startNginx(dir, { server: `location / { root ${join(dir, "www")}; }` }, "/list.json");
}

/** NGINX in front of `127.0.0.1:<port>`, proxying as the cluster's config does (HTTP/1.1, keep-alive pool, request id). */
export function startNginxProxy(dir: string, port: number) {
  return startNginx(
    dir,
    {
      http: `upstream backend { server 127.0.0.1:${port} max_fails=2 fail_timeout=5s; keepalive 128; }`,
      server: `location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`,
    },
    "/",
  );
}
