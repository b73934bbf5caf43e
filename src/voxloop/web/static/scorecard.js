// The scorecard's NPS by month with its 95% interval band.
(function () {
  var el = document.getElementById("nps-chart");
  if (!el) { return; }
  var rows = JSON.parse(el.dataset.rows);
  echarts.init(el).setOption({
    animation: false,
    tooltip: {trigger: "axis"},
    xAxis: {type: "category", data: rows.map(function (r) { return r.period; })},
    yAxis: {type: "value", min: -100, max: 100},
    series: [
      {name: "low", type: "line", data: rows.map(function (r) { return r.ci_low; }), lineStyle: {opacity: 0}, stack: "ci", symbol: "none"},
      {name: "95% CI", type: "line", data: rows.map(function (r) { return r.ci_high - r.ci_low; }), lineStyle: {opacity: 0}, areaStyle: {opacity: 0.2}, stack: "ci", symbol: "none"},
      {name: "NPS", type: "line", data: rows.map(function (r) { return r.value; })}
    ]
  });
  el.dataset.rendered = "yes";
})();
