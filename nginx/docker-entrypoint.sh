#!/bin/sh
# The NGINX image's entrypoint (Dockerfile target `nginx`; compose.yaml, deploy/kubernetes).
# nginx.conf.template is a whole nginx.conf (events, http, `daemon off`), not a conf.d snippet, so
# the official image's templates/ mechanism does not fit: render it here with envsubst, limited to
# the template's own ${NAME} placeholders so that NGINX's $variables survive, refuse to start when
# a placeholder has no value, and run NGINX in the foreground. Extra arguments go to nginx
# (`fastr-nginx -t` checks the rendered config and exits).
set -eu

template="${FASTR_NGINX_TEMPLATE:-/etc/nginx/fastr/nginx.conf.template}"
config="${FASTR_NGINX_CONFIG:-/tmp/nginx/nginx.conf}"

placeholders=$(grep -o '\${[A-Z_][A-Z0-9_]*}' "$template" | sort -u)
missing=""
for placeholder in $placeholders; do
  name=${placeholder#??}
  name=${name%?}
  [ -n "$(printenv "$name" || true)" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "fastr-nginx: $template needs a value for:$missing" >&2
  exit 64
fi

mkdir -p "$(dirname "$config")" "$NGINX_TEMP_DIR"
# shellcheck disable=SC2086 # one space-separated list of placeholders is envsubst's format
envsubst "$(echo $placeholders)" <"$template" >"$config"
exec nginx -c "$config" "$@"
