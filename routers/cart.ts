import {
  AddItemInput,
  CART_COOKIE,
  type Cart,
  type CartOwner,
  CartViewInput,
  GUEST_CART_LIFETIME_MS,
  RemoveItemInput,
  SetQuantityInput,
} from "../contracts/cart.ts";
import type { Context } from "./context.ts";
import { checkOrigin, publicProcedure, router } from "./trpc.ts";

/** A signed-in user's cart, or the guest cart the request's token names (none yet: a new one on first add). */
const cartProcedure = publicProcedure.use(async ({ ctx, type, next }) => {
  const session = await ctx.session();
  const owner: CartOwner = session ? { userId: session.user.id } : { token: ctx.cartToken?.token ?? null };
  if (type === "mutation") checkOrigin(ctx, session ? session.source : ctx.cartToken?.source);
  return next({ ctx: { owner } });
});

/** Hands a newly minted guest token to the browser as a cookie (it is in the response body too). */
const remember = (ctx: Context, cart: Cart) => {
  if (cart.token && cart.token !== ctx.cartToken?.token) {
    ctx.setCookie(CART_COOKIE, cart.token, { maxAgeSeconds: GUEST_CART_LIFETIME_MS / 1000 });
  }
  return cart;
};

export const cartRouter = router({
  get: cartProcedure
    .input(CartViewInput)
    .query(({ ctx, input }) => ctx.services.cart.get(ctx.owner, input ?? {})),
  addItem: cartProcedure
    .input(AddItemInput)
    .mutation(async ({ ctx, input }) => remember(ctx, await ctx.services.cart.addItem(ctx.owner, input))),
  setQuantity: cartProcedure
    .input(SetQuantityInput)
    .mutation(({ ctx, input }) => ctx.services.cart.setQuantity(ctx.owner, input)),
  removeItem: cartProcedure
    .input(RemoveItemInput)
    .mutation(({ ctx, input }) => ctx.services.cart.removeItem(ctx.owner, input.variantId)),
  clear: cartProcedure.mutation(({ ctx }) => ctx.services.cart.clear(ctx.owner)),
});
