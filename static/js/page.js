// Small behaviours every page may use, without inline handlers (the CSP runs none):
// forms with data-confirm-submit="question" ask before submitting; links with data-back go back in history.
document.addEventListener('submit', function (event) {
  var question = event.target.getAttribute && event.target.getAttribute('data-confirm-submit');
  if (question && !window.confirm(question)) event.preventDefault();
}, true);
document.addEventListener('click', function (event) {
  var link = event.target.closest && event.target.closest('a[data-back]');
  if (link && window.history.length > 1) { event.preventDefault(); window.history.back(); }
});
// buttons with data-print print the page (the signed 实操 score sheet).
document.addEventListener('click', function (event) {
  if (event.target.closest && event.target.closest('[data-print]')) window.print();
});
// A checkbox with data-select-all="NAME" ticks or clears every checkbox named NAME in its form (全选).
document.addEventListener('change', function (event) {
  var box = event.target;
  var name = box.getAttribute && box.getAttribute('data-select-all');
  if (!name || !box.form) return;
  box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (other) {
    other.checked = box.checked;
  });
});
// Tables become cards on a phone (app.css, max-width 640px): each cell carries its column's heading as data-label,
// shown before the value, instead of a wide table squeezed to a character a line. Rows with merged cells stay rows.
document.querySelectorAll('table').forEach(function (table) {
  var heads = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) {
    return th.textContent.trim();
  });
  if (heads.length < 3 || table.closest('[data-keep-table]')) return;
  table.classList.add('cards');
  table.querySelectorAll('tbody tr').forEach(function (row) {
    if (row.querySelector('[colspan]')) { row.classList.add('whole'); return; }
    Array.prototype.forEach.call(row.children, function (cell, i) {
      if (heads[i] && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', heads[i]);
    });
  });
});
