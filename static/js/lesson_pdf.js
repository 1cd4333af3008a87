/* Anpei lesson page: a PDF lesson drawn inside the page by the vendored PDF.js (static/vendor/pdfjs, no CDN), on a
 * phone as on a PC: the pages one under the other at the page's width, each drawn when it comes near the screen,
 * with ‹ › buttons that turn to the previous or next page. Scrolling and page turns are what study.js reports as
 * the learner's presence. WebAssembly and eval stay off (the CSP allows neither). */
import * as pdfjs from '../vendor/pdfjs/pdf.min.js';

const host = document.getElementById('pdf-view');
const label = document.getElementById('pdf-page-label');
const T = JSON.parse(document.getElementById('study-i18n').textContent);
const vendor = host.dataset.vendor;
pdfjs.GlobalWorkerOptions.workerSrc = vendor + 'pdf.worker.min.js';

let current = 1;
const pages = [];

function showPage(n) {
  current = n;
  host.dataset.page = String(n);
  if (label) label.textContent = T.pdf_page.replace('{n}', n).replace('{total}', pages.length);
}

function turn(step) {
  const target = pages[Math.min(pages.length, Math.max(1, current + step)) - 1];
  if (!target) return;
  target.box.scrollIntoView({ behavior: 'smooth', block: 'start' });
  document.dispatchEvent(new CustomEvent('anpei:activity'));  // a page turn shows the learner is there
}

async function draw(entry) {
  if (entry.drawn) return;
  entry.drawn = true;
  const page = await entry.doc.getPage(entry.number);
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  const width = Math.min(host.clientWidth - 16, 900);
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: (width / base.width) * ratio });
  const canvas = document.createElement('canvas');
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.setAttribute('aria-label', T.pdf_page.replace('{n}', entry.number).replace('{total}', pages.length));
  await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
  entry.box.replaceChildren(canvas);
  entry.box.dataset.drawn = 'yes';
}

async function open() {
  const doc = await pdfjs.getDocument({
    url: host.dataset.src,
    withCredentials: true,
    cMapUrl: vendor + 'cmaps/',
    cMapPacked: true,
    standardFontDataUrl: vendor + 'standard_fonts/',
    wasmUrl: vendor + 'wasm/',
    useWasm: false,
    isEvalSupported: false,
    enableXfa: false,
  }).promise;
  const first = await doc.getPage(1);
  const shape = first.getViewport({ scale: 1 });
  const width = Math.min(host.clientWidth - 16, 900);
  for (let number = 1; number <= doc.numPages; number++) {
    const box = document.createElement('div');
    box.className = 'pdf-page';
    box.dataset.page = String(number);
    box.dataset.testid = 'pdf-page-' + number;
    box.style.width = width + 'px';
    box.style.height = Math.round((width * shape.height) / shape.width) + 'px';
    host.appendChild(box);
    pages.push({ doc, number, box, drawn: false });
  }
  const near = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const entry = pages[Number(e.target.dataset.page) - 1];
      draw(entry).then(() => { e.target.style.height = ''; }).catch(() => { entry.drawn = false; });
    }
  }, { rootMargin: '600px 0px' });
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) showPage(Number(e.target.dataset.page));
    }
  }, { rootMargin: '-45% 0px -45% 0px' });
  for (const entry of pages) { near.observe(entry.box); seen.observe(entry.box); }
  showPage(1);
  host.dataset.pages = String(doc.numPages);
  host.dataset.ready = 'yes';
}

document.getElementById('pdf-prev').addEventListener('click', () => turn(-1));
document.getElementById('pdf-next').addEventListener('click', () => turn(1));
open().catch(() => {
  host.hidden = true;
  document.getElementById('pdf-failed').hidden = false;
});
