/**
 * Errors a backend stage throws when the state it was handed cannot be advanced at any step
 * length (e.g. a potential whose Slotboom factor overflows the transport's arithmetic). The
 * Simulation does not retry such a failure from the state it started from (retrying with a
 * smaller step could only fail the same way); it rolls back further when it can, else stops.
 */
export class StateError extends Error {
  /** Marker the Simulation reads (duck-typed, like a lost device's `deviceLost`). */
  readonly dtIndependent = true;
  constructor(message: string) {
    super(message);
    this.name = 'StateError';
  }
}

/** Whether `e` is a failure that does not depend on the step length (see StateError). */
export function isDtIndependent(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { dtIndependent?: unknown }).dtIndependent === true;
}
