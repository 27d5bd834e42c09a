import { publicProcedure, router } from "./trpc.ts";

export const paymentRouter = router({
  /** The payment methods the storefront offers (Stripe's test methods while no card form exists). */
  methods: publicProcedure.query(({ ctx }) => ctx.services.payment.methods()),
});
