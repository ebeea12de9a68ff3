import { Cookie, CookieJar } from 'tough-cookie';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  /** Raw Set-Cookie header lines of this response. */
  setCookies: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body sent as is (with `headers` deciding its content type). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * A small HTTP client over real sockets with a cookie jar (tough-cookie: paths,
 * expiry and the `__Host-`/`__Secure-` prefix rules as RFC 6265 has them;
 * Secure cookies go over the loopback, as a browser sends them to localhost).
 * `bearer` and `csrfToken` are sent on every request when set.
 */
export class ApiClient {
  bearer?: string;
  csrfToken?: string;
  private readonly jar = new CookieJar(undefined, { allowSecureOnLocal: true, prefixSecurity: 'strict' });

  constructor(readonly baseUrl: string) {}

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body });
  }
  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('DELETE', path, { ...options, body });
  }

  /** The value of a cookie in the jar, whatever its path. */
  cookie(name: string): string | undefined {
    const found = this.storedCookies().find((cookie) => cookie.key === name);
    return found && decodeURIComponent(found.value);
  }

  cookieNames(): string[] {
    return this.storedCookies().map((cookie) => cookie.key);
  }

  /** Stores a cookie as the server would have set it (Secure, for the prefixes). */
  setCookie(name: string, value: string, path = '/'): void {
    this.jar.setCookieSync(`${name}=${value}; Path=${path}; Secure`, this.baseUrl);
  }

  clearCookies(): void {
    this.jar.removeAllCookiesSync();
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = {};
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    const cookieHeader = this.jar.getCookieStringSync(url);
    if (cookieHeader) headers.cookie = cookieHeader;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, options.headers);
    for (const [name, value] of Object.entries(headers)) if (value === undefined) delete headers[name];

    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.jar.setCookieSync(line, url);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, setCookies };
  }

  /** Every unexpired cookie of the jar. */
  private storedCookies(): Cookie[] {
    return this.jar.getCookiesSync(this.baseUrl, { allPaths: true });
  }
}

/** Parses one Set-Cookie line into its name, value and attributes (lower-cased keys). */
export function parseSetCookie(line: string): { name: string; value: string; attributes: Record<string, string | true> } {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const index = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const item of rest) {
    const eq = item.indexOf('=');
    if (eq === -1) attributes[item.toLowerCase()] = true;
    else attributes[item.slice(0, eq).toLowerCase()] = item.slice(eq + 1);
  }
  return { name: pair.slice(0, index), value: pair.slice(index + 1), attributes };
}
