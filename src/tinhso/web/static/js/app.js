// Shared behaviour of every page: CSRF on HTMX requests, "not modified" refreshes, the phone
// menu, and Vietnamese numbers for the charts. No inline script or style anywhere: the
// Content-Security-Policy allows neither (see docs/architecture.md).
(function () {
  "use strict";

  // Every HTMX request carries the session's CSRF token, as the server requires for changes.
  // A GET of an element that was answered with an ETag asks "If-None-Match" the next time; the
  // server then answers 304 without a body when nothing changed (the 766 panel's polling).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
    var elt = event.detail.elt;
    if (event.detail.verb === "get" && elt && elt.dataset && elt.dataset.etag) {
      event.detail.headers["If-None-Match"] = elt.dataset.etag;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var elt = event.detail.elt;
    if (!xhr || !elt || !elt.dataset || xhr.status !== 200) { return; }
    var tag = xhr.getResponseHeader("ETag");
    if (tag) { elt.dataset.etag = tag; } else { delete elt.dataset.etag; }
  });
  if (window.htmx) {
    // 304 Not Modified: keep what is shown (htmx would otherwise swap in the empty body).
    window.htmx.config.responseHandling.unshift({ code: "304", swap: false });
  }

  // The menu folds into a button on narrow screens.
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".nav-toggle");
    var bar = document.querySelector(".topbar");
    if (!button || !bar) { return; }
    button.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // Numbers as Vietnamese write them: thousands with a dot, decimals with a comma (1.046; 9,36).
  function number(value, decimals) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    var d = decimals === undefined ? 0 : decimals;
    var parts = Math.abs(value).toFixed(d).split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (value < 0 && Number(parts.join(".")) !== 0 ? "-" : "") + parts.join(",");
  }

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The charts' series colours; the tooltip's markers take the same ones from app.css.
  var COLORS = ["#2f5fa7", "#1e7b34", "#b3261e", "#a66a00"];

  // A tooltip built of classes only: ECharts' own writes style="" attributes, which the
  // Content-Security-Policy refuses. `format(value, seriesName)` writes each value.
  function tooltip(title, format) {
    return function (params) {
      var items = Array.isArray(params) ? params : [params];
      var seen = {};
      var lines = [];
      var heading = title ? title(items[0]) : (items[0] && items[0].name);
      items.forEach(function (p) {
        var value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
        if (value === null || value === undefined || value === "-" || seen[p.seriesName]) { return; }
        seen[p.seriesName] = true;
        var colour = COLORS.indexOf(p.color) >= 0 ? COLORS.indexOf(p.color) : 0;
        lines.push(
          '<div class="tt-row"><span class="tt-dot tt-c' + colour + '"></span>' +
          '<span class="tt-name">' + escape(p.seriesName) + ":</span> " +
          '<strong class="tt-value">' + escape(format(value, p.seriesName)) + "</strong></div>"
        );
      });
      return '<div class="tt-title">' + escape(heading || "") + "</div>" + lines.join("");
    };
  }

  // The options every chart shares: CSP-safe tooltip in the page's own box, numbers in
  // Vietnamese, resized with the window and its container.
  function chart(el, option) {
    var instance = window.echarts.init(el, null, { renderer: "canvas" });
    option.color = COLORS;
    option.tooltip = Object.assign(
      { confine: true, className: "chart-tooltip", borderWidth: 1, padding: 0 },
      option.tooltip || {}
    );
    instance.setOption(option);
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { instance.resize(); }).observe(el);
    } else {
      window.addEventListener("resize", function () { instance.resize(); });
    }
    return instance;
  }

  window.tinhso = { number: number, tooltip: tooltip, chart: chart, colors: COLORS };
})();
