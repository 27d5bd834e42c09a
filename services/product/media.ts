import type { Context, Hono } from "hono";
import type { HostEnv } from "../../platform/http/host.ts";
import { productImageSvg } from "./seed/images.ts";

const placeholder = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800"><rect width="800" height="800" fill="#eef0f3"/><path d="M300 470l80-100 60 70 40-45 80 75z" fill="#c5cad3"/><circle cx="470" cy="330" r="30" fill="#c5cad3"/></svg>`;

/** Product images may be shown by a storefront on another origin, so they are not same-origin only. */
const svg = (c: Context<HostEnv>, body: string) =>
  c.body(body, 200, {
    "Content-Type": "image/svg+xml",
    "Cache-Control": "public, max-age=86400",
    "Cross-Origin-Resource-Policy": "cross-origin",
  });

/** Product images at `/media/…`: the demo catalog's generated pictures and a placeholder. */
export function mountMedia(app: Hono<HostEnv>) {
  app.get("/media/placeholder.svg", (c) => svg(c, placeholder));
  app.get("/media/products/:file{[a-z0-9-]+\\.svg}", (c) => {
    const image = productImageSvg(c.req.param("file").replace(/\.svg$/, ""));
    return image ? svg(c, image) : c.notFound();
  });
}
