import { createConnection, type Socket } from "node:net";

/** A reply from Redis: errors are returned, not thrown, so tests can assert on them. */
export type RespReply = string | number | null | RespReply[] | { error: string };

/** A minimal RESP2 client: one command at a time, enough to prove the rendered redis.conf. */
export class RespClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => resolve(new RespClient(socket)));
      socket.on("error", reject);
    });
  }

  async command(...args: (string | number)[]): Promise<RespReply> {
    const parts = args.map(String);
    this.socket.write(
      `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`,
    );
    for (;;) {
      const parsed = parse(this.buffer, 0);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.end);
        return parsed.value;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(buffer: Buffer, start: number): { value: RespReply; end: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", start);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString("utf8", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (String.fromCharCode(buffer[start])) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: { error: line }, end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      const items: RespReply[] = [];
      let position = next;
      for (let index = 0; index < count; index++) {
        const item = parse(buffer, position);
        if (!item) return undefined;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP reply: ${line}`);
  }
}
