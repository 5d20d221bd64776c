/**
 * A server the report could not check (unreachable, authentication failed):
 * the report's exit 3. The message names the server and endpoint and the
 * driver's reason, never the URL (which holds the password).
 */
export class CouldNotCheck extends Error {
  constructor(server: string, endpoint: string, cause: unknown) {
    super(`${server} at ${endpoint}: ${reasonOf(cause)}`);
    this.name = "CouldNotCheck";
  }
}

function reasonOf(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  // Driver errors name the host and user, never the password; anything URL-shaped is cut anyway.
  return message.replace(/[a-z]+:\/\/\S+/gi, "<url>");
}
