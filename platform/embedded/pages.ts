import type { Context, Hono } from "hono";
import { productImageSvg } from "../../services/product/seed/images.ts";
import type { HostEnv } from "../http/host.ts";

const placeholder = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800"><rect width="800" height="800" fill="#eef0f3"/><path d="M300 470l80-100 60 70 40-45 80 75z" fill="#c5cad3"/><circle cx="470" cy="330" r="30" fill="#c5cad3"/></svg>`;

/** The generated product images (the storefront itself is `clients/web/`). */
export function mountPages(app: Hono<HostEnv>) {
  app.get("/media/placeholder.svg", (c) => svg(c, placeholder));
  app.get("/media/products/:file{[a-z0-9-]+\\.svg}", (c) => {
    const image = productImageSvg(c.req.param("file").replace(/\.svg$/, ""));
    return image ? svg(c, image) : c.notFound();
  });
}

const svg = (c: Context<HostEnv>, body: string) =>
  c.body(body, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" });
