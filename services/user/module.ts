import { z } from "zod";
import type { AuthApi } from "../../contracts/auth.ts";
import { userInternal } from "../../contracts/user.internal.ts";
import type { UserApi } from "../../contracts/user.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { internalRouter } from "../../routers/internal.ts";
import { userRouter } from "../../routers/user.ts";
import { createUserService } from "./index.ts";

type UserDeps = { auth: Pick<AuthApi, "getUser" | "updateProfile" | "changePassword"> };
const userConfig = z.object({});

/** Profiles (through auth, which owns identities) and address books. */
export const userModule = {
  name: "user",
  migrations: serviceMigrations("user", import.meta.dir),
  outboxes: [],
  inboxes: [],
  config: userConfig,
  calls: ["auth"],
  router: userRouter,
  internalRouter: (api) => internalRouter(userInternal, api),
  create: (ports, deps: UserDeps) => createUserService(ports, deps),
} satisfies ServiceModule<"user", UserApi, UserDeps, z.infer<typeof userConfig>>;
