import { connect, Socket } from 'node:net';
import { appWith } from './support/test-app';

/** What a raw connection saw: everything the server sent, and how the connection ended. */
interface Seen {
  text: string;
  /** `end`: the server closed in order (FIN); `reset`: ECONNRESET. */
  ending: 'end' | 'reset';
}

/** A raw TCP connection to the app: write what a fetch would never send, read every byte that comes back. */
class RawConnection {
  private readonly socket: Socket;
  private received = '';
  readonly closed: Promise<Seen>;

  constructor(baseUrl: string) {
    const { hostname, port } = new URL(baseUrl);
    this.socket = connect(Number(port), hostname);
    let ending: Seen['ending'] = 'end';
    this.socket.on('data', (chunk) => (this.received += chunk.toString('latin1')));
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') ending = 'reset';
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve({ text: this.received, ending })));
  }

  write(data: string): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Waits until what was received holds `count` complete responses (a Content-Length body each). */
  async responses(count: number): Promise<string> {
    for (;;) {
      if (completeResponses(this.received) >= count) return this.received;
      if (this.socket.destroyed) throw new Error(`connection closed after ${JSON.stringify(this.received.slice(0, 300))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Keeps writing `chunk` until the server closes the connection; resolves with how many were written. */
  async writeUntilClosed(chunk: string): Promise<number> {
    let written = 0;
    while (!this.socket.destroyed && this.socket.writable) {
      await new Promise<void>((resolve) => this.socket.write(chunk, () => resolve()));
      written++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return written;
  }
}

function completeResponses(text: string): number {
  let count = 0;
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return count;
    const length = Number(/content-length:\s*(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    if (rest.length < end + 4 + length) return count;
    count++;
    rest = rest.slice(end + 4 + length);
  }
}

function statusLines(text: string): string[] {
  return text.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? [];
}

function lastBody(text: string): unknown {
  return JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4));
}

describe('slow and oversized clients', () => {
  const app = appWith({ REQUEST_TIMEOUT: '2s' });

  describe('REQUEST_TIMEOUT', () => {
    it('answers a body that never arrives 408 REQUEST_TIMEOUT and closes the connection', async () => {
      const connection = new RawConnection(app().url);
      await connection.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{');
      const seen = await connection.closed;
      expect(statusLines(seen.text)).toEqual(['HTTP/1.1 408 Request Timeout']);
      expect(lastBody(seen.text)).toEqual({ statusCode: 408, error: 'Request Timeout', code: 'REQUEST_TIMEOUT', message: expect.any(String) });
    });

    it('answers headers that never finish 408 as well', async () => {
      const connection = new RawConnection(app().url);
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      const seen = await connection.closed;
      expect(statusLines(seen.text)).toEqual(['HTTP/1.1 408 Request Timeout']);
      expect(lastBody(seen.text)).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    });

    it('leaves a kept-alive connection between requests alone', async () => {
      const connection = new RawConnection(app().url);
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await connection.responses(1);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      const seen = await connection.closed;
      expect(statusLines(seen.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    });
  });

  describe('an oversized header on a connection that already answered a request', () => {
    it('is answered 431 REQUEST_TOO_LARGE, then the connection is closed in order', async () => {
      const connection = new RawConnection(app().url);
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await connection.responses(1);
      await connection.write(`GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      const seen = await connection.closed;
      expect(statusLines(seen.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 431 Request Header Fields Too Large']);
      expect(lastBody(seen.text)).toMatchObject({ statusCode: 431, code: 'REQUEST_TOO_LARGE' });
      expect(seen.ending).toBe('end');
    });

    it('reaches a client that is still sending: it reads the answer, and the connection ends in order, not with a reset', async () => {
      const connection = new RawConnection(app().url);
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await connection.responses(1);
      await connection.write('GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: ');
      const writing = connection.writeUntilClosed('a'.repeat(4096));
      const seen = await connection.closed;
      expect(await writing).toBeGreaterThan(3);
      expect(statusLines(seen.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 431 Request Header Fields Too Large']);
      expect(seen.ending).toBe('end');
    });
  });
});
