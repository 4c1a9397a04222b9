/**
 * A headless Chromium driven over the DevTools protocol through --remote-debugging-pipe (fd 3 in, fd 4 out,
 * NUL-terminated JSON): no WebSocket and no npm package needed. One browser per test file; pages are targets
 * attached with flat sessions. Every request a page makes is recorded (Network.requestWillBeSent).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Listener = (params: any, sessionId?: string) => void;

/** The browser binary: LOSSLENS_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH. */
export function findChromium(): string | undefined {
  const names = [process.env.LOSSLENS_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[];
  for (const n of names) {
    const r = spawnSync('sh', ['-c', `command -v "${n}"`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** A page (target) of the browser. */
export class CdpPage {
  /** URLs of every request the page made, in order. */
  readonly requests: string[] = [];
  constructor(
    private readonly cdp: Cdp,
    readonly sessionId: string,
  ) {}
  send(method: string, params: object = {}): Promise<any> {
    return this.cdp.send(method, params, this.sessionId);
  }
  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    const loaded = this.cdp.once('Page.loadEventFired', this.sessionId);
    await this.send('Page.navigate', { url });
    await loaded;
  }
  /** The value of a JS expression (promises awaited); throws the page's exception. */
  async eval<T = any>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }
  /** Polls `expression` until it is truthy (or throws after `ms`). */
  async waitFor<T = any>(expression: string, ms = 10_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await this.eval<T>(expression);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  mouse(type: 'mouseMoved' | 'mousePressed' | 'mouseReleased', x: number, y: number): Promise<any> {
    return this.send('Input.dispatchMouseEvent', {
      type,
      x,
      y,
      button: type === 'mouseMoved' ? 'none' : 'left',
      buttons: type === 'mouseReleased' ? 0 : 1,
      clickCount: 1,
    });
  }
  wheel(x: number, y: number, deltaY: number): Promise<any> {
    return this.send('Input.dispatchMouseEvent', { type: 'mouseWheel', x, y, deltaX: 0, deltaY });
  }
}

/** The browser process and its protocol pipe. */
export class Cdp {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<{ method: string; fn: Listener }>();
  private buf = '';
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buf += chunk;
      for (let k = this.buf.indexOf('\0'); k >= 0; k = this.buf.indexOf('\0')) {
        this.dispatch(JSON.parse(this.buf.slice(0, k)));
        this.buf = this.buf.slice(k + 1);
      }
    });
  }

  static async launch(browser: string): Promise<Cdp> {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-cdp-'));
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--remote-debugging-pipe'];
    const child = spawn(browser, [...args, `--user-data-dir=${dataDir}`, '--window-size=1200,900', 'about:blank'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    });
    return new Cdp(child, dataDir);
  }

  private dispatch(msg: any): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else p?.resolve(msg.result);
      return;
    }
    for (const l of [...this.listeners]) if (l.method === msg.method) l.fn(msg.params, msg.sessionId);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  on(method: string, fn: Listener): () => void {
    const l = { method, fn };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  once(method: string, sessionId?: string): Promise<any> {
    return new Promise((resolve) => {
      const off = this.on(method, (p, s) => {
        if (sessionId && s !== sessionId) return;
        off();
        resolve(p);
      });
    });
  }

  /** A new page with Page, Runtime and Network events on and every request recorded. */
  async newPage(): Promise<CdpPage> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(this, sessionId);
    this.on('Network.requestWillBeSent', (p, s) => s === sessionId && page.requests.push(p.request.url));
    await Promise.all(['Page.enable', 'Runtime.enable', 'Network.enable'].map((m) => page.send(m)));
    await page.send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false });
    return page;
  }

  async close(): Promise<void> {
    await this.send('Browser.close').catch(() => undefined);
    if (this.child.exitCode === null) {
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await new Promise((r) => this.child.once('exit', r));
      clearTimeout(killer);
    }
    await fs.rm(this.dataDir, { recursive: true, force: true });
  }
}
