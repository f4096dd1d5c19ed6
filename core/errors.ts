// Errors meant for the person at the terminal: the CLI prints `message` on one line (no stack)
// and exits with `exitCode`. Anything else that escapes is a bug and is printed in full.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
