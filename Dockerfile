# syntax=docker/dockerfile:1
# One image runs every fastr service (`bun services/<name>/main.ts`) and the migrations
# (`bun run migrate`); the `nginx` target is the front door, with the storefront's build inside.
#   docker build -t fastr .                  # the services (the last stage is the default target)
#   docker build -t fastr-nginx --target nginx .
ARG BUN_VERSION=1.4.5

# Every dependency, dev ones included: what building the storefront needs.
FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build:web

# NGINX renders nginx/nginx.conf.template (a whole nginx.conf) at start; see nginx/docker-entrypoint.sh.
FROM nginx:1.28-alpine AS nginx
COPY nginx/nginx.conf.template /etc/nginx/fastr/nginx.conf.template
COPY nginx/docker-entrypoint.sh /usr/local/bin/fastr-nginx
COPY --from=build /app/clients/web/dist /usr/share/fastr/web
USER nginx
EXPOSE 8080
# The image's STOPSIGNAL (SIGQUIT) stays: NGINX finishes the requests in flight, then exits.
ENTRYPOINT ["/usr/local/bin/fastr-nginx"]
CMD []

# The services: production dependencies only, source and node_modules owned by root (read-only to
# the process), run as the image's unprivileged `bun` user.
FROM oven/bun:${BUN_VERSION}-slim AS service
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=/tmp/bun-transpiler-cache
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production && rm -rf /root/.bun/install/cache
COPY . .
USER bun
EXPOSE 3000
# No default service: compose.yaml and deploy/kubernetes name one, e.g. `bun services/cart/main.ts`.
CMD ["sh", "-c", "echo 'run one service: bun services/<auth|user|product|cart|order|payment|notification>/main.ts, or bun run migrate' >&2; exit 64"]
