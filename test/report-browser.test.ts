/**
 * index.html of `losslens report` in a real browser: headless Chromium loads the page from
 * disk, the page's own load handler counts decoded images (naturalWidth > 0) and visible
 * findings, and its figure script the figures drawn live, into <body data-…>, and --dump-dom hands the DOM back. Chromium is installed with
 * apt-get when missing and we run as root; otherwise these tests are skipped with the reason.
 * LOSSLENS_CHROMIUM=/path/to/chrome picks another browser binary.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from './helpers/run-cli.js';
import { deepReport, readSummary, spiralReport } from './helpers/report-runs.js';

let tmp: string;
let browser: string | undefined;
let skipReason = '';

function findBrowser(): string | undefined {
  const names = [process.env.LOSSLENS_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean) as string[];
  for (const n of names) {
    const r = spawnSync('sh', ['-c', `command -v "${n}"`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

function sh(cmd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(e) });
    });
  });
}

async function ensureBrowser(): Promise<void> {
  browser = findBrowser();
  if (browser) return;
  if (process.getuid?.() !== 0) {
    skipReason = 'chromium is not installed and we are not root to apt-get install it';
    return;
  }
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    skipReason = 'chromium is not installed and apt-get is not available';
    return;
  }
  const r = await sh('apt-get update && apt-get install -y chromium', 9 * 60_000);
  browser = findBrowser();
  if (!browser) skipReason = `chromium could not be installed (apt-get exit ${r.code}: ${r.output.trim().split('\n').slice(-1)[0] ?? ''})`;
}

/** Load a page headless and return its DOM after the load event. */
async function dumpDom(file: string): Promise<string> {
  const url = pathToFileURL(file).href;
  const r = await sh(
    `"${browser}" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --virtual-time-budget=10000 --dump-dom "${url}" 2>/dev/null`,
    60_000,
  );
  expect(r.code, r.output.slice(-500)).toBe(0);
  return r.output;
}

/** Text as the DOM serialiser writes it (only &, <, > escaped in text nodes). */
const domText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const attr = (dom: string, name: string) => new RegExp(`<body[^>]*\\b${name}="([^"]*)"`).exec(dom)?.[1];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-browser-'));
  await ensureBrowser();
  if (!browser) console.warn(`report-browser tests skipped: ${skipReason}`);
}, 10 * 60_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('report index.html in headless Chromium', () => {
  it('every figure loads beside the page and every finding is shown; without the PNGs none load', async (ctx) => {
    if (!browser) ctx.skip(skipReason);
    const out = path.join(tmp, 'spiral');
    const r = await runCli(spiralReport(out, ['--quiet']));
    expect(r.code, r.stderr).toBe(0);
    const summary = await readSummary(out);
    const nFig = summary.report.figures.length;
    const nFind = summary.findings.length;
    expect(nFig).toBeGreaterThanOrEqual(7);
    const dom = await dumpDom(path.join(out, 'index.html'));
    expect(attr(dom, 'data-images-loaded')).toBe(`${nFig}/${nFig}`);
    expect(attr(dom, 'data-findings-shown')).toBe(`${nFind}/${nFind}`);
    expect(attr(dom, 'data-figures-live')).toBe(`${nFig}/${nFig}`); // each figure also drawn live from its spec
    for (const f of summary.findings) expect(dom).toContain(domText(f.message));
    // negative control: the page alone, without its PNGs, must report the images as missing
    const alone = path.join(tmp, 'alone');
    await fs.mkdir(alone);
    await fs.copyFile(path.join(out, 'index.html'), path.join(alone, 'index.html'));
    const aloneDom = await dumpDom(path.join(alone, 'index.html'));
    expect(attr(aloneDom, 'data-images-loaded')).toBe(`0/${nFig}`);
    expect(attr(aloneDom, 'data-figures-live')).toBe(`${nFig}/${nFig}`); // the specs travel inside the page
  }, 180_000); // a report run and two page loads: generous for a loaded machine

  it('--embed: the page alone shows every figure and the vanishing-gradient finding', async (ctx) => {
    if (!browser) ctx.skip(skipReason);
    const out = path.join(tmp, 'deep');
    const r = await runCli(deepReport(out, ['--embed', '--quiet']));
    expect(r.code, r.stderr).toBe(0);
    const summary = await readSummary(out);
    const nFig = summary.report.figures.length;
    const alone = path.join(tmp, 'deep-alone');
    await fs.mkdir(alone);
    await fs.copyFile(path.join(out, 'index.html'), path.join(alone, 'index.html'));
    const dom = await dumpDom(path.join(alone, 'index.html'));
    expect(attr(dom, 'data-images-loaded')).toBe(`${nFig}/${nFig}`);
    expect(attr(dom, 'data-findings-shown')).toBe(`${summary.findings.length}/${summary.findings.length}`);
    expect(dom).toMatch(/data-code="vanishing-gradients"[^>]*>.*<strong>vanishing gradients<\/strong>/);
  }, 180_000); // a report run and two page loads: generous for a loaded machine
});
