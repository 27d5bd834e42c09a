import { createTransport } from "nodemailer";

export type OutgoingMail = {
  /** `<local@domain>`: the email row's id is the local part, so a re-send is recognisable downstream. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
};

/** Where emails go. Resolves once the server accepted the message; rejects on any failure. */
export type MailTransport = {
  send(mail: OutgoingMail): Promise<void>;
  /** Closes pooled connections; whoever opened the transport closes it. */
  close?(): Promise<void>;
};

/**
 * Sends through an SMTP server with nodemailer, over a small pool of reused connections.
 * Timeouts are short so that a hung server fails an attempt (and it is retried) instead of
 * stalling the sender loop.
 * @example const transport = smtpTransport("smtp://user:pass@127.0.0.1:587"); … await transport.close();
 */
export function smtpTransport(url: string): MailTransport & { close(): Promise<void> } {
  const transporter = createTransport({
    url,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transporter.sendMail({
        messageId: mail.messageId,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    },
    async close() {
      transporter.close();
    },
  };
}
