// The monthly trend of the public-services page, drawn with the locally served ECharts.
// A month still running is drawn apart (dashed line, hollow point, "(đang diễn ra)"): its
// figures cover only the days so far, so they are not comparable with a whole month's.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("trend");
  if (!el || !window.echarts || !window.tinhso) { return; }
  var t = window.tinhso;
  var data = JSON.parse(el.dataset.trend || "[]");
  var SCORE = "Điểm (thang 100)";
  var ON_TIME = "Tỷ lệ đúng hạn (%)";
  function value(d, key) {
    if (d[key] === null || d[key] === undefined) { return null; }
    return key === "on_time" ? d[key] * 100 : d[key];
  }
  // The whole months as a solid line; the running month joined to the last whole one, dashed.
  function solid(key) {
    return data.map(function (d) { return d.ongoing ? null : value(d, key); });
  }
  function running(key) {
    var i = data.findIndex(function (d) { return d.ongoing; });
    return data.map(function (d, j) {
      if (i < 0 || (j !== i && j !== i - 1)) { return null; }
      return j === i ? { value: value(d, key), symbol: "emptyCircle", symbolSize: 9 } : value(d, key);
    });
  }
  function series(name, key) {
    return [
      { name: name, type: "line", data: solid(key), connectNulls: false },
      { name: name, type: "line", data: running(key), lineStyle: { type: "dashed" },
        tooltip: { show: true } }
    ];
  }
  t.chart(el, {
    tooltip: {
      trigger: "axis",
      formatter: t.tooltip(
        function (p) {
          var d = data[p.dataIndex];
          return d.title + (d.ongoing ? " (đang diễn ra)" : "");
        },
        function (v) { return t.number(v, 2); }
      )
    },
    legend: { data: [SCORE, ON_TIME] },
    grid: { left: 40, right: 16, top: 40, bottom: 48 },
    xAxis: {
      type: "category",
      data: data.map(function (d) { return d.label; }),
      axisLabel: {
        interval: 0,
        formatter: function (label, i) { return data[i] && data[i].ongoing ? label + "*" : label; }
      }
    },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: function (v) { return t.number(v, 0); } } },
    series: series(SCORE, "score").concat(series(ON_TIME, "on_time"))
  });
});
