import { scrubValues } from '../../shared/redact.js';

/**
 * SSM Parameter Store failed to read or write a parameter: the message names SSM and the
 * parameter (or the path read), never a value; the SDK's error is the cause, which the failure
 * classification reads (throttling and 5xx are temporary, AccessDenied needs a person).
 */
export class SsmParameterError extends Error {
  override name = 'SsmParameterError';
  /** What to do when a permission is missing: which action on which parameters. */
  readonly fix?: string;

  constructor(message: string, options: { cause: unknown; fix?: string }) {
    super(message, { cause: options.cause });
    if (options.fix) this.fix = options.fix;
  }
}

const isAccessDenied = (error: unknown) => /AccessDenied/.test(String((error as { name?: unknown })?.name));

/**
 * Wraps an SSM failure: `cannot read SSM parameters under /wxa/apps/shop: Rate exceeded`. `values`
 * are what was being written, taken out of the message should the service quote one.
 */
export function ssmFailure(
  doing: string,
  error: unknown,
  grant: string,
  values: readonly string[] = [],
): SsmParameterError {
  // Powertools Parameters wraps the SDK's error (GetParameterError); its message is the SDK's.
  const message = scrubValues(error instanceof Error ? error.message : String(error), values);
  return new SsmParameterError(`cannot ${doing}: ${message}`, {
    cause: error,
    ...(isAccessDenied(error) || isAccessDenied((error as { cause?: unknown })?.cause)
      ? { fix: `a permission is missing: grant ${grant}` }
      : {}),
  });
}
