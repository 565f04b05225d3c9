// A small /api/0 server on 127.0.0.1 for the client and reporter tests: records every request
// and answers from a table the test can change (status per route, or "down" to close).
import http from 'node:http';

export async function startFakeAgent() {
  const agent = {
    requests: [],
    infoStatus: 200,
    bucketStatus: 200,
    heartbeatStatus: 200,
    pairStatus: 200,
    buckets: new Set(),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      agent.requests.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : null, headers: req.headers });
      const send = (status, value) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(value === undefined ? '' : JSON.stringify(value));
      };
      if (req.method === 'GET' && req.url === '/api/0/info') {
        return send(agent.infoStatus, { hostname: 'fake-host', version: 'v0', worktrace: { tracking: 'active', paired: true, url_mode: 'strip_query' } });
      }
      const bucket = /^\/api\/0\/buckets\/([^/?]+)$/.exec(req.url);
      if (req.method === 'POST' && bucket) {
        if (agent.bucketStatus !== 200) return send(agent.bucketStatus, { error: { code: 'x', message: 'no' } });
        if (agent.buckets.has(bucket[1])) return send(304);
        agent.buckets.add(bucket[1]);
        return send(200, {});
      }
      const beat = /^\/api\/0\/buckets\/([^/?]+)\/heartbeat\?pulsetime=65$/.exec(req.url);
      if (req.method === 'POST' && beat) {
        if (!agent.buckets.has(beat[1])) return send(404, { error: { code: 'not_found', message: 'no such bucket' } });
        return send(agent.heartbeatStatus, {});
      }
      if (req.method === 'POST' && req.url === '/api/0/worktrace/pair') {
        if (agent.pairStatus === 200) return send(200, { paired: true, origin: 'chrome-extension://x' });
        return send(agent.pairStatus, { error: { code: 'forbidden', message: 'the code does not match' } });
      }
      return send(404, { error: { code: 'not_found', message: req.url } });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent.port = server.address().port;
  agent.address = `http://127.0.0.1:${agent.port}`;
  agent.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); });
  agent.paths = () => agent.requests.map((r) => `${r.method} ${r.url}`);
  return agent;
}

/** A free port with nothing listening on it (closed again at once). */
export async function deadAddress() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
