import { z } from "zod";
import { Id } from "./common.ts";
import { type InternalContract, internal } from "./internal.ts";
import { Address, type UserApi } from "./user.ts";

/** What other services call on the user service: the checkout reads a saved address. */
export const userInternal = {
  getAddress: internal(z.tuple([Id, Id]), Address, { idempotent: true }),
} satisfies InternalContract<UserApi, "getAddress">;
