// The monthly trend of the public-services page, drawn with the locally served ECharts.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("trend");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.dataset.trend || "[]");
  var chart = window.echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["Điểm (thang 100)", "Tỷ lệ đúng hạn (%)"] },
    xAxis: { type: "category", data: data.map(function (d) { return d.label; }) },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [
      { name: "Điểm (thang 100)", type: "line", data: data.map(function (d) { return d.score === null ? null : Math.round(d.score * 100) / 100; }) },
      { name: "Tỷ lệ đúng hạn (%)", type: "line", data: data.map(function (d) { return d.on_time === null ? null : Math.round(d.on_time * 10000) / 100; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
