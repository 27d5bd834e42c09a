import { authRouter } from "./auth.ts";
import { cartRouter } from "./cart.ts";
import { notificationRouter } from "./notification.ts";
import { orderRouter } from "./order.ts";
import { paymentRouter } from "./payment.ts";
import { productRouter } from "./product.ts";
import { router } from "./trpc.ts";
import { userRouter } from "./user.ts";

/** One router per service; each is served at `/api/<service>/trpc`. */
export const serviceRouters = {
  auth: authRouter,
  user: userRouter,
  product: productRouter,
  cart: cartRouter,
  order: orderRouter,
  payment: paymentRouter,
  notification: notificationRouter,
};

/** The type clients import: `createFastrClient` turns `product.list` into `/api/product/trpc/list`. */
export const appRouter = router(serviceRouters);
export type AppRouter = typeof appRouter;
