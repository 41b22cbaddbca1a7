// The operations centre's map: the province's communes coloured by the chosen tile, drawn with
// the locally served ECharts from the boundaries the province imported (or a schematic, said
// so on the page). A click on a commune opens its overview. No inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var el = document.getElementById("ioc-map");
  if (!el || !window.echarts || !window.tinhso) { return; }
  var t = window.tinhso;
  fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (m) {
      var values = Object.keys(m.values).map(function (k) { return m.values[k]; });
      var features = m.boundaries.features;
      if (!features.length) {
        el.textContent = "Chưa có ranh giới xã, phường (tinhso ioc import-boundaries).";
        el.classList.add("empty");
        return;
      }
      window.echarts.registerMap("province", m.boundaries);
      var names = {};
      features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      var unit = m.layer.measure ? " " + m.layer.measure : "";
      var lo = values.length ? Math.min.apply(null, values) : 0;
      var hi = values.length ? Math.max.apply(null, values) : 1;
      var chart = t.chart(el, {
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var v = m.values[p.name];
            return '<div class="tt-title">' + (names[p.name] || p.name) + "</div>" +
              '<div class="tt-row"><strong class="tt-value">' +
              (v === undefined ? "chưa có số liệu" : t.number(v, m.layer.decimals) + unit) +
              "</strong></div>";
          }
        },
        visualMap: {
          min: lo, max: hi === lo ? lo + 1 : hi, calculable: false, orient: "horizontal",
          left: "center", bottom: 0, text: ["cao", "thấp"],
          inRange: { color: m.layer.direction === "lower" ? ["#1e7b34", "#f2c94c", "#b3261e"] : ["#b3261e", "#f2c94c", "#1e7b34"] },
          formatter: function (v) { return t.number(v, m.layer.decimals); }
        },
        series: [{
          type: "map", map: "province", nameProperty: "code", roam: false,
          itemStyle: { areaColor: "#d8dee6", borderColor: "#fff" },
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#2f5fa7" } },
          data: Object.keys(m.values).map(function (k) { return { name: k, value: m.values[k] }; })
        }]
      });
      chart.on("click", function (p) {
        if (p.name) { window.location.href = "/?unit=" + encodeURIComponent(p.name) + "&period=" + encodeURIComponent(el.dataset.period); }
      });
    })
    .catch(function () { el.textContent = "Không tải được bản đồ."; el.classList.add("empty"); });
});
