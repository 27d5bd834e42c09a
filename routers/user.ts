import { ChangePasswordInput, UpdateProfileInput } from "../contracts/auth.ts";
import { AddAddressInput, AddressId, UpdateAddressInput } from "../contracts/user.ts";
import { authedProcedure, router } from "./trpc.ts";

export const userRouter = router({
  me: authedProcedure.query(({ ctx }) => ctx.services.user.me(ctx.user.id)),
  update: authedProcedure
    .input(UpdateProfileInput)
    .mutation(({ ctx, input }) => ctx.services.user.updateProfile(ctx.user.id, input)),
  changePassword: authedProcedure.input(ChangePasswordInput).mutation(async ({ ctx, input }) => {
    await ctx.services.user.changePassword(ctx.user.id, input, ctx.session.id);
    return { ok: true as const };
  }),
  addresses: router({
    list: authedProcedure.query(({ ctx }) => ctx.services.user.listAddresses(ctx.user.id)),
    get: authedProcedure
      .input(AddressId)
      .query(({ ctx, input }) => ctx.services.user.getAddress(ctx.user.id, input.id)),
    add: authedProcedure
      .input(AddAddressInput)
      .mutation(({ ctx, input }) => ctx.services.user.addAddress(ctx.user.id, input)),
    update: authedProcedure
      .input(UpdateAddressInput)
      .mutation(({ ctx, input }) => ctx.services.user.updateAddress(ctx.user.id, input)),
    remove: authedProcedure.input(AddressId).mutation(async ({ ctx, input }) => {
      await ctx.services.user.removeAddress(ctx.user.id, input.id);
      return { ok: true as const };
    }),
  }),
});
