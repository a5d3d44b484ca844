import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a Hono app on 127.0.0.1 (port 0 = a free one). Used for sandboxes in tests and benches. */
export function listen(app: Pick<Hono, 'fetch'>, port = 0, hostname = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve) => {
    let server: ServerType;
    server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      resolve({
        url: `http://${hostname}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
