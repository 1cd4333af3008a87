/* Anpei lesson page: reports to the server what the page is doing, and the server measures and decides what it
 * credits (app/training/crediting.py). A report ("beat") goes every few seconds and at once whenever the page's state
 * changes — play, pause, the end of the video, hidden, shown, left (pagehide, by navigator.sendBeacon) — so the
 * stretch before each change is judged by what the page said when it began. A video reports its position (and,
 * when the learner seeks back, where the watched stretch ended and where playback goes on); its rate is held at
 * the platform's maximum and it never seeks past the furthest point watched. A PDF, image or text lesson reports
 * whether the learner scrolled, turned a page, tapped or typed since the last beat, and answers the server's
 * "还在学习吗？" prompt with the nonce the server gave. No inline script: CSP-safe. */
(function () {
  'use strict';

  var root = document.getElementById('study');
  if (!root || root.dataset.studyable !== 'yes') return;
  var T = JSON.parse(document.getElementById('study-i18n').textContent);
  var video = document.getElementById('study-video');
  var status = document.getElementById('study-status');
  var creditedNode = root.querySelector('[data-testid="credited"]');
  var promptBox = document.getElementById('study-prompt');
  var interval = Math.max(1, parseInt(root.dataset.interval, 10) || 30) * 1000;
  var lessonId = parseInt(root.dataset.lesson, 10);
  var maxRate = parseFloat(root.dataset.maxRate) || 1;
  var token = null, furthest = 0, timer = null, stopped = false;
  var playedTo = 0;       // the video's position before a seek (timeupdate, while not seeking)
  var active = false;     // a document: the learner showed they are there since the last beat
  var reported = null;    // the state the last beat told the server: 'on', 'hidden' or 'paused'
  var promptNonce = '';
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

  function visible() { return document.visibilityState === 'visible'; }
  function playing() { return video ? !video.paused && !video.ended : true; }
  function state() { return !visible() ? 'hidden' : playing() ? 'on' : 'paused'; }

  // One beat: what the page is doing from now on, and for the stretch before it, the position (a video) or
  // whether the learner was there (a document). ``extra`` overrides fields (a seek, an answer, leaving).
  function beat(extra, leaving) {
    if (!token || stopped) return;
    var body = {
      token: token,
      lesson_id: lessonId,
      position: video ? video.currentTime : 0,
      visible: visible(),
      playing: playing(),
      active: active
    };
    for (var k in extra || {}) body[k] = extra[k];
    active = false;
    reported = body.visible ? (body.playing ? 'on' : 'paused') : 'hidden';
    if (leaving) { send(body); return; }
    post(root.dataset.beat, body).then(function (res) { answered(res.data || {}); })
      .catch(function () { show('offline'); });
  }

  // The page is being hidden or left: a beacon still reaches the server after the page is gone. A beacon sends
  // no header, so the CSRF token goes as a form field and the beat as JSON beside it.
  function send(body) {
    var form = new FormData();
    form.append('csrf_token', root.dataset.csrf);
    form.append('beat', JSON.stringify(body));
    if (!(navigator.sendBeacon && navigator.sendBeacon(root.dataset.beat, form))) {
      fetch(root.dataset.beat, { method: 'POST', body: form, credentials: 'same-origin', keepalive: true });
    }
  }

  var STOPS = { taken_over: 1, absent: 1, not_enrolled: 1, not_in_class: 1, closed: 1, daily_cap: 1 };
  var PAST = { paused: 1, hidden: 1, duplicate: 1 };  // about the stretch before: say what happens now

  function answered(d) {
    if (typeof d.lesson_seconds === 'number') showCredited(d.lesson_seconds);
    if (typeof d.furthest === 'number') furthest = Math.max(furthest, d.furthest);
    if (d.snapshot_due && shooter) shooter.take();
    if (d.refusal && STOPS[d.refusal]) { stop(); show(d.refusal); return; }
    if (d.refusal === 'prompt' && d.prompt) { ask(d.prompt); return; }
    if (!d.refusal || PAST[d.refusal]) {
      var now = state();
      // held: 人像抓拍 awaiting its check or 复核 (this stretch counts once it is confirmed)
      show(now === 'on' ? (d.held ? 'held_' + d.held : 'studying') : now);
      return;
    }
    show(d.refusal);
  }

  // 还在学习吗？: the clock holds until the learner answers with the server's nonce.
  function ask(nonce) {
    promptNonce = nonce;
    show('prompt');
    if (promptBox) promptBox.hidden = false;
  }
  if (promptBox) {
    document.getElementById('study-prompt-answer').addEventListener('click', function () {
      promptBox.hidden = true;
      if (!promptNonce) return;
      var nonce = promptNonce;
      promptNonce = '';
      active = true;
      beat({ answer: nonce });
    });
  }

  function stop() {
    stopped = true;
    if (timer) clearInterval(timer);
    if (video) video.pause();
    if (promptBox) promptBox.hidden = true;
  }

  // A change of state is reported at once (the stretch before it is credited by what the page said at its start).
  function changed() { if (state() !== reported) beat(); }

  if (video) {
    video.defaultPlaybackRate = Math.min(video.defaultPlaybackRate || 1, maxRate);
    video.playbackRate = Math.min(video.playbackRate || 1, maxRate);
    video.addEventListener('ratechange', function () {
      if (video.playbackRate > maxRate) {
        video.playbackRate = maxRate;
        if (status) status.textContent = T.rate.replace('{rate}', maxRate);
      }
    });
    video.addEventListener('timeupdate', function () {
      if (video.seeking) return;
      if (video.currentTime - playedTo < 2) furthest = Math.max(furthest, video.currentTime);
      playedTo = video.currentTime;
    });
    video.addEventListener('seeking', function () {
      if (video.currentTime > furthest + 1) { video.currentTime = furthest; show('no_seek'); return; }
      // a seek within what was watched: the stretch up to the old position counts, the next starts here
      if (Math.abs(video.currentTime - playedTo) > 1) beat({ position: playedTo, seek_to: video.currentTime });
      playedTo = video.currentTime;
    });
    ['play', 'playing', 'pause', 'ended'].forEach(function (name) {
      video.addEventListener(name, function () { if (visible()) changed(); });
    });
  } else {
    // a document: scrolling, a page turn (lesson_pdf.js), a tap or a key shows the learner is there
    var seen = function () { active = true; };
    ['scroll', 'wheel', 'touchstart', 'pointerdown', 'keydown'].forEach(function (name) {
      window.addEventListener(name, seen, { passive: true, capture: true });
    });
    document.addEventListener('anpei:activity', seen);
  }

  document.addEventListener('visibilitychange', function () {
    if (!visible()) {
      if (video) video.pause();
      beat(null, true);  // hidden: the page may be frozen next, so by beacon
    } else {
      changed();
    }
  });
  window.addEventListener('pagehide', function () { beat({ visible: false, playing: false }, true); });

  post(root.dataset.start).then(function (res) {
    var d = res.data || {};
    if (!res.ok || !d.token) { show('closed'); return; }
    token = d.token;
    furthest = d.furthest || 0;
    showCredited(d.credited || 0);
    if (video && furthest > 0) video.currentTime = Math.min(furthest, video.duration || furthest);
    playedTo = video ? video.currentTime : 0;
    if (d.snapshot && d.snapshot.due && shooter) shooter.take();
    beat();
    timer = setInterval(function () { beat(); }, interval);
  }).catch(function () { show('offline'); });
})();
