// The ZIP bundle's progress page (templates/certificates/bundle.html): polls the bundle's JSON every second and
// moves the bar until the bundle is done (the download link appears), failed (its error shows) or expired; a
// stalled one (no progress for minutes) shows 已停滞 and a button that starts it anew, and is still polled.
(function () {
  var box = document.querySelector('[data-bundle-status]');
  if (!box) return;
  var url = box.getAttribute('data-bundle-status');
  var bar = box.querySelector('progress');
  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function render(d) {
    bar.value = d.percent;
    bar.textContent = d.percent + ' %';
    field('percent').textContent = d.percent + ' %';
    field('count').textContent = d.done + ' / ' + d.total;
    field('state').textContent = d.state_label;
    var error = field('error');
    error.querySelector('p').textContent = d.error || '';
    error.hidden = !d.error;
    field('download').hidden = d.state !== 'done';
    field('stalled').hidden = !d.stalled;  // its restart button asks for the same bundle anew
    return d.state === 'queued' || d.state === 'running' || d.state === 'stalled';
  }
  function poll() {
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (!d || render(d)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
