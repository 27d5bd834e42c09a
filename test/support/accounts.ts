import { createFastrClient } from "../../routers/client.ts";

let emailCounter = 0;
/** A unique address per call, so tests sharing a shop never collide. */
export const uniqueEmail = (prefix = "shopper") =>
  `${prefix}-${Date.now().toString(36)}-${++emailCounter}@example.test`;

/** What `auth.login` and `auth.signup` answer. */
export type Grant = Awaited<ReturnType<ReturnType<typeof createFastrClient>["auth"]["login"]["mutate"]>>;

/**
 * How a client reaches a shop at `url`, whatever runs behind it: typed clients, raw HTTP, and fresh
 * customers and staff signed in over HTTP. `signInStaff` makes a staff account the way that shop's
 * operator would and signs it in.
 * @example const api = publicApi(url, () => makeStaffAndLogin()); const { client } = await api.customer();
 */
export function publicApi(url: string, signInStaff: () => Promise<Grant>) {
  const client = (token?: string) =>
    createFastrClient({ baseUrl: url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    url,
    /** A typed client; with a token it signs in by Bearer header. */
    client,
    /** A raw HTTP call, for wire-level assertions (cookies, status codes, malformed bodies). */
    fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init),
    /** Signs up a fresh customer and returns their token and client. */
    async customer(name = "Ada Shopper") {
      const email = uniqueEmail();
      const password = "correct horse battery";
      const grant = await client().auth.signup.mutate({ email, password, name });
      return { ...grant, email, password, client: client(grant.token) };
    },
    /** A staff member, signed in over HTTP. */
    async staff() {
      const grant = await signInStaff();
      return { ...grant, client: client(grant.token) };
    },
  };
}
export type PublicApi = ReturnType<typeof publicApi>;
