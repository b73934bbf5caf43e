// The trends page: the indicator with its interval band and target line (a point opens the
// records behind it), and its control chart.
(function () {
  var el = document.getElementById("trend-chart");
  if (el) {
    var rows = JSON.parse(el.dataset.rows), goal = JSON.parse(el.dataset.goal);
    var drill = JSON.parse(el.dataset.drill), label = JSON.parse(el.dataset.labels);
    var series = [
      {name: "low", type: "line", data: rows.map(function (r) { return r.ci_low; }), lineStyle: {opacity: 0}, stack: "ci", symbol: "none"},
      {name: label.ci, type: "line", data: rows.map(function (r) { return r.ci_high === null ? null : r.ci_high - r.ci_low; }), lineStyle: {opacity: 0}, areaStyle: {opacity: 0.2}, stack: "ci", symbol: "none"},
      {name: label.value, type: "line", data: rows.map(function (r) { return r.value; })}
    ];
    if (goal !== null) {
      series.push({name: label.target, type: "line", symbol: "none", lineStyle: {type: "dashed"}, data: rows.map(function () { return goal; })});
    }
    var chart = echarts.init(el);
    chart.setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {bottom: 0, data: [label.value, label.ci, label.target]}, grid: {bottom: 50},
      xAxis: {type: "category", data: rows.map(function (r) { return r.period; })}, yAxis: {type: "value", scale: true},
      series: series
    });
    if (drill) {
      chart.on("click", function (p) {
        var r = rows[p.dataIndex];
        var query = new URLSearchParams(drill.query);
        query.set(drill.dates[0], r.period);
        query.set(drill.dates[1], r.until);
        location.href = drill.url + "?" + query.toString();
      });
    }
    el.dataset.rendered = "yes";
  }
  var cc = document.getElementById("control-chart");
  if (cc) {
    var c = JSON.parse(cc.dataset.chart), names = JSON.parse(cc.dataset.labels);
    var marked = c.points.map(function (v, i) {
      return c.signals.indexOf(i) >= 0 ? {value: v, itemStyle: {color: "#c62828"}, symbolSize: 10} : v;
    });
    echarts.init(cc).setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {bottom: 50},
      xAxis: {type: "category", data: c.periods}, yAxis: {type: "value", scale: true},
      series: [
        {name: c.kind === "xbar" ? names.mean : names.p, type: "line", data: marked},
        {name: names.centre, type: "line", symbol: "none", data: c.points.map(function () { return c.centre; })},
        {name: names.ucl, type: "line", data: c.upper, lineStyle: {type: "dashed"}, symbol: "none"},
        {name: names.lcl, type: "line", data: c.lower, lineStyle: {type: "dashed"}, symbol: "none"}
      ]
    });
    cc.dataset.rendered = "yes";
  }
})();
