// Bar charts from data-series attributes (no inline scripts; data comes from the server).
document.querySelectorAll('[data-series]').forEach(function (el) {
  var data = JSON.parse(el.getAttribute('data-series'));
  el.style.height = Math.max(200, data.length * 24 + 40) + 'px';
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {},
    grid: { left: 100, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, axisLabel: { interval: 0 }, data: data.map(function (d) { return d.name; }) },
    series: [{ type: 'bar', data: data.map(function (d) { return d.value; }), itemStyle: { color: '#0d6efd' } }]
  });
  window.addEventListener('resize', function () { chart.resize(); });
});
