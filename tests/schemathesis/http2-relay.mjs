// An HTTP/1.1 front that sends every request on to the server over HTTP/2 (h2c, prior
// knowledge), as a proxy speaking HTTP/2 to its backends does: schemathesis's client speaks
// only HTTP/1.1, and this lets it test the server's HTTP/2 side. The server sees each request
// with its `:authority` (the server's own host) and no `Host`.
import http from 'node:http';
import http2 from 'node:http2';

/** Hop-by-hop headers, and Host, which HTTP/2 carries as `:authority`. */
const NOT_FORWARDED = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te',
]);

/** Starts the relay in front of `target` (`http://127.0.0.1:PORT`); answers its URL. */
export async function startHttp2Relay(target) {
  const authority = new URL(target).host;
  let session = null;
  const connect = () => {
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(target);
      session.on('error', () => { session = null; });
    }
    return session;
  };
  const server = http.createServer((request, response) => {
    const headers = { ':method': request.method, ':path': request.url, ':authority': authority };
    for (const [name, value] of Object.entries(request.headers)) {
      if (!NOT_FORWARDED.has(name)) headers[name] = value;
    }
    // Node ends a GET's or DELETE's stream at once unless told otherwise; a fuzzer sends
    // bodies with those too, and the server must see them as sent.
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0
      || request.headers['transfer-encoding'] !== undefined;
    const stream = connect().request(headers, { endStream: !hasBody });
    stream.on('response', (answer) => {
      const forwarded = Object.fromEntries(
        Object.entries(answer).filter(([name]) => !name.startsWith(':')),
      );
      response.writeHead(answer[':status'], forwarded);
      stream.pipe(response);
    });
    stream.on('error', (error) => response.destroy(error));
    request.pipe(stream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      session?.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
