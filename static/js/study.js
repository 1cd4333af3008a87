/* Anpei lesson page: tells the server, every few seconds, that the lesson is really being studied (page visible,
 * video playing, at which position). The server measures the time itself; this script only reports, forbids
 * seeking past the furthest point watched, and shows what was credited. No inline script: CSP-safe. */
(function () {
  'use strict';

  var root = document.getElementById('study');
  if (!root || root.dataset.studyable !== 'yes') return;
  var T = JSON.parse(document.getElementById('study-i18n').textContent);
  var video = document.getElementById('study-video');
  var status = document.getElementById('study-status');
  var creditedNode = root.querySelector('[data-testid="credited"]');
  var interval = Math.max(1, parseInt(root.dataset.interval, 10) || 30) * 1000;
  var lessonId = parseInt(root.dataset.lesson, 10);
  var token = null, furthest = 0, timer = null, stopped = false, lastTime = 0;
  // 人像抓拍: required unless data-consent is absent; not answered yet → the consent step comes first, no studying.
  var consent = root.dataset.consent || '';
  if (consent === 'none') { show('consent_needed'); return; }
  // snapshot.js says how each snapshot went in its own line (#snapshot-status), with a 重拍 button
  var shooter = consent === 'yes' && window.AnpeiSnapshot ? window.AnpeiSnapshot({
    url: root.dataset.snapshot,
    csrf: root.dataset.csrf
  }) : null;

  function show(key) { if (status) status.textContent = T[key] || ''; }
  function showCredited(seconds) {
    creditedNode.textContent = T.credited.replace('{m}', Math.floor(seconds / 60)).replace('{s}', seconds % 60);
    creditedNode.dataset.seconds = String(seconds);
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': root.dataset.csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function playing() { return video ? !video.paused && !video.ended : true; }
  function visible() { return document.visibilityState === 'visible'; }

  // A beat with playing=false restarts the server's clock: time spent hidden or paused is never credited.
  function beat(reset) {
    if (!token || stopped) return;
    post(root.dataset.beat, {
      token: token,
      lesson_id: lessonId,
      position: video ? video.currentTime : 0,
      visible: visible(),
      playing: reset ? false : playing()
    }).then(function (res) {
      var d = res.data || {};
      if (typeof d.lesson_seconds === 'number') showCredited(d.lesson_seconds);
      if (typeof d.furthest === 'number') furthest = Math.max(furthest, d.furthest);
      if (reset) return;
      if (d.refusal === 'taken_over') { stop(); show('taken_over'); return; }
      show(d.refusal || (d.held ? 'held_' + d.held : 'studying'));  // held: 人像抓拍 awaiting its check or 复核
      if (d.snapshot_due && shooter) shooter.take();
    }).catch(function () { show('offline'); });
  }

  function stop() {
    stopped = true;
    if (timer) clearInterval(timer);
    if (video) video.pause();
  }

  if (video) {
    video.addEventListener('timeupdate', function () {
      if (!video.seeking && video.currentTime - lastTime < 2) furthest = Math.max(furthest, video.currentTime);
      lastTime = video.currentTime;
    });
    video.addEventListener('seeking', function () {
      if (video.currentTime > furthest + 1) { video.currentTime = furthest; show('no_seek'); }
      lastTime = video.currentTime;
    });
    video.addEventListener('play', function () { beat(true); });
    video.addEventListener('pause', function () { beat(false); });
  }
  document.addEventListener('visibilitychange', function () {
    if (!visible() && video) video.pause();
    beat(visible());   // hidden: tell the server now; visible again: restart its clock
  });

  post(root.dataset.start).then(function (res) {
    var d = res.data || {};
    if (!res.ok || !d.token) { show('closed'); return; }
    token = d.token;
    furthest = d.furthest || 0;
    showCredited(d.credited || 0);
    if (video && furthest > 0) video.currentTime = Math.min(furthest, video.duration || furthest);
    if (d.snapshot && d.snapshot.due && shooter) shooter.take();
    beat(false);
    timer = setInterval(function () { beat(false); }, interval);
  }).catch(function () { show('offline'); });
})();
