/**
 * Exits with `code` once stdout and stderr have flushed. `process.exit` alone
 * drops output still queued for a pipe whose reader is slower than the writer
 * (`npm run -s plan -- prod --json | jq` received the first 64 KiB only).
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}
