/* Anpei 人像抓拍: with the learner's consent, opens the front camera (a small preview stays visible while it is on),
 * and when the server says a snapshot is due draws one frame on a <canvas> and POSTs it as a JPEG (CSRF header).
 * The server decides when snapshots are due and keeps crediting paused while one is missing; this script only takes
 * them. Used by the lesson page (study.js calls take() when a heartbeat answers snapshot_due) and the exam page
 * (it asks the server itself every 30 s). No inline script: CSP-safe. */
(function () {
  'use strict';

  var MAX_SIDE = 640;

  function Snapshotter(opts) {
    var stream = null, video = null, busy = null;
    var onState = opts.onState || function () {};

    function frameReady() {
      return new Promise(function (resolve) {
        if (video.readyState >= 2 && video.videoWidth) { resolve(); return; }
        video.addEventListener('loadeddata', function () { resolve(); }, { once: true });
        setTimeout(resolve, 4000);
      });
    }

    function camera() {
      if (stream && stream.active) return Promise.resolve();
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return Promise.reject(new Error('no camera'));
      return navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false
      }).then(function (s) {
        stream = s;
        if (!video) {
          video = document.createElement('video');
          video.muted = true;
          video.setAttribute('playsinline', '');
          video.setAttribute('aria-label', opts.label || '');
          video.className = 'snapshot-camera';
          video.dataset.testid = 'snapshot-camera';
          document.body.appendChild(video);
        }
        video.srcObject = s;
        return video.play().catch(function () {});
      }).then(frameReady);
    }

    function capture() {
      var w = video.videoWidth || 640, h = video.videoHeight || 480;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, 'image/jpeg', 0.85); });
    }

    // Take one snapshot now; concurrent calls share it. Resolves with the server's answer, or null on failure.
    function take() {
      if (busy) return busy;
      onState('snapshot_taking');
      busy = camera().then(capture).then(function (blob) {
        if (!blob) throw new Error('no frame');
        return fetch(opts.url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'image/jpeg', 'X-CSRFToken': opts.csrf },
          body: blob
        });
      }).then(function (r) {
        return r.json().then(function (d) {
          onState(r.ok ? 'snapshot_taken' : 'snapshot_failed', d);
          return r.ok ? d : null;
        });
      }, function () {
        onState('camera_failed');
        return null;
      }).then(function (d) { busy = null; return d; });
      return busy;
    }

    return { take: take };
  }

  window.AnpeiSnapshot = Snapshotter;

  // The exam page: a #snapshot element with data-url (POST a snapshot, GET whether one is due) and data-csrf.
  var box = document.getElementById('snapshot');
  if (!box || box.dataset.mode !== 'exam' || box.dataset.consent !== 'yes') return;
  var T = JSON.parse(document.getElementById('snapshot-i18n').textContent);
  var status = document.getElementById('snapshot-status');
  var shooter = Snapshotter({
    url: box.dataset.url,
    csrf: box.dataset.csrf,
    label: T.camera,
    onState: function (key) { if (status && T[key]) status.textContent = T[key]; }
  });
  function check() {
    fetch(box.dataset.url, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (d) {
      if (d && d.due) shooter.take();
    }).catch(function () {});
  }
  if (box.dataset.due === 'yes') shooter.take();
  setInterval(check, Math.max(5, parseInt(box.dataset.poll, 10) || 30) * 1000);
})();
