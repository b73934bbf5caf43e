// Theme trends: mentions per period of each theme, the latest period last.
(function () {
  var el = document.getElementById("themes-chart");
  if (!el) { return; }
  var rows = JSON.parse(el.dataset.rows);
  var longest = Math.max.apply(null, rows.map(function (r) { return r.trend.length; }));
  var periods = [];
  for (var i = longest - 1; i >= 0; i--) { periods.push(i === 0 ? el.dataset.now : "−" + i); }
  echarts.init(el).setOption({
    animation: false,
    tooltip: {trigger: "axis"},
    legend: {type: "scroll", bottom: 0},
    grid: {bottom: 60},
    xAxis: {type: "category", data: periods},
    yAxis: {type: "value", minInterval: 1},
    series: rows.map(function (r) {
      var pad = new Array(longest - r.trend.length).fill(null);
      return {name: r.label, type: "line", data: pad.concat(r.trend)};
    })
  });
  el.dataset.rendered = "yes";
})();
