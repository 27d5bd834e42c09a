import { LoginInput, type SignedIn, SignupInput } from "../contracts/auth.ts";
import { CART_COOKIE } from "../contracts/cart.ts";
import { type Context, SESSION_COOKIE } from "./context.ts";
import { checkOrigin, publicProcedure, router } from "./trpc.ts";

/**
 * Hands the new session to the browser as a cookie. The auth service moved the guest's cart into the
 * account (the answer's `cartMerge` says what was left out), so the browser forgets the guest token.
 */
function startSession(ctx: Context, signedIn: SignedIn): SignedIn {
  ctx.setCookie(SESSION_COOKIE, signedIn.token, {
    maxAgeSeconds: Math.max(0, Math.floor((signedIn.expiresAt.getTime() - Date.now()) / 1000)),
  });
  if (ctx.cartToken?.source === "cookie") ctx.setCookie(CART_COOKIE, "", { maxAgeSeconds: 0 });
  return signedIn;
}

/** Who signs in, as the auth service needs to know: the client address, and the guest cart it holds. */
const attempt = (ctx: Context) => ({ ip: ctx.clientIp(), guestCartToken: ctx.cartToken?.token ?? null });

export const authRouter = router({
  signup: publicProcedure
    .input(SignupInput)
    .mutation(async ({ ctx, input }) =>
      startSession(ctx, await ctx.services.auth.signup(input, attempt(ctx))),
    ),

  login: publicProcedure
    .input(LoginInput)
    .mutation(async ({ ctx, input }) =>
      startSession(ctx, await ctx.services.auth.login(input, attempt(ctx))),
    ),

  /** Ends the caller's session (if any) and clears the cookie; calling it twice is harmless. */
  logout: publicProcedure.mutation(async ({ ctx }) => {
    const session = await ctx.session();
    checkOrigin(ctx, session?.source);
    if (session) await ctx.services.auth.logout(session.id);
    ctx.setCookie(SESSION_COOKIE, "", { maxAgeSeconds: 0 });
    return { ok: true as const };
  }),

  me: publicProcedure.query(async ({ ctx }) => (await ctx.session())?.user ?? null),
});
