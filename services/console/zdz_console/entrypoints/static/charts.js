// The city view's charts: bars of towns done against the 2025 and 2027 requirements, and the district map
// coloured by the share of the 2027 requirement done. Data comes from the page (#progress-data); the map's
// boundaries from /map/chongqing.json (the kept echarts@4.9.0 package, decoded by the console).
(function () {
  var source = document.getElementById("progress-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent).districts;
  var names = data.map(function (d) { return d.name; });
  var bars = echarts.init(document.getElementById("bars"), null, { renderer: "canvas" });
  bars.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 10, top: 30, bottom: 80 },
    xAxis: { type: "category", data: names, axisLabel: { rotate: 60, interval: 0, fontSize: 11 } },
    yAxis: { type: "value", name: "镇街" },
    series: [
      { name: "已完成", type: "bar", data: data.map(function (d) { return d.done; }), itemStyle: { color: "#1a7f37" } },
      { name: "2025 年要求", type: "bar", data: data.map(function (d) { return d.required_2025; }), itemStyle: { color: "#9a6700" } },
      { name: "2027 年要求", type: "bar", data: data.map(function (d) { return d.required_2027; }), itemStyle: { color: "#0550ae" } }
    ]
  });
  var mapBox = document.getElementById("map");
  fetch("/map/chongqing.json").then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("chongqing", geo);
    var map = echarts.init(mapBox, null, { renderer: "canvas" });
    map.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (isNaN(p.value) ? "—" : p.value + "%"); } },
      visualMap: { min: 0, max: 100, left: 0, bottom: 0, text: ["100%", "0%"], calculable: false,
                   inRange: { color: ["#fff5eb", "#fdae6b", "#31a354"] } },
      series: [{
        type: "map", map: "chongqing", name: "完成比例", roam: false,
        label: { show: true, fontSize: 9, color: "#222" },
        data: data.map(function (d) { return { name: d.name, value: d.share_2027, code: d.code }; })
      }]
    });
    map.on("click", function (p) { if (p.data && p.data.code) location.href = "/districts/" + p.data.code; });
    mapBox.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { map.resize(); });
  });
  window.addEventListener("resize", function () { bars.resize(); });
})();
