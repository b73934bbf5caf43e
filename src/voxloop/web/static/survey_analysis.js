// Charts of the survey analysis page; data comes in data-* attributes (no inline script).
(function () {
  function chart(el, option) {
    var c = echarts.init(el);
    c.setOption(Object.assign({animation: false, tooltip: {}}, option));
    el.dataset.rendered = "yes";
    return c;
  }
  function labelled(el) {  // a SERVQUAL dimension by its name in the page's language
    var labels = JSON.parse(el.dataset.labels || "{}");
    return function (key) { return labels[key] || key; };
  }
  // A 95 % interval drawn over each bar: [category index, low, high] rows, bars along x or y.
  function whiskers(rows, horizontal) {
    return {type: "custom", silent: true, z: 3, encode: horizontal ? {x: [1, 2], y: 0} : {x: 0, y: [1, 2]},
      data: rows.filter(function (r) { return r[1] !== null && r[2] !== null; }),
      renderItem: function (params, api) {
        var at = function (v) { return api.coord(horizontal ? [v, api.value(0)] : [api.value(0), v]); };
        var low = at(api.value(1)), high = at(api.value(2)), cap = 5;
        var end = function (p) { return horizontal ? {x1: p[0], y1: p[1] - cap, x2: p[0], y2: p[1] + cap} : {x1: p[0] - cap, y1: p[1], x2: p[0] + cap, y2: p[1]}; };
        var style = {stroke: "#333", lineWidth: 1.5};
        return {type: "group", children: [
          {type: "line", shape: {x1: low[0], y1: low[1], x2: high[0], y2: high[1]}, style: style},
          {type: "line", shape: end(low), style: style}, {type: "line", shape: end(high), style: style}]};
      }};
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
    chart(sq, {xAxis: {type: "category", data: dims.map(labelled(sq))}, yAxis: {type: "value"},
      series: [{type: "bar", data: dims.map(function (d) { return gaps[d].gap; })}]});
  }
  var dr = document.getElementById("drivers-chart");
  if (dr) {
    var drivers = JSON.parse(dr.dataset.drivers);
    var names = Object.keys(drivers).sort(function (a, b) { return drivers[a].relative_weight - drivers[b].relative_weight; });
    chart(dr, {grid: {left: 120}, xAxis: {type: "value"}, yAxis: {type: "category", data: names.map(labelled(dr))},
      series: [{type: "bar", data: names.map(function (n) { return drivers[n].relative_weight; })},
        whiskers(names.map(function (n, i) {
          var d = drivers[n];
          return [i, d.ci_low === undefined ? null : d.ci_low, d.ci_high === undefined ? null : d.ci_high];
        }), true)]});
  }
  var ipa = document.getElementById("ipa-chart");
  if (ipa) {
    var data = JSON.parse(ipa.dataset.ipa);
    var items = Object.keys(data.items);
    chart(ipa, {
      // the axis names come translated from the page
      xAxis: {type: "value", name: ipa.dataset.xLabel, scale: true}, yAxis: {type: "value", name: ipa.dataset.yLabel, scale: true},
      series: [{type: "scatter", symbolSize: 12,
        data: items.map(function (k) { return {name: labelled(ipa)(k), value: [data.items[k].performance, data.items[k].importance]}; }),
        label: {show: true, formatter: "{b}", position: "right"},
        markLine: {symbol: "none", lineStyle: {type: "dashed"},
          data: [{xAxis: data.performance_mean}, {yAxis: data.importance_mean}]}}]
    });
  }
})();
