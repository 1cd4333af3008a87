/* Anpei 人像抓拍: with the learner's consent, opens the front camera (a small preview stays visible while it is on),
 * and when the server says a snapshot is due draws one frame on a <canvas> and POSTs it as a JPEG (CSRF header).
 * The server decides when snapshots are due, checks each one (one face, not the same picture again) and keeps
 * crediting paused while one is missing; this script only takes them, and says how each try ended in
 * #snapshot-status, with a 重拍 button (#snapshot-retry) after a refusal or a failure. Every step has a time limit,
 * so the page never stays on "正在人像抓拍…". Nothing is taken while the page is hidden: the camera is switched off
 * and a due snapshot waits until the page is visible again. Used by the lesson page (study.js calls take() when a
 * heartbeat answers snapshot_due) and the exam page (it asks the server itself every 30 s). No inline script. */
(function () {
  'use strict';

  var MAX_SIDE = 640;
  var CAMERA_MS = 20000, FRAME_MS = 5000, UPLOAD_MS = 20000;
  // after a try failed, the page's own due notices wait this long before trying again (the 重拍 button does not)
  var AUTO_PAUSE_MS = 20000;
  // the end states after which the learner may retake at once (the next due notice retakes by itself too)
  var RETRY = {
    snapshot_refused: true, snapshot_failed: true, camera_denied: true, camera_missing: true, camera_failed: true
  };
  var CAMERA_ERRORS = {
    NotAllowedError: 'camera_denied', SecurityError: 'camera_denied',
    NotFoundError: 'camera_missing', OverconstrainedError: 'camera_missing'
  };
  var i18n = document.getElementById('snapshot-i18n');
  var T = i18n ? JSON.parse(i18n.textContent) : {};

  function Failure(state, message) { this.state = state; this.message = message || ''; }

  function limit(promise, ms, state) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Failure(state)); }, ms);
      promise.then(function (v) { clearTimeout(timer); resolve(v); },
                   function (e) { clearTimeout(timer); reject(e); });
    });
  }

  function visible() { return document.visibilityState === 'visible'; }

  function Snapshotter(opts) {
    var stream = null, video = null, busy = null, waiting = false, failedAt = 0;
    var status = opts.status || document.getElementById('snapshot-status');
    var retry = opts.retry || document.getElementById('snapshot-retry');

    function show(state, message) {
      if (status) {
        status.textContent = message || T[state] || '';
        status.dataset.state = state;
      }
      if (retry) retry.hidden = !RETRY[state];
    }

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      if (video) video.srcObject = null;
    }

    function frameReady() {
      return new Promise(function (resolve) {
        if (video.readyState >= 2 && video.videoWidth) { resolve(); return; }
        video.addEventListener('loadeddata', function () { resolve(); }, { once: true });
      });
    }

    function camera() {
      if (stream && stream.active) return Promise.resolve();
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        return Promise.reject(new Failure('camera_failed'));
      }
      var asked = navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false
      }).catch(function (e) {
        throw new Failure(CAMERA_ERRORS[e && e.name] || 'camera_failed');  // NotReadableError: in use elsewhere
      });
      return limit(asked, CAMERA_MS, 'camera_failed').then(function (s) {
        stream = s;
        if (!video) {
          video = document.createElement('video');
          video.muted = true;
          video.setAttribute('playsinline', '');
          video.setAttribute('aria-label', opts.label || T.camera || '');
          video.className = 'snapshot-camera';
          video.dataset.testid = 'snapshot-camera';
          document.body.appendChild(video);
        }
        video.srcObject = s;
        video.play().catch(function () {});
        return limit(frameReady(), FRAME_MS, 'camera_failed');
      });
    }

    function capture() {
      if (!visible()) throw new Failure('hidden');
      var w = video.videoWidth || 640, h = video.videoHeight || 480;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
      return limit(new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', 0.85); }),
                   FRAME_MS, 'camera_failed');
    }

    function upload(blob) {
      if (!blob) throw new Failure('camera_failed');
      var abort = window.AbortController ? new AbortController() : null;
      var timer = setTimeout(function () { if (abort) abort.abort(); }, UPLOAD_MS);
      var sent = fetch(opts.url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'image/jpeg', 'X-CSRFToken': opts.csrf },
        body: blob,
        signal: abort ? abort.signal : undefined
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (r.ok) return d;
          var error = (d && d.error) || {};
          if (error.code === 'snapshot.not_due') throw new Failure('snapshot_not_due', error.message);
          throw r.status < 500 && error.message ? new Failure('snapshot_refused', error.message)
                                                : new Failure('snapshot_failed');
        });
      }, function () { throw new Failure('snapshot_failed'); });
      return limit(sent, UPLOAD_MS + 1000, 'snapshot_failed').then(function (d) {
        clearTimeout(timer);
        return d;
      }, function (e) { clearTimeout(timer); throw e; });
    }

    // Take one snapshot now (later, if the page is hidden); concurrent calls share it. Resolves with the server's
    // answer, or null when none was taken; every path ends in a state the learner can read. ``now``: the learner
    // asked (重拍) — else, shortly after a failed try, the due notice waits for the learner or AUTO_PAUSE_MS.
    function take(now) {
      if (busy) return busy;
      if (!now && failedAt && Date.now() - failedAt < AUTO_PAUSE_MS) return Promise.resolve(null);
      if (!visible()) { waiting = true; return Promise.resolve(null); }
      waiting = false;
      show('snapshot_taking');
      busy = camera().then(capture).then(upload).then(function (d) {
        failedAt = 0;
        show('snapshot_taken');
        return d;
      }, function (e) {
        var failure = e instanceof Failure ? e : new Failure('camera_failed');
        if (failure.state === 'hidden') { waiting = true; show('snapshot_waiting'); return null; }
        if (failure.state !== 'snapshot_not_due') failedAt = Date.now();
        show(failure.state, failure.message);
        return null;
      }).then(function (d) { busy = null; return d; });
      return busy;
    }

    document.addEventListener('visibilitychange', function () {
      if (!visible()) stopCamera();   // no camera, and no snapshot, while the page is hidden
      else if (waiting) take(true);
    });
    if (retry) retry.addEventListener('click', function () { take(true); });

    return { take: function () { return take(false); } };
  }

  window.AnpeiSnapshot = Snapshotter;

  // The exam page: a #snapshot element with data-url (POST a snapshot, GET whether one is due) and data-csrf.
  var box = document.getElementById('snapshot');
  if (!box || box.dataset.mode !== 'exam' || box.dataset.consent !== 'yes') return;
  var shooter = Snapshotter({ url: box.dataset.url, csrf: box.dataset.csrf });
  function check() {
    fetch(box.dataset.url, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (d) {
      if (d && d.due) shooter.take();
    }).catch(function () {});
  }
  if (box.dataset.due === 'yes') shooter.take();
  setInterval(check, Math.max(5, parseInt(box.dataset.poll, 10) || 30) * 1000);
})();
