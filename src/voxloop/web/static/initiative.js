// An initiative's control chart, with the start of the intervention marked.
(function () {
  var el = document.getElementById("control-chart");
  if (!el || !el.dataset.chart) { return; }
  var c = JSON.parse(el.dataset.chart), label = JSON.parse(el.dataset.labels);
  var series = [{name: label.value, type: "line", data: c.values, markLine: {symbol: "none", data: [{xAxis: Math.min(c.intervention, c.weeks.length - 1), label: {formatter: label.start}}]}}];
  if (c.upper) {
    series.push({name: label.ucl, type: "line", data: c.upper, lineStyle: {type: "dashed"}, symbol: "none"});
    series.push({name: label.lcl, type: "line", data: c.lower, lineStyle: {type: "dashed"}, symbol: "none"});
    series.push({name: label.centre, type: "line", data: c.weeks.map(function () { return c.centre; }), lineStyle: {type: "dotted"}, symbol: "none"});
  }
  echarts.init(el).setOption({animation: false, tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {bottom: 50},
    xAxis: {type: "category", data: c.weeks}, yAxis: {type: "value"}, series: series});
  el.dataset.rendered = "yes";
})();
