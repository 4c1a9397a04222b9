/**
 * The rotatable 3-D loss surface (plain ES5 on a 2-D canvas, no library): each `<canvas class="ll-surface">` reads
 * its grid (a {@link SurfaceGrid} in the JSON script named by `data-grid`), projects the quads orthographically,
 * fills them far to near with the heatmap's colormap (height and colour both follow the colour scale, log or
 * linear), and rotates on drag. `data-yaw` and `data-pitch` (radians) say the current view.
 */
export const SURFACE_CLIENT = String.raw`(function () {
  var L = (window.losslens = window.losslens || {});
  L.surfaces = L.surfaces || {};
  function colorT(g) {
    var lo = g.color.domain[0], hi = g.color.domain[1], log = g.color.log;
    var f = log ? function (v) { return Math.log(Math.max(v, lo)); } : function (v) { return v; };
    var a = f(lo), b = f(hi);
    return function (v) { return b > a ? Math.min(1, Math.max(0, (f(v) - a) / (b - a))) : 0.5; };
  }
  function paint(cv, g, s) {
    var ctx = cv.getContext('2d'), W = cv.width, H = cv.height, k = Math.min(W, H) * 0.42;
    var t = colorT(g), scheme = typeof vega !== 'undefined' && vega.scheme(g.color.scheme);
    var cy = Math.cos(s.yaw), sy = Math.sin(s.yaw), cp = Math.cos(s.pitch), sp = Math.sin(s.pitch);
    var pts = [];
    for (var j = 0; j < g.ny; j++)
      for (var i = 0; i < g.nx; i++) {
        var u = (2 * i) / (g.nx - 1) - 1, w = (2 * j) / (g.ny - 1) - 1, h = t(g.z[j * g.nx + i]), z = (h - 0.5) * 1.1;
        var X = u * cy - w * sy, D = u * sy + w * cy;
        pts.push({ x: W / 2 + X * k, y: H / 2 - (z * cp + D * sp) * k, d: D * cp - z * sp, h: h });
      }
    var quads = [];
    for (j = 0; j + 1 < g.ny; j++)
      for (i = 0; i + 1 < g.nx; i++) {
        var q = [pts[j * g.nx + i], pts[j * g.nx + i + 1], pts[(j + 1) * g.nx + i + 1], pts[(j + 1) * g.nx + i]];
        quads.push({ q: q, d: (q[0].d + q[1].d + q[2].d + q[3].d) / 4, h: (q[0].h + q[1].h + q[2].h + q[3].h) / 4 });
      }
    quads.sort(function (a, b) { return b.d - a.d; });
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    for (var n = 0; n < quads.length; n++) {
      var c = quads[n];
      ctx.beginPath();
      ctx.moveTo(c.q[0].x, c.q[0].y);
      for (var m = 1; m < 4; m++) ctx.lineTo(c.q[m].x, c.q[m].y);
      ctx.closePath();
      ctx.fillStyle = scheme ? scheme(c.h) : 'rgb(' + Math.round(255 * c.h) + ',80,' + Math.round(255 * (1 - c.h)) + ')';
      ctx.strokeStyle = 'rgba(0,0,0,0.15)';
      ctx.fill();
      ctx.stroke();
    }
    cv.setAttribute('data-yaw', s.yaw.toFixed(3));
    cv.setAttribute('data-pitch', s.pitch.toFixed(3));
  }
  function mount(cv) {
    var g = JSON.parse(document.getElementById(cv.getAttribute('data-grid')).textContent);
    var s = { yaw: -0.6, pitch: 0.6 }, drag = null;
    paint(cv, g, s);
    cv.addEventListener('mousedown', function (e) {
      drag = { x: e.clientX, y: e.clientY, yaw: s.yaw, pitch: s.pitch };
      e.preventDefault();
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      s.yaw = drag.yaw + (e.clientX - drag.x) * 0.01;
      s.pitch = Math.min(1.55, Math.max(0.02, drag.pitch + (e.clientY - drag.y) * 0.01));
      paint(cv, g, s);
    });
    window.addEventListener('mouseup', function () {
      drag = null;
    });
    L.surfaces[cv.id] = s;
  }
  var all = document.querySelectorAll('canvas.ll-surface');
  for (var i = 0; i < all.length; i++) mount(all[i]);
})();`;
