/**
 * The lifecycle the capture test servers share: an HTTP server on an ephemeral
 * 127.0.0.1 port that counts its connections and, on stop, destroys the ones
 * still open (keep-alive clients would otherwise hold `close()` open).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export abstract class LoopbackServer {
  /** Connections accepted so far. */
  public connections = 0;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();

  /** The port it listens on (after `start()`). */
  public get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  public async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): void;
}
