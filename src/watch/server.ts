/**
 * `losslens watch DIR`: an HTTP server on a loopback address that serves the watch page (`/`), its event stream
 * (`/events`: run.json, new measurements, figures, polled every `pollMs`) and files inside DIR (`/files/…`).
 * GET and HEAD only; the Host header must name a loopback address with this port (DNS-rebinding guard); files
 * resolve inside DIR after symlinks (403 outside, 404 for folders: nothing is listed).
 */
import http from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { loopbackHost, resolveInside } from './paths.js';
import { watchPage } from './page.js';
import { openEventStream } from './events.js';

/** Where and how the server listens. */
export interface WatchServerOptions {
  dir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  pollMs?: number;
}

/** A running watch server: its URL and how to stop it. */
export interface WatchServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.json': 'application/json',
  '.jsonl': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Pages may run their own inline scripts (Vega compiles expressions) and reach this server only. */
const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

function refuse(res: http.ServerResponse, status: number, why: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(`${status} ${why}\n`);
}

async function serveFile(root: string, rel: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const r = await resolveInside(root, rel);
  if ('status' in r) return refuse(res, r.status, r.status === 403 ? 'outside the watched folder' : r.status === 404 ? 'not found' : 'bad path');
  res.writeHead(200, {
    'content-type': TYPES[path.extname(r.file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': r.size,
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(r.file).pipe(res);
}

/** Starts the server; resolves once it listens. */
export async function startWatchServer(o: WatchServerOptions): Promise<WatchServer> {
  const root = await fs.realpath(o.dir);
  const title = `losslens watch: ${path.basename(root)}`;
  const server = http.createServer((req, res) => {
    const port = (server.address() as { port: number }).port;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return refuse(res, 405, 'only GET and HEAD');
    }
    if (!loopbackHost(req.headers.host, port)) return refuse(res, 403, 'the Host header must name this loopback server');
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-store' });
      return void res.end(req.method === 'HEAD' ? undefined : watchPage({ live: true, title }));
    }
    if (url.pathname === '/events') return openEventStream(root, req, res, o.pollMs ?? 500);
    if (url.pathname.startsWith('/files/')) return void serveFile(root, url.pathname.slice(7), req, res).catch(() => refuse(res, 500, 'read failed'));
    refuse(res, 404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = o.host ?? '127.0.0.1';
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
