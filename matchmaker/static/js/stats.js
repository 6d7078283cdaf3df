// Charts of the statistics dashboard (templates/stats/dashboard.html), drawn with the vendored ECharts.
// The data comes from the server as JSON in <script type="application/json" id="stats-charts">:
// counts as numbers, amounts as strings of 万元 rounded for display (the tables hold the exact yuan).
(function () {
  'use strict';
  var source = document.getElementById('stats-charts');
  if (!source || typeof echarts === 'undefined') { return; }
  var data = JSON.parse(source.textContent || '{}');
  var charts = [];
  var colors = ['#0d6efd', '#20c997', '#fd7e14', '#6f42c1', '#dc3545', '#198754', '#0dcaf0', '#ffc107'];

  function num(value) { return Number(value) || 0; }

  function draw(id, option, isEmpty) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (isEmpty) {
      el.style.height = 'auto';
      el.className += ' text-muted small';
      el.textContent = '统计期间内暂无数据';
      return;
    }
    var chart = echarts.init(el);
    option.color = colors;
    chart.setOption(option);
    charts.push(chart);
  }

  var funnel = data.funnel || [];
  draw('chart-funnel', {
    tooltip: { trigger: 'item' },
    series: [{
      type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '12%', gap: 2,
      label: { show: true, position: 'inside', formatter: '{b}：{c}' },
      data: funnel.map(function (d) { return { name: d.name, value: d.value }; })
    }]
  }, funnel.every(function (d) { return !d.value; }));

  var byType = data.byType || { categories: [], series: [] };
  draw('chart-type', {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 60, right: 16, top: 32, bottom: 56 },
    xAxis: { type: 'category', data: byType.categories, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', name: '万元' },
    series: byType.series.map(function (s) {
      return { name: s.name, type: 'bar', data: s.amounts.map(num) };
    })
  }, byType.series.every(function (s) { return s.counts.every(function (c) { return !c; }); }));

  var byField = data.byField || { seller: [], buyer: [] };
  function slices(list) { return list.map(function (d) { return { name: d.name, value: num(d.value) }; }); }
  draw('chart-field', {
    tooltip: { trigger: 'item', valueFormatter: function (v) { return v + ' 万元'; } },
    title: [
      { text: '技术输出', left: '25%', top: 0, textAlign: 'center', textStyle: { fontSize: 13 } },
      { text: '技术吸纳', left: '75%', top: 0, textAlign: 'center', textStyle: { fontSize: 13 } }
    ],
    series: [
      { name: '技术输出', type: 'pie', radius: ['25%', '55%'], center: ['25%', '55%'], data: slices(byField.seller),
        label: { formatter: '{b}\n{d}%' } },
      { name: '技术吸纳', type: 'pie', radius: ['25%', '55%'], center: ['75%', '55%'], data: slices(byField.buyer),
        label: { formatter: '{b}\n{d}%' } }
    ]
  }, !byField.seller.length && !byField.buyer.length);

  var targets = data.targets || [];
  draw('chart-targets', {
    tooltip: {
      trigger: 'item',
      formatter: function (p) {
        var t = targets[p.dataIndex];
        var div = document.createElement('div');  // text only: names never become markup
        div.textContent = t.name + '：' + t.value + '%（' + t.detail + '）';
        return div.innerHTML;
      }
    },
    grid: { left: 150, right: 40, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); } },
    yAxis: { type: 'category', inverse: true, data: targets.map(function (t) { return t.name; }) },
    series: [{
      type: 'bar', barMaxWidth: 28, data: targets.map(function (t) { return num(t.value); }),
      label: { show: true, position: 'right', formatter: '{c}%' },
      markLine: { silent: true, symbol: 'none', data: [{ xAxis: 100 }], label: { formatter: '目标' } }
    }]
  }, !targets.length);

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
}());
