/* The worker's exam list: ask before the clock starts; enable an upcoming sitting's start button when it opens
 * (the server sends the seconds until then, so the phone's own clock does not matter). */
(function () {
  'use strict';
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });
  document.querySelectorAll('button[data-opens-in]').forEach(function (button) {
    var ms = Number(button.dataset.opensIn) * 1000;
    if (!(ms <= 12 * 3600 * 1000)) return;   // days ahead: the page will have been reloaded by then
    setTimeout(function () {
      button.disabled = false;
      button.textContent = button.dataset.label;
    }, ms);
  });
})();
