/**
 * The watch page's script (plain ES5, after the figure script that draws the empty charts): applies the data
 * embedded in the page (`#ll-initial`), then, on a live page, follows the server's event stream: `run` (run.json),
 * `points` (new measurements as chart points) and `figures` (PNGs and report pages in the folder).
 * `<body data-measurements="n">` counts the measurements drawn.
 */
export const WATCH_CLIENT = String.raw`(function () {
  var L = window.losslens || {};
  var init = JSON.parse(document.getElementById('ll-initial').textContent);
  var n = 0;
  function text(id, t) {
    document.getElementById(id).textContent = t;
  }
  function run(r) {
    if (!r) return;
    var o = r.optimizer || {};
    text('ll-run', (r.finished ? 'finished' : 'running') + ' · ' + (r.model ? r.model.params + ' parameters' : '') +
      ' · ' + (o.name || '?') + (o.learningRate != null ? ' lr ' + o.learningRate : '') + ' · backend ' + r.backend + ' · started ' + r.startedAt);
  }
  function points(b) {
    n += b.n;
    document.body.setAttribute('data-measurements', String(n));
    text('ll-count', n + ' measurements · last at step ' + b.lastStep + (b.bad ? ' · ' + b.bad + ' unreadable lines skipped' : ''));
    for (var k in b.charts) {
      var v = L.views && L.views['w-' + k];
      if (v && b.charts[k].length) v.insert('points', b.charts[k]).runAsync();
    }
  }
  function figures(f) {
    var box = document.getElementById('ll-figure-list');
    box.innerHTML = '';
    for (var i = 0; i < f.pages.length; i++) {
      var a = document.createElement('a');
      a.href = f.base + f.pages[i];
      a.textContent = f.pages[i];
      var p = document.createElement('p');
      p.appendChild(a);
      box.appendChild(p);
    }
    for (var j = 0; j < f.pngs.length; j++) {
      var img = document.createElement('img');
      img.src = f.embedded ? f.embedded[f.pngs[j]] : f.base + f.pngs[j];
      img.alt = f.pngs[j];
      box.appendChild(img);
    }
  }
  function start() {
    run(init.run);
    if (init.points) points(init.points);
    if (init.figures) figures(init.figures);
    if (!init.live || !window.EventSource) return;
    var es = new EventSource('/events');
    es.addEventListener('run', function (e) { run(JSON.parse(e.data)); });
    es.addEventListener('points', function (e) { points(JSON.parse(e.data)); });
    es.addEventListener('figures', function (e) { figures(JSON.parse(e.data)); });
  }
  if (L.ready) L.ready.then(start); else start();
})();`;
