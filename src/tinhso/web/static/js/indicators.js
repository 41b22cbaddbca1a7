// The main indicators of a unit's index against their maximum, drawn with the locally served ECharts.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("main-chart");
  if (!el || !window.echarts || !window.tinhso) { return; }
  var t = window.tinhso;
  var data = JSON.parse(el.dataset.main || "[]");
  var narrow = el.clientWidth < 520;
  t.chart(el, {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: t.tooltip(null, function (v) { return t.number(v, 2) + " điểm"; })
    },
    legend: { data: ["Điểm đạt", "Điểm tối đa"] },
    grid: { left: narrow ? 8 : 150, right: 16, top: 36, bottom: 24, containLabel: narrow },
    xAxis: { type: "value", axisLabel: { formatter: function (v) { return t.number(v, 0); } } },
    yAxis: {
      type: "category",
      inverse: true,
      data: data.map(function (d) { return d.name; }),
      axisLabel: { width: narrow ? 110 : 140, overflow: "truncate" }
    },
    series: [
      { name: "Điểm đạt", type: "bar", data: data.map(function (d) { return d.points === null ? 0 : d.points; }) },
      { name: "Điểm tối đa", type: "bar", data: data.map(function (d) { return d.max; }) }
    ]
  });
});
