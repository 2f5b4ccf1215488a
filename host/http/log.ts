// The adapters' default log sink and how they describe a failure in it.

/** logToStderr is the default Log: one JSON line per call (through console.error, so it works on Workers too). */
export function logToStderr(level: 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>): void {
  console.error(JSON.stringify({ level, message, ...context }));
}

/** describeError is an error's stack (or message), or the thrown value as a string. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
