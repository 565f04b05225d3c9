/** A failed API call: the server's `{"error":{"code","message"}}`, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds from the Retry-After header of a 429/503, when the server sent one. */
  readonly retryAfterS: number | null;

  constructor(status: number, code: string, message: string, retryAfterS: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }

  get unauthenticated(): boolean {
    return this.status === 401;
  }

  /** The organization requires 2FA for the caller, who has not set it up (403). */
  get mfaSetupRequired(): boolean {
    return this.status === 403 && kMfaRequiredPattern.test(this.message);
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** What the client tells the app about, whichever call ran into it. */
export interface ClientEvents {
  /** A 401 on an authenticated call: the session is gone. */
  onUnauthenticated?: (error: ApiError) => void;
  /** A 403 "two-factor authentication is required by your organization". */
  onMfaRequired?: (error: ApiError) => void;
}

export interface CallOptions {
  /** Sign-in style calls: a 401 is the answer itself, not a lost session. */
  anonymous?: boolean;
}

const kMaxMessageLength = 300;
const kMaxRetryAfterS = 24 * 3600;
const kMfaRequiredPattern = /two-factor authentication is required/i;
const kUnsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Retry-After in whole seconds (delta form only), or null when absent or unusable. */
export function parseRetryAfter(value: string | null): number | null {
  if (value === null || !/^\d{1,9}$/.test(value.trim())) return null;
  return Math.min(Number(value.trim()), kMaxRetryAfterS);
}

/** The message shown for a failure: a 429 says when to try again unless the server already did. */
export function describeFailure(status: number, message: string, retryAfterS: number | null): string {
  if (status !== 429 || retryAfterS === null || /try again in/i.test(message)) return message;
  return `${message} (try again in ${retryAfterS} s)`;
}

/** Reads the error from a failed response; never throws. */
async function errorFrom(response: Response): Promise<ApiError> {
  let code = 'http_' + response.status;
  let message = response.statusText || `The server answered ${response.status}`;
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === 'string') code = error.code;
    if (typeof error?.message === 'string' && error.message.length > 0) {
      message = error.message.slice(0, kMaxMessageLength);
    }
  } catch {
    // Not JSON (a proxy's error page, say): keep the status text.
  }
  const retryAfterS = parseRetryAfter(response.headers.get('Retry-After'));
  return new ApiError(response.status, code, describeFailure(response.status, message, retryAfterS), retryAfterS);
}

/**
 * The transport under Api: JSON in and out, same-origin cookies, the session's CSRF token on
 * every unsafe method, and the app-wide reactions to 401 and "2FA required". Single-threaded
 * (browser event loop). `fetchFn` is the seam tests replace.
 */
export class ApiClient {
  private readonly fetchFn: FetchFn;
  private csrfToken = '';
  events: ClientEvents = {};

  constructor(fetchFn: FetchFn = (input, init) => fetch(input, init)) {
    this.fetchFn = fetchFn;
  }

  /** Remembers the CSRF token of the current session ('' when signed out). */
  setCsrfToken(token: string | undefined): void {
    this.csrfToken = token ?? '';
  }

  get hasCsrfToken(): boolean {
    return this.csrfToken.length > 0;
  }

  protected async call<T>(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<T | undefined> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, credentials: 'same-origin', headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (kUnsafeMethods.has(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetchFn(path, init);
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (error.unauthenticated && !options.anonymous) {
        this.csrfToken = '';
        this.events.onUnauthenticated?.(error);
      } else if (error.mfaSetupRequired) {
        this.events.onMfaRequired?.(error);
      }
      throw error;
    }
    if (response.status === 204) return undefined;
    return (await response.json()) as T;
  }

  protected async callJson<T>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T> {
    const result = await this.call<T>(method, path, body, options);
    if (result === undefined) {
      throw new ApiError(502, 'empty_response', 'The server sent no data.');
    }
    return result;
  }
}

/** `path?key=value&...` for the defined, non-empty values. */
export function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A message for any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
