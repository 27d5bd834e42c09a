import { z } from "zod";
import type { NotificationApi } from "../../contracts/notification.ts";
import { env } from "../../platform/config.ts";
import type { ServiceModule } from "../../platform/module.ts";
import type { RetryPolicy } from "../../platform/retry.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { notificationRouter } from "../../routers/notification.ts";
import { inbox } from "./db/schema.ts";
import { createNotificationService, mountMailbox, smtpTransport } from "./index.ts";

export const notificationConfig = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  SMTP_URL: env.url(/^smtps?$/, "smtp://user:pass@127.0.0.1:587").optional(),
  MAIL_FROM: z.string().min(3).default("fastr shop <shop@fastr.localhost>"),
  /** The /dev/mailbox page (every stored e-mail, no sign-in): on by default only when bound to loopback. */
  DEV_MAILBOX: env.bool().optional(),
});

const loopback = ["127.0.0.1", "localhost", "::1"];

/** Test knobs; production leaves them alone. */
type NotificationDeps = { sendRetry?: RetryPolicy };

/** E-mails for what happens to accounts and orders, sent over SMTP (or stored, without one). */
export const notificationModule = {
  name: "notification",
  migrations: serviceMigrations("notification", import.meta.dir),
  outboxes: [],
  inboxes: [inbox],
  config: notificationConfig,
  calls: [],
  router: notificationRouter,
  create(ports, deps: NotificationDeps, config) {
    const transport = config.SMTP_URL ? smtpTransport(config.SMTP_URL) : null;
    const notifications = createNotificationService(ports, {
      transport,
      from: config.MAIL_FROM,
      ...(deps.sendRetry && { retry: deps.sendRetry }),
    });
    const mailbox = config.DEV_MAILBOX ?? loopback.includes(config.HOST);
    return {
      api: notifications.api,
      consumers: [notifications.consumer],
      ...(mailbox && { mount: (app) => mountMailbox(app, ports.db) }),
      start: () => notifications.start(),
      flush: () => notifications.deliverDue(),
      async stop() {
        await notifications.stop();
        await transport?.close();
      },
    };
  },
} satisfies ServiceModule<
  "notification",
  NotificationApi,
  NotificationDeps,
  z.infer<typeof notificationConfig>
>;
