/**
 * NGINX serving a static file with the bytes of a catalog answer: the ceiling for catalog reads
 * through NGINX. Same settings as the cluster's NGINX where they matter (one worker, sendfile, a
 * buffered JSON access log, keep-alive); wrk sends no Accept-Encoding, so gzip stays out of both.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, ready, spawnServer } from "./processes.ts";

export async function startNginxStatic(dir: string, body: string) {
  const nginx = Bun.which("nginx") ?? "/usr/sbin/nginx";
  mkdirSync(join(dir, "www"), { recursive: true });
  mkdirSync(join(dir, "temp"), { recursive: true });
  writeFileSync(join(dir, "www", "list.json"), body);
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
  log_format fastr escape=json '{"t":"$time_iso8601","requestId":"$request_id","method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"ms":$request_time}';
  access_log ${join(dir, "access.log")} fastr buffer=64k flush=1s;
  server {
    listen 127.0.0.1:${port};
    location / { root ${join(dir, "www")}; }
  }
}
`;
  const file = join(dir, "nginx.conf");
  writeFileSync(file, config);
  const logFile = join(dir, "out.log");
  // NGINX prints nothing when it is up: a wrapper says ready once the port answers.
  const proc = spawnServer([nginx, "-c", file, "-p", dir], logFile);
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/list.json`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, url: `http://127.0.0.1:${port}/list.json` };
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  await ready(proc, logFile, 1).catch(() => {});
  throw new Error(`nginx did not serve ${file}`);
}
