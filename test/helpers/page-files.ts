/**
 * Serve a page's files from memory through the DevTools protocol's Fetch domain: every request the page makes is
 * paused and answered from `files` (origin http://losslens.test), and any other URL is failed and recorded, so
 * that nothing leaves the machine and the test can say what tried to.
 */
import { promises as fs } from 'node:fs';
import type { Cdp, CdpPage } from './cdp-pipe.js';

export const PAGE_ORIGIN = 'http://losslens.test';

/** A served file: its path on disk or its text, and its content type. */
export interface PageFile {
  file?: string;
  text?: string;
  type: string;
}

/** Answer the page's requests from `files` (keyed by URL path); returns the list of refused URLs, filled as they come. */
export async function servePageFiles(cdp: Cdp, page: CdpPage, files: Record<string, PageFile>): Promise<string[]> {
  const refused: string[] = [];
  const bodies = new Map<string, Buffer>();
  for (const [p, f] of Object.entries(files)) bodies.set(p, f.file ? await fs.readFile(f.file) : Buffer.from(f.text ?? ''));
  cdp.on('Fetch.requestPaused', (ev, session) => {
    if (session !== page.sessionId) return;
    const url = new URL(ev.request.url);
    const body = url.origin === PAGE_ORIGIN ? bodies.get(url.pathname) : undefined;
    if (!body) {
      refused.push(ev.request.url);
      void page.send('Fetch.failRequest', { requestId: ev.requestId, errorReason: 'BlockedByClient' });
      return;
    }
    const headers = [{ name: 'Content-Type', value: files[url.pathname]!.type }];
    void page.send('Fetch.fulfillRequest', { requestId: ev.requestId, responseCode: 200, responseHeaders: headers, body: body.toString('base64') });
  });
  await page.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
  return refused;
}
