// The volume dashboard's charts; each bar opens the inbox filtered to its records.
(function () {
  var el = document.getElementById("volume-chart");
  if (el) {
    var weeks = JSON.parse(el.dataset.weeks), series = JSON.parse(el.dataset.series);
    var params = JSON.parse(el.dataset.params), group = el.dataset.group, names = JSON.parse(el.dataset.names);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {type: "scroll", bottom: 0}, grid: {bottom: 60},
      xAxis: {type: "category", data: weeks}, yAxis: {type: "value", minInterval: 1},
      series: Object.keys(series).map(function (g) {
        return {id: g, name: names[g] || g, type: "bar", stack: "n", data: series[g]};  // the id drills, the name reads
      })
    });
    chart.on("click", function (p) {
      var start = new Date(p.name + "T00:00:00Z"), end = new Date(start.getTime() + 6 * 86400000);
      var query = new URLSearchParams({date_from: p.name, date_to: end.toISOString().slice(0, 10)});
      if (p.seriesId !== "—") { query.set(group, p.seriesId); }
      ["channel", "branch"].forEach(function (k) { if (params[k]) { query.set(k, params[k]); } });
      location.href = "/inbox?" + query.toString();
    });
    el.dataset.rendered = "yes";
  }
  var pc = document.getElementById("p-chart");
  if (pc) {
    var c = JSON.parse(pc.dataset.chart), w = JSON.parse(pc.dataset.weeks), label = JSON.parse(pc.dataset.labels);
    echarts.init(pc).setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {bottom: 50},
      xAxis: {type: "category", data: w}, yAxis: {type: "value", min: 0, max: 1},
      series: [
        {name: label.p, type: "line", data: c.points},
        {name: label.ucl, type: "line", data: c.upper, lineStyle: {type: "dashed"}, symbol: "none"},
        {name: label.lcl, type: "line", data: c.lower, lineStyle: {type: "dashed"}, symbol: "none"}
      ]
    });
    pc.dataset.rendered = "yes";
  }
})();
