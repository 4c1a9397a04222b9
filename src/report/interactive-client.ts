/**
 * The script an interactive page runs (plain ES5, inlined after the Vega runtime): each `<figure data-figure>`
 * is drawn live from its spec (`<script type="application/json" id="spec-NAME">`), its PNG hidden once the view
 * renders (the PNG stays when scripts are off or Vega fails), hover shows the datum under the pointer in
 * `#ll-tooltip`, and plots with zoom signals zoom with the wheel, pan by dragging and reset on double-click.
 * `window.losslens.views[name]` holds the views, `losslens.ready` settles when all are drawn, and
 * `<body data-figures-live="n/total">` counts the drawn ones.
 */
export const FIGURES_CLIENT = String.raw`(function () {
  var L = (window.losslens = window.losslens || {});
  L.views = L.views || {};
  L.errors = L.errors || [];
  if (typeof vega === 'undefined') return;
  var tip = document.createElement('div');
  tip.id = 'll-tooltip';
  tip.className = 'll-tooltip';
  document.body.appendChild(tip);
  function fmt(v) {
    if (typeof v === 'number') return isFinite(v) && v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) ? v.toExponential(3) : String(+v.toPrecision(5));
    if (v === null || typeof v === 'object') return null;
    return String(v);
  }
  function tooltip(handler, event, item, value) {
    if (value === null || value === undefined || value === '') {
      tip.style.display = 'none';
      tip.textContent = '';
      return;
    }
    var lines = [];
    if (typeof value === 'object') {
      for (var k in value) {
        var f = fmt(value[k]);
        if (f !== null) lines.push(k + ': ' + f);
      }
    } else lines.push(fmt(value));
    tip.textContent = lines.join('\n');
    tip.style.display = 'block';
    tip.style.left = event.pageX + 14 + 'px';
    tip.style.top = event.pageY + 14 + 'px';
  }
  function stretch(s, a, f) {
    var r = s.range();
    return [s.invert(a + (r[0] - a) * f), s.invert(a + (r[1] - a) * f)];
  }
  function shift(s, d) {
    var r = s.range();
    return [s.invert(r[0] - d), s.invert(r[1] - d)];
  }
  function zoom(view, el, zoomY) {
    function local(e) {
      var b = el.getBoundingClientRect(), o = view.origin(), pad = view.padding();
      return [e.clientX - b.left - o[0] - (pad.left || 0), e.clientY - b.top - o[1] - (pad.top || 0)];
    }
    function scales() {
      return { x: view.scale('x').copy(), y: zoomY ? view.scale('y').copy() : null };
    }
    function apply(x, y) {
      view.signal('ll_xdom', x);
      if (zoomY) view.signal('ll_ydom', y);
      view.runAsync();
    }
    el.addEventListener('wheel', function (e) {
      e.preventDefault();
      var p = local(e), f = Math.exp(e.deltaY * 0.0015), s = scales();
      apply(stretch(s.x, p[0], f), s.y && stretch(s.y, p[1], f));
    }, { passive: false });
    var drag = null;
    el.addEventListener('mousedown', function (e) {
      drag = { p: local(e), s: scales() };
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var p = local(e);
      apply(shift(drag.s.x, p[0] - drag.p[0]), drag.s.y && shift(drag.s.y, p[1] - drag.p[1]));
    });
    window.addEventListener('mouseup', function () {
      drag = null;
    });
    el.addEventListener('dblclick', function () {
      apply(null, null);
    });
  }
  function mount(fig) {
    var name = fig.getAttribute('data-figure');
    var spec = JSON.parse(document.getElementById('spec-' + name).textContent);
    var zoomAxes = fig.getAttribute('data-zoom') || '';
    var el = fig.querySelector('.ll-live');
    var view = new vega.View(vega.parse(spec), { renderer: 'canvas', container: el, hover: true });
    view.tooltip(tooltip);
    return view.runAsync().then(function () {
      L.views[name] = view;
      fig.className += ' ll-ready';
      if (zoomAxes.indexOf('x') >= 0) zoom(view, el, zoomAxes.indexOf('y') >= 0);
    });
  }
  var figs = document.querySelectorAll('figure[data-figure]');
  var all = [];
  for (var i = 0; i < figs.length; i++)
    all.push(
      mount(figs[i]).catch(function (e) {
        L.errors.push(String(e));
      }),
    );
  L.ready = Promise.all(all).then(function () {
    document.body.setAttribute('data-figures-live', Object.keys(L.views).length + '/' + figs.length);
  });
})();`;
