import { kafkaTopics as busTopics } from "../../platform/bus/kafka.ts";

/**
 * The distributed shape's contract that compose.yaml and deploy/kubernetes must both follow: which
 * services exist, whom each one calls, and which secrets each one may see.
 */
export const fastrServices = ["auth", "user", "product", "cart", "order", "payment", "notification"] as const;
export type FastrService = (typeof fastrServices)[number];

/** Callee base URLs each service is given (`<CALLEE>_URLS`); nobody else's. */
export const calls: Record<FastrService, readonly FastrService[]> = {
  auth: ["cart"],
  user: ["auth"],
  product: ["auth"],
  cart: ["auth", "product"],
  order: ["auth", "cart", "product", "payment", "user"],
  payment: ["auth"],
  notification: ["auth"],
};

/** Secrets only one service uses; every other service must not be handed them. */
export const ownSecrets: Record<string, FastrService> = {
  STRIPE_SECRET_KEY: "payment",
  STRIPE_WEBHOOK_SECRET: "payment",
  SMTP_URL: "notification",
};

/** The Kafka topics the bus uses (one per aggregate type of the event contracts, and the dead letters). */
export const kafkaTopics = busTopics();

export const urlVariable = (service: FastrService) => `${service.toUpperCase()}_URLS`;

/** The `${NAME}` placeholders of nginx/nginx.conf.template. */
export async function nginxPlaceholders(): Promise<string[]> {
  const template = await Bun.file(new URL("../../nginx/nginx.conf.template", import.meta.url)).text();
  return [...new Set([...template.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))].sort();
}
