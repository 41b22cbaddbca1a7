// The main indicators of a unit's index against their maximum, drawn with the locally served ECharts.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("main-chart");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.dataset.main || "[]");
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["Điểm đạt", "Điểm tối đa"] },
    grid: { left: 150 },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true, data: data.map(function (d) { return d.name; }) },
    series: [
      { name: "Điểm đạt", type: "bar", data: data.map(function (d) { return d.points === null ? 0 : Math.round(d.points * 100) / 100; }) },
      { name: "Điểm tối đa", type: "bar", data: data.map(function (d) { return d.max; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
