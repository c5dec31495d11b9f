/**
 * The HTTP bounds every AWS SDK client of the project gets. The SDK's own default waits forever: a
 * hung endpoint would hold a unit until the Lambda timeout, then come back from SQS with no
 * reason. With these, a hang is a `TimeoutError`, retried by the SDK, then classified as transient.
 */
export const AWS_HTTP_OPTIONS = {
  /** Connecting (TCP and TLS). */
  connectionTimeout: 5_000,
  /** The whole request and answer; archive objects are at most 1 MiB. */
  requestTimeout: 30_000,
  throwOnRequestTimeout: true,
} as const;
