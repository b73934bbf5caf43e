// Charts of the survey analysis page; data comes in data-* attributes (no inline script).
(function () {
  function chart(el, option) {
    var c = echarts.init(el);
    c.setOption(Object.assign({animation: false, tooltip: {}}, option));
    el.dataset.rendered = "yes";
    return c;
  }
  var surveyPath = location.pathname.replace(/\/analysis$/, "");
  document.querySelectorAll("[data-counts]").forEach(function (el) {
    var counts = JSON.parse(el.dataset.counts);
    var keys = Object.keys(counts);
    var c = chart(el, {
      xAxis: {type: "category", data: keys}, yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", data: keys.map(function (k) { return counts[k]; })}]
    });
    if (el.dataset.drill === "yes") c.on("click", function (p) {  // only for who may read responses
      location.href = surveyPath + "/responses?question=" + encodeURIComponent(el.dataset.question) +
        "&value=" + encodeURIComponent(p.name);
    });
  });
  var sq = document.getElementById("servqual-chart");
  if (sq) {
    var gaps = JSON.parse(sq.dataset.gaps);
    var dims = Object.keys(gaps);
    chart(sq, {xAxis: {type: "category", data: dims}, yAxis: {type: "value"},
      series: [{type: "bar", data: dims.map(function (d) { return gaps[d].gap; })}]});
  }
  var dr = document.getElementById("drivers-chart");
  if (dr) {
    var drivers = JSON.parse(dr.dataset.drivers);
    var names = Object.keys(drivers).sort(function (a, b) { return drivers[a].relative_weight - drivers[b].relative_weight; });
    chart(dr, {grid: {left: 120}, xAxis: {type: "value"}, yAxis: {type: "category", data: names},
      series: [{type: "bar", data: names.map(function (n) { return drivers[n].relative_weight; })}]});
  }
  var ipa = document.getElementById("ipa-chart");
  if (ipa) {
    var data = JSON.parse(ipa.dataset.ipa);
    var items = Object.keys(data.items);
    chart(ipa, {
      // the axis names come translated from the page
      xAxis: {type: "value", name: ipa.dataset.xLabel, scale: true}, yAxis: {type: "value", name: ipa.dataset.yLabel, scale: true},
      series: [{type: "scatter", symbolSize: 12,
        data: items.map(function (k) { return {name: k, value: [data.items[k].performance, data.items[k].importance]}; }),
        label: {show: true, formatter: "{b}", position: "right"},
        markLine: {symbol: "none", lineStyle: {type: "dashed"},
          data: [{xAxis: data.performance_mean}, {yAxis: data.importance_mean}]}}]
    });
  }
})();
