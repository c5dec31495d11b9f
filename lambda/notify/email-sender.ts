/** One email, fully rendered, ready for any transport. */
export interface OutgoingEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly messageId: string;
  /** A stable name for local copies, e.g. `daily-wx123-2026-11-22`. */
  readonly slug: string;
  /** Files sent with it (the digest's whole ranking as CSV). @default none */
  readonly attachments?: readonly {
    readonly filename: string;
    readonly contentType: string;
    readonly content: string;
  }[];
}

export interface SentEmail {
  readonly messageId: string;
  /** Where it went: the SMTP answer, or the file written. */
  readonly detail: string;
}

/** The email port: SMTP, SES and the local outbox implement it. */
export interface EmailSender {
  send(email: OutgoingEmail): Promise<SentEmail>;
}

export class EmailDeliveryError extends Error {
  override name = 'EmailDeliveryError';
  /** The message already says what to do: `classifyFailure` adds nothing to it. */
  readonly explained: boolean;
  constructor(message: string, options?: { cause?: unknown; explained?: boolean }) {
    super(message, options);
    this.explained = options?.explained ?? false;
  }
}

/** The nodemailer message for an email: the same headers and parts whichever transport sends it. */
export function mailOptions(email: OutgoingEmail) {
  return {
    from: email.from,
    to: [...email.to],
    subject: email.subject,
    html: email.html,
    text: email.text,
    messageId: email.messageId,
    // File names outside ASCII go out as RFC 2231 parameters (nodemailer ≥ 9.0.4 keeps every character whole).
    attachments: (email.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
    // RFC 3834: an automated report; out-of-office replies and the like should not answer it.
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
}
