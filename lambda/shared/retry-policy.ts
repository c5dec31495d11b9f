import { backOff } from 'exponential-backoff';

/** Bounds on how hard one API call is tried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  readonly maxAttempts: number;
  /** Backoff before the first retry (before jitter). @default 500 */
  readonly baseDelayMs: number;
  /** Cap on a single backoff. @default 8000 */
  readonly maxDelayMs: number;
  /** No retry starts once this much time has passed since the first attempt. @default 60000 */
  readonly totalBudgetMs: number;
  /** Each HTTP exchange (connect, send, whole body) is abandoned after this. @default 10000 */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  totalBudgetMs: 60_000,
  requestTimeoutMs: 10_000,
};

/**
 * Runs `attempt` until it succeeds, `isRetryable` says no, or the policy's attempts or time budget
 * run out. Backoff is exponential with full jitter (AWS architecture blog), so many apps failing
 * together do not retry in lock-step.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  onRetry: (error: unknown, attemptNumber: number) => void = () => {},
): Promise<T> {
  const started = Date.now();
  let attemptNumber = 0;
  return backOff(
    () => {
      attemptNumber += 1;
      return attempt(attemptNumber);
    },
    {
      numOfAttempts: policy.maxAttempts,
      startingDelay: policy.baseDelayMs,
      maxDelay: policy.maxDelayMs,
      timeMultiple: 2,
      jitter: 'full',
      retry: (error, n) => {
        if (!isRetryable(error) || Date.now() - started >= policy.totalBudgetMs) return false;
        onRetry(error, n);
        return true;
      },
    },
  );
}
