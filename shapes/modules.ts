import type { ServiceModule } from "../platform/module.ts";
import { authModule } from "../services/auth/module.ts";
import { cartModule } from "../services/cart/module.ts";
import { notificationModule } from "../services/notification/module.ts";
import { orderModule } from "../services/order/module.ts";
import { paymentModule } from "../services/payment/module.ts";
import { productModule } from "../services/product/module.ts";
import { userModule } from "../services/user/module.ts";

/** Every service, each after the services it calls. */
export const modules = [
  productModule,
  cartModule,
  authModule,
  userModule,
  paymentModule,
  orderModule,
  notificationModule,
] as const satisfies readonly ServiceModule[];
