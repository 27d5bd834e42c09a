import type { AuthApi, ClientAttempt, SessionGrant, SignedIn } from "../../contracts/auth.ts";
import type { CartApi } from "../../contracts/cart.ts";

/**
 * Signing up or in moves the guest's cart into the account's under `addItem`'s rules, and the answer
 * says what was left out and why (ADR 022). A wrapper, so that what creates staff accounts (a script,
 * with no cart service) needs none.
 * @example const api = adoptingGuestCart(createAuthService(ports, options).api, deps.cart);
 */
export function adoptingGuestCart(auth: AuthApi, cart: Pick<CartApi, "merge">): AuthApi {
  const adopt = async (grant: SessionGrant, { guestCartToken }: ClientAttempt): Promise<SignedIn> => {
    if (!guestCartToken) return grant;
    const cartMerge = await cart.merge(guestCartToken, grant.user.id);
    return cartMerge ? { ...grant, cartMerge } : grant;
  };
  return {
    ...auth,
    signup: async (input, attempt) => adopt(await auth.signup(input, attempt), attempt),
    login: async (input, attempt) => adopt(await auth.login(input, attempt), attempt),
  };
}
