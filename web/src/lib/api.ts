import type { Device, EnrollmentToken, Session, Version } from './types';

/** A failed API call: the server's `{"error":{"code","message"}}`, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

const kMaxMessageLength = 300;

/** Reads the error message from a failed response; never throws. */
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
  return new ApiError(response.status, code, message);
}

/** The dashboard's client for /api/v1. `fetchFn` is the seam tests replace. */
export class Api {
  private readonly fetchFn: FetchFn;

  constructor(fetchFn: FetchFn = (input, init) => fetch(input, init)) {
    this.fetchFn = fetchFn;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const init: RequestInit = {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    };
    if (body !== undefined) {
      init.headers = { ...init.headers, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetchFn(path, init);
    } catch {
      throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection.');
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined;
    return (await response.json()) as T;
  }

  private async callJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await this.call<T>(method, path, body);
    if (result === undefined) {
      throw new ApiError(502, 'empty_response', 'The server sent no data.');
    }
    return result;
  }

  me(): Promise<Session> {
    return this.callJson('GET', '/api/v1/me');
  }

  login(email: string, password: string): Promise<Session> {
    return this.callJson('POST', '/api/v1/auth/login', { email, password });
  }

  async logout(): Promise<void> {
    // An empty JSON object: cookie-authenticated writes carry application/json (the CSRF rule).
    await this.call('POST', '/api/v1/auth/logout', {});
  }

  version(): Promise<Version> {
    return this.callJson('GET', '/api/v1/version');
  }

  async devices(): Promise<Device[]> {
    const body = await this.callJson<{ devices: Device[] }>('GET', '/api/v1/devices');
    return body.devices;
  }

  createEnrollmentToken(uses = 1): Promise<EnrollmentToken> {
    return this.callJson('POST', '/api/v1/enrollment-tokens', { uses });
  }
}
