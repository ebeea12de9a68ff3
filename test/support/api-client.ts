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

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A small HTTP client over real sockets with a cookie jar that honours Path
 * and Max-Age=0 (it sends Secure cookies over the loopback, as a browser does
 * for localhost). `bearer` and `csrfToken` are sent on every request when set.
 */
export class ApiClient {
  bearer?: string;
  csrfToken?: string;
  private readonly cookies = new Map<string, StoredCookie>();

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

  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  setCookie(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path });
  }

  clearCookies(): void {
    this.cookies.clear();
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    const cookieHeader = this.cookieHeaderFor(path);
    if (cookieHeader) headers.cookie = cookieHeader;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, options.headers);
    for (const [name, value] of Object.entries(headers)) if (value === undefined) delete headers[name];

    const response = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.store(line);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, setCookies };
  }

  private cookieHeaderFor(path: string): string {
    const pathname = path.split('?')[0];
    return [...this.cookies]
      .filter(([, cookie]) => pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private store(line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    const name = pair.slice(0, index);
    const value = decodeURIComponent(pair.slice(index + 1));
    const attribute = (key: string) =>
      attributes.find((item) => item.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const maxAge = attribute('max-age');
    if (maxAge !== undefined && Number(maxAge) <= 0) {
      this.cookies.delete(name);
      return;
    }
    this.cookies.set(name, { value, path: attribute('path') ?? '/' });
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
