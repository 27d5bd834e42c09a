import { TRPCError } from "@trpc/server";
import type { SessionGrant } from "../contracts/auth.ts";
import { LoginInput, SignupInput } from "../contracts/auth.ts";
import { CART_COOKIE, type CartMergeReport } from "../contracts/cart.ts";
import { type Context, SESSION_COOKIE } from "./context.ts";
import { publicProcedure, router } from "./trpc.ts";

/**
 * Signs the browser in, and moves whatever the guest put in a cart into the account's cart; when a
 * guest cart was merged, the answer says so (`cartMerge`), with every line that was left out and why.
 */
async function startSession(
  ctx: Context,
  grant: SessionGrant,
): Promise<SessionGrant & { cartMerge?: CartMergeReport }> {
  ctx.setCookie(SESSION_COOKIE, grant.token, {
    maxAgeSeconds: Math.max(0, Math.floor((grant.expiresAt.getTime() - Date.now()) / 1000)),
  });
  if (!ctx.cartToken) return grant;
  const cartMerge = await ctx.services.cart.merge(ctx.cartToken.token, grant.user.id);
  if (ctx.cartToken.source === "cookie") ctx.setCookie(CART_COOKIE, "", { maxAgeSeconds: 0 });
  return cartMerge ? { ...grant, cartMerge } : grant;
}

export const authRouter = router({
  signup: publicProcedure.input(SignupInput).mutation(async ({ ctx, input }) => {
    return startSession(ctx, await ctx.services.auth.signup(input, { ip: ctx.ip }));
  }),

  login: publicProcedure.input(LoginInput).mutation(async ({ ctx, input }) => {
    return startSession(ctx, await ctx.services.auth.login(input, { ip: ctx.ip }));
  }),

  /** Ends the caller's session (if any) and clears the cookie; calling it twice is harmless. */
  logout: publicProcedure.mutation(async ({ ctx }) => {
    const session = await ctx.session();
    if (session?.source === "cookie" && !ctx.originAllowed) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: "cross-site request refused: the Origin header is missing or not allowed",
      });
    }
    if (session) await ctx.services.auth.logout(session.id);
    ctx.setCookie(SESSION_COOKIE, "", { maxAgeSeconds: 0 });
    return { ok: true as const };
  }),

  me: publicProcedure.query(async ({ ctx }) => (await ctx.session())?.user ?? null),
});
