/** A pino destination (startTestApp's `logDestination`) that keeps every line. */
export class LogCollector {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
  }

  /** Every line, parsed (a line that is not JSON fails the test that reads it). */

  entries(): any[] {
    return this.lines.map((line) => JSON.parse(line));
  }

  /** The completed-request line of the request `id`, once it is written. */

  async requestLine(id: string): Promise<any> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = this.entries().find((entry) => entry.req?.id === id && entry.res !== undefined);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no request line with req.id ${id}`);
  }
}
