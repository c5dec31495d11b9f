/** A file sent with an email (the digest's whole ranking as CSV, when the email shows its top). */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: string;
}

/** A report rendered for email: what every email transport sends. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** @default none */
  readonly attachments?: readonly EmailAttachment[];
}
