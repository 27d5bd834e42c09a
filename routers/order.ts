import { CheckoutInput, ListAllOrdersInput, ListOrdersInput, OrderIdInput } from "../contracts/order.ts";
import { authedProcedure, router, staffProcedure } from "./trpc.ts";

export const orderRouter = router({
  /** Buys what is in the signed-in user's cart. The body carries no prices: the server prices everything. */
  checkout: authedProcedure
    .input(CheckoutInput)
    .mutation(({ ctx, input }) =>
      ctx.services.order.checkout({ userId: ctx.user.id, email: ctx.user.email, name: ctx.user.name }, input),
    ),
  get: authedProcedure
    .input(OrderIdInput)
    .query(({ ctx, input }) => ctx.services.order.get(ctx.user.id, input.id)),
  list: authedProcedure
    .input(ListOrdersInput)
    .query(({ ctx, input }) => ctx.services.order.list(ctx.user.id, input)),
  cancel: authedProcedure
    .input(OrderIdInput)
    .mutation(({ ctx, input }) => ctx.services.order.cancel(ctx.user.id, input.id)),
  listAll: staffProcedure
    .input(ListAllOrdersInput)
    .query(({ ctx, input }) => ctx.services.order.listAll(input)),
  fulfil: staffProcedure
    .input(OrderIdInput)
    .mutation(({ ctx, input }) => ctx.services.order.fulfil(input.id)),
});
