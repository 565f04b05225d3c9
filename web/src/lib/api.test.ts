import { describe, expect, it } from 'vitest';
import { Api, ApiError, type FetchFn } from './api';

interface Call {
  input: string;
  init: RequestInit | undefined;
}

function recording(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchFn: FetchFn = async (input, init) => {
    const call = { input, init };
    calls.push(call);
    return respond(call);
  };
  return { api: new Api(fetchFn), calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('Api', () => {
  it('posts the login as JSON with same-origin credentials', async () => {
    const session = { user: { id: 1, email: 'a@b.c', name: 'A', role: 'owner' }, org: { id: 1, name: 'Org' } };
    const { api, calls } = recording(() => json(200, session));
    await expect(api.login('a@b.c', 'secret')).resolves.toEqual(session);
    expect(calls[0]?.input).toBe('/api/v1/auth/login');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(calls[0]?.init?.credentials).toBe('same-origin');
    expect(new Headers(calls[0]?.init?.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ email: 'a@b.c', password: 'secret' });
  });

  it("surfaces the server's error code and message", async () => {
    const { api } = recording(() =>
      json(401, { error: { code: 'unauthenticated', message: 'email or password is wrong' } }),
    );
    const failure = await api.login('a@b.c', 'nope').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 401, code: 'unauthenticated', message: 'email or password is wrong' });
    expect((failure as ApiError).unauthenticated).toBe(true);
  });

  it('copes with an error body that is not JSON', async () => {
    const { api } = recording(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.me()).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway' });
  });

  it('turns a network failure into a readable error', async () => {
    const { api } = recording(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.version()).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('unwraps the device list and accepts 204 on logout', async () => {
    const { api, calls } = recording((call) =>
      call.input === '/api/v1/devices' ? json(200, { devices: [{ id: 1 }] }) : new Response(null, { status: 204 }),
    );
    await expect(api.devices()).resolves.toEqual([{ id: 1 }]);
    await expect(api.logout()).resolves.toBeUndefined();
    expect(calls[1]?.init?.method).toBe('POST');
  });

  it('creates an enrollment token for one use', async () => {
    const token = { id: 4, token: 'wte_x', uses: 1, expires_at: 1 };
    const { api, calls } = recording(() => json(201, token));
    await expect(api.createEnrollmentToken()).resolves.toEqual(token);
    expect(calls[0]?.input).toBe('/api/v1/enrollment-tokens');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ uses: 1 });
  });
});
