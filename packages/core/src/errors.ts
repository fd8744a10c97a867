/**
 * Named error classes, matched on `.name`. Only programmer errors throw (bad config, misuse of the
 * API); operating errors (malformed bytes, unknown peers) are returned as values and counted.
 */

/** A detector configuration value is out of range or inconsistent. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
}

/** An internal invariant or an API precondition was violated (a bug in the caller or in core). */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Throws an {@link AssertionError} when `condition` is false. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
