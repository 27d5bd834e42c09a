import type { Hono, MiddlewareHandler } from "hono";
import type { HostEnv } from "../http/host.ts";
import type { Metrics } from "./registry.ts";

/**
 * Serves the registry at `GET /metrics` in Prometheus's text format, behind `access` when the shape
 * gives one. NGINX's public listener never routes `/metrics` (nginx/nginx.conf.template).
 * @example mountMetrics(app, composed.metrics); // a cluster instance: its port is not public
 */
export function mountMetrics(app: Hono<HostEnv>, metrics: Metrics, access?: MiddlewareHandler<HostEnv>) {
  const serve: MiddlewareHandler<HostEnv> = async (c) =>
    c.body(await metrics.text(), 200, { "content-type": metrics.contentType, "cache-control": "no-store" });
  if (access) app.get("/metrics", access, serve);
  else app.get("/metrics", serve);
}
