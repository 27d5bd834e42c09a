import { z } from "zod";
import { Cursor, Id, PagingDirection, wholeNumber } from "./common.ts";

/** An e-mail the shop wrote to a customer, as they can list it. */
export const EmailMessage = z.object({
  id: Id,
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  /** The event that caused it (`order.paid`, …). */
  kind: z.string(),
  status: z.enum(["pending", "sent", "stored", "dead"]),
  createdAt: z.date(),
});
export type EmailMessage = z.infer<typeof EmailMessage>;

export const ListEmailsInput = z
  .strictObject({
    cursor: Cursor.optional(),
    direction: PagingDirection,
    limit: wholeNumber(1, 100).default(20),
  })
  .default({ limit: 20 });
export type ListEmailsInput = z.infer<typeof ListEmailsInput>;

/** The notification service as routers see it. */
export interface NotificationApi {
  /** The user's emails, newest first. */
  list(userId: string, input: ListEmailsInput): Promise<{ items: EmailMessage[]; nextCursor: string | null }>;
}
