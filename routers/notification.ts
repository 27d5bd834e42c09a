import { ListEmailsInput } from "../contracts/notification.ts";
import { authedProcedure, router } from "./trpc.ts";

export const notificationRouter = router({
  list: authedProcedure
    .input(ListEmailsInput)
    .query(({ ctx, input }) => ctx.services.notification.list(ctx.user.id, input)),
});
