import type { ServiceName } from "../../platform/module.ts";

/**
 * Whom each service calls over the internal API. Every service checks sessions with auth; beyond
 * that: user → auth (profiles), cart → product (prices, stock), auth → cart (the guest cart joins
 * the account at sign-in), order → cart, product, payment, user (the checkout).
 */
export const callees: Record<ServiceName, readonly ServiceName[]> = {
  auth: ["cart"],
  user: ["auth"],
  product: ["auth"],
  cart: ["auth", "product"],
  order: ["auth", "cart", "product", "payment", "user"],
  payment: ["auth"],
  notification: ["auth"],
};
