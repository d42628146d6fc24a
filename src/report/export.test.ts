import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { chromiumPath, exportFigure, figureHtml, withFigureExporter, writeFigureHtml } from './export';
import { costBars, curriculumSchedules } from './figures';
import { descendants, isAlive } from '../util/process-guard';

const fig = costBars(
  [
    { name: 'simulator', parts: { GPU: 17.7 } },
    { name: 'Google </script><script>alert(1)</script>', parts: { API: 586.7 } },
  ],
  { title: 'Cost test' },
);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'zs-export-'));
const noChromium = fs.existsSync(chromiumPath()) ? false : `no Chromium at ${chromiumPath()} (apt-get install -y chromium, or set ZS_CHROMIUM)`;

test('figureHtml is standalone: plotly.js inlined, no remote script, trace text cannot close the script', () => {
  const html = figureHtml(fig, { width: 400, height: 300 });
  assert.ok(html.includes('plotly.js v'), 'bundle inlined');
  assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=\s*["']?(https?:)?\/\//i);
  assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'only the bundle and the newPlot scripts close');
  assert.ok(html.includes('Google \\u003c/script\\u003e'));
  assert.ok(html.includes('<title>Cost test</title>'));
});

test('writeFigureHtml: a directory gets <title slug>.html, an extension is replaced', () => {
  const dir = tmp();
  assert.equal(writeFigureHtml(fig, dir + '/'), path.join(dir, 'cost-test.html'));
  assert.equal(writeFigureHtml(fig, path.join(dir, 'x.png')), path.join(dir, 'x.html'));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['cost-test.html', 'x.html']);
});

test('a missing Chromium is named with the package to install', async () => {
  const saved = process.env.ZS_CHROMIUM;
  process.env.ZS_CHROMIUM = '/nonexistent/chromium';
  try {
    await assert.rejects(
      withFigureExporter(async () => 1),
      /Chromium not found at \/nonexistent\/chromium: .*apt-get install -y chromium.*ZS_CHROMIUM/,
    );
  } finally {
    if (saved === undefined) delete process.env.ZS_CHROMIUM;
    else process.env.ZS_CHROMIUM = saved;
  }
});

/** PNG header: signature, then IHDR width and height; plus the distinct byte values of the inflated pixel data. */
function readPng(file: string): { width: number; height: number; distinctBytes: number } {
  const buf = fs.readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: PNG signature`);
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const len = buf.readUInt32BE(at);
    if (buf.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(buf.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const pixels = zlib.inflateSync(Buffer.concat(idat));
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), distinctBytes: new Set(pixels).size };
}

test('PNG export of several figures through one exporter: sizes follow width × height × scale, and the images are drawn', { skip: noChromium }, async () => {
  const dir = tmp();
  const files = await withFigureExporter(async (exp) => {
    const a = await exp.export(fig, path.join(dir, 'cost'), { width: 400, height: 300, scale: 1 });
    const b = await exp.export(
      curriculumSchedules([
        {
          name: 'p',
          points: [
            { step: 0, p: 0 },
            { step: 9, p: 0.5 },
          ],
        },
      ]),
      dir,
      { width: 320, height: 200, scale: 2, html: false },
    );
    return [a, b];
  });
  assert.deepEqual(files[0], { png: path.join(dir, 'cost.png'), html: path.join(dir, 'cost.html') });
  assert.deepEqual(files[1], { png: path.join(dir, 'curriculum-probability-of-noisy-documents.png') });
  const a = readPng(files[0].png!);
  assert.deepEqual([a.width, a.height], [400, 300]);
  const b = readPng(files[1].png!);
  assert.deepEqual([b.width, b.height], [640, 400]);
  // A blank canvas inflates to a handful of byte values; bars, text and antialiasing give many.
  assert.ok(a.distinctBytes > 50 && b.distinctBytes > 50, `drawn pixels: ${a.distinctBytes}, ${b.distinctBytes}`);
  assert.ok(fs.statSync(files[0].png!).size > 5000);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['cost.html', 'cost.png', 'curriculum-probability-of-noisy-documents.png']);
});

test('the browser is closed when the callback fails, and the error comes through', { skip: noChromium }, async () => {
  await assert.rejects(
    withFigureExporter(async () => {
      throw new Error('cell failed');
    }),
    /^Error: cell failed$/,
  );
});

test('exportFigure with png: false needs no browser', async () => {
  const saved = process.env.ZS_CHROMIUM;
  process.env.ZS_CHROMIUM = '/nonexistent/chromium';
  try {
    const dir = tmp();
    assert.deepEqual(await exportFigure(fig, path.join(dir, 'f'), { png: false }), { html: path.join(dir, 'f.html') });
  } finally {
    if (saved === undefined) delete process.env.ZS_CHROMIUM;
    else process.env.ZS_CHROMIUM = saved;
  }
});

test(
  'SIGTERM during a PNG export ends the process (no HTML-only fallback, no exit 0) and Chromium with it',
  { skip: noChromium || (!fs.existsSync('/proc/self/stat') && 'needs /proc') },
  async () => {
    const dir = tmp();
    // What reproduce's figures do: PNG through Chromium, HTML only if that fails.
    const script = `
    const { exportFigure, writeFigureHtml } = require(${JSON.stringify(require.resolve('./export'))});
    const { costBars } = require(${JSON.stringify(require.resolve('./figures'))});
    const fig = costBars([{ name: 'a', parts: { GPU: 1 } }], { title: 't' });
    exportFigure(fig, ${JSON.stringify(path.join(dir, 'fig'))}).catch(() => writeFigureHtml(fig, ${JSON.stringify(path.join(dir, 'fallback'))}));
  `;
    const main = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: 'ignore' });
    const exited = new Promise<[number | null, string | null]>((resolve) => main.once('exit', (code, signal) => resolve([code, signal])));
    let browser: number[] = [];
    for (let waited = 0; browser.length === 0 && waited < 60_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      browser = descendants(main.pid!);
    }
    assert.ok(browser.length > 0, 'Chromium started');
    main.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.ok(code !== 0 || signal === 'SIGTERM', `exited with ${code ?? signal}`);
    assert.deepEqual(fs.readdirSync(dir), [], 'no fallback file written');
    for (let waited = 0; browser.some(isAlive) && waited < 5000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const left = browser.filter(isAlive);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    assert.deepEqual(left, [], 'Chromium ended with the process');
  },
);
