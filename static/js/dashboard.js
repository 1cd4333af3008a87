// Dashboard charts: each [data-chart] element names the JSON block beside it (written by the server, the same
// numbers as the table under it); drawn with the vendored ECharts as SVG (crisp, and printed as drawn).
(function () {
  'use strict';
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) { el.hidden = true; return; }
    var line = data.kind === 'line';
    var chart = window.echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 12, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + data.unit; } },
      xAxis: line
        ? { type: 'category', data: data.labels, axisLabel: { fontSize: 10 } }
        : { type: 'value', max: 100, axisLabel: { show: false }, splitLine: { show: false } },
      yAxis: line
        ? { type: 'value', max: 100, axisLabel: { formatter: '{value}%', fontSize: 10 } }
        : { type: 'category', data: data.labels, inverse: true, axisLabel: { fontSize: 10, width: 120, overflow: 'truncate' } },
      series: [{
        type: line ? 'line' : 'bar',
        data: data.values,
        connectNulls: true,
        symbolSize: 7,
        itemStyle: { color: '#0b5cab' },
        label: { show: !line, position: 'right', formatter: function (p) { return p.value == null ? '' : p.value + '%'; }, fontSize: 10 }
      }]
    });
    el.style.height = (line ? 180 : Math.max(80, 26 * data.labels.length + 24)) + 'px';
    chart.resize();
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
