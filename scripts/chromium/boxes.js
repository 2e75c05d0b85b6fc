#!/usr/bin/env node
// boxes.js renders hops' layout test pages with headless Chromium and
// writes each page's layout in the `hops render --boxes` JSON schema
// (issue 10), so that browser/page's Chromium test can score hops' layout
// against Chromium's without a browser.
//
//   cd scripts/chromium && npm ci   # playwright-core only; it downloads no browser
//   node boxes.js [--png] [DIR [PAGE.html ...]]
//
// DIR defaults to browser/testdata/chromium. Every PAGE.html there (or the
// ones named) is served over a local HTTP server (fonts need CORS, which
// file:// URLs do not give), opened in an 800x600 viewport of Debian's
// /usr/bin/chromium (CHROMIUM overrides), and written to PAGE.boxes.json
// (and PAGE.chromium.png with --png). Fontconfig is pointed at DIR/fonts
// with the generic families aliased to the Go fonts, so that `monospace`
// (pre, code) is Go Mono in Chromium as in hops; the pages themselves load
// the Go fonts through @font-face (fonts.css).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const png = args.includes('--png');
const rest = args.filter((a) => a !== '--png');
const dir = path.resolve(rest[0] || path.join(__dirname, '..', '..', 'browser', 'testdata', 'chromium'));
let pages = rest.slice(1);
if (pages.length === 0) pages = fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort();

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.ttf': 'font/ttf', '.png': 'image/png', '.gif': 'image/gif', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

function serve() {
  const srv = http.createServer((req, res) => {
    const p = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!p.startsWith(dir) || !fs.existsSync(p) || fs.statSync(p).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(p)] || 'application/octet-stream', 'Access-Control-Allow-Origin': '*' });
    res.end(fs.readFileSync(p));
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv)));
}

function fontconfig(tmp) {
  const conf = path.join(tmp, 'fonts.conf');
  const alias = (generic, family) => `<alias binding="strong"><family>${generic}</family><prefer><family>${family}</family></prefer></alias>`;
  fs.writeFileSync(conf, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
<dir>${path.join(dir, 'fonts')}</dir>
<cachedir>${path.join(tmp, 'fc-cache')}</cachedir>
${alias('monospace', 'Go Mono')}${alias('sans-serif', 'Go')}${alias('serif', 'Go')}
</fontconfig>
`);
  return conf;
}

// measure runs in the page: the --boxes schema.
function measure() {
  const sx = window.scrollX, sy = window.scrollY;
  const r3 = (v) => Math.round(v * 1000) / 1000;
  const out = { scroll_height: Math.max(window.innerHeight, document.documentElement.scrollHeight), elements: [], texts: [] };
  const hidden = (el) => {
    for (let e = el; e; e = e.parentElement) {
      if (e.localName === 'head') return true;
      if (getComputedStyle(e).display === 'none') return true;
    }
    return false;
  };
  const collapse = (s) => s.replace(/[ \t\n\r\f]+/g, ' ').trim();
  const lines = (node) => {
    // One line per line box: group the characters' rects by line.
    const res = [];
    const r = document.createRange();
    const s = node.data;
    let cur = null;
    for (let i = 0; i < s.length; i++) {
      r.setStart(node, i);
      r.setEnd(node, i + 1);
      const rects = r.getClientRects();
      if (rects.length === 0) {
        if (cur) cur.text += s[i];
        continue;
      }
      const b = rects[rects.length - 1];
      const blank = /[ \t\n\r\f]/.test(s[i]);
      if (cur && b.width > 0 && Math.abs(b.top - cur.top) > 0.5) {
        // A character on another line (they share a font, so a line's
        // characters share their top).
        // The breaking spaces at the end of the line hang: not counted.
        if (cur.solid !== null) cur.right = cur.solid;
        res.push(cur);
        cur = null;
      }
      if (!cur) {
        if (blank && b.width === 0) continue;
        cur = { left: b.left, top: b.top, right: b.right, bottom: b.bottom, text: '', solid: null };
      }
      cur.text += s[i];
      if (b.width > 0) {
        cur.left = Math.min(cur.left, b.left);
        cur.right = Math.max(cur.right, b.right);
        cur.bottom = Math.max(cur.bottom, b.bottom);
        if (!blank) cur.solid = cur.right;
      }
    }
    if (cur) res.push(cur);
    return res
      .filter((l) => l.right > l.left || collapse(l.text) !== '')
      .map((l) => ({ x: r3(l.left + sx), y: r3(l.top + sy), w: r3(l.right - l.left), h: r3(l.bottom - l.top), text: collapse(l.text) }));
  };
  const walk = (n, p, inBody) => {
    const counts = {};
    let textIndex = 0;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === Node.ELEMENT_NODE) {
        const tag = c.localName;
        counts[tag] = (counts[tag] || 0) + 1;
        const step = tag === 'html' || tag === 'head' || tag === 'body' ? tag : `${tag}[${counts[tag]}]`;
        const cp = p ? `${p}>${step}` : step;
        const e = { path: cp, tag, has_box: false, x: 0, y: 0, w: 0, h: 0 };
        if (!hidden(c)) {
          const b = c.getBoundingClientRect();
          Object.assign(e, { has_box: true, x: r3(b.left + sx), y: r3(b.top + sy), w: r3(b.width), h: r3(b.height) });
        }
        out.elements.push(e);
        walk(c, cp, inBody || tag === 'body');
      } else if (c.nodeType === Node.TEXT_NODE && inBody) {
        const ws = /^[ \t\n\r\f]*$/.test(c.data);
        const t = { parent_path: p, text_index: ws ? 0 : ++textIndex, whitespace_only: ws, lines: [] };
        if (!hidden(n)) t.lines = lines(c);
        out.texts.push(t);
      }
    }
  };
  walk(document, '', false);
  return out;
}

(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hops-chromium-'));
  const srv = await serve();
  const port = srv.address().port;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, FONTCONFIG_FILE: fontconfig(tmp) },
    // Playwright gives every launch a fresh, temporary --user-data-dir.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--hide-scrollbars', '--font-render-hinting=none'],
  });
  const ctx = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  for (const f of pages) {
    await page.goto(`http://127.0.0.1:${port}/${f}`, { waitUntil: 'load' });
    await page.evaluate(async () => {
      await document.fonts.ready;
      for (const ff of document.fonts) if (ff.status !== 'loaded') await ff.load().catch(() => {});
      await document.fonts.ready;
    });
    const boxes = await page.evaluate(measure);
    const base = f.replace(/\.html$/, '');
    fs.writeFileSync(path.join(dir, `${base}.boxes.json`), JSON.stringify(boxes, null, 1) + '\n');
    if (png) await page.screenshot({ path: path.join(dir, `${base}.chromium.png`) });
    console.log(`${f}: ${boxes.elements.length} elements, ${boxes.texts.length} texts, scroll_height ${boxes.scroll_height}`);
  }
  await browser.close();
  srv.close();
  fs.rmSync(tmp, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
