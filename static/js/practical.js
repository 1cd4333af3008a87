// 实操评分: the running total of the points entered (the server checks every value again when it is signed).
(function () {
  'use strict';
  var form = document.querySelector('form.score-form');
  var out = document.getElementById('score-total');
  if (!form || !out) return;
  function update() {
    var total = 0, complete = true;
    form.querySelectorAll('input[type=number]').forEach(function (input) {
      var value = parseFloat(input.value);
      if (isNaN(value)) complete = false; else total += value;
    });
    out.textContent = complete ? String(Math.round(total * 10) / 10) : '—';
  }
  form.addEventListener('input', update);
  update();
})();
