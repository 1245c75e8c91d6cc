// Splits a watch response into its events: the apiserver writes one JSON
// document per line. Bytes are split on '\n' before decoding, so a multi-byte
// UTF-8 character cut across two chunks is decoded whole ('\n' never occurs
// inside a UTF-8 sequence).

export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
}

export class LineSplitter {
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  /** maxLineBytes bounds the memory one unterminated line may hold (a stream that never sends '\n'). */
  constructor(maxLineBytes = 64 * 1024 * 1024) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** The complete, non-blank lines that end in this chunk, without their line terminator. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      let line: string;
      if (this.#pending.length === 0) {
        line = chunk.toString('utf8', start, newline);
      } else {
        this.#pending.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#pending, this.#pendingBytes + newline - start).toString('utf8');
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      start = newline + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim().length > 0) lines.push(line);
    }
    if (start < chunk.length) {
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > this.#maxLineBytes) {
        this.#pending = [];
        this.#pendingBytes = 0;
        throw new LineTooLongError(`a line of the stream exceeds ${this.#maxLineBytes} bytes`);
      }
      // A copy: the transport may reuse the chunk's memory once this returns.
      this.#pending.push(Buffer.from(chunk.subarray(start)));
    }
    return lines;
  }

  /** At the end of the stream: the unterminated rest ("" when the stream ended on a line break). */
  finish(): string {
    const rest = this.#pending.length === 0 ? '' : Buffer.concat(this.#pending, this.#pendingBytes).toString('utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    return rest.trim();
  }
}
