/* Anpei exam page: one question at a time or all, question map, server-owned timer, and an answer queue that
 * never loses an answer (localStorage-backed, retried with backoff while offline, idempotent by sequence number).
 * No external libraries. Question text is only ever set with textContent. */
(function () {
  'use strict';

  var root = document.getElementById('exam');
  if (!root) return;
  var API = root.dataset.api.replace(/\/$/, '');
  var CSRF = root.dataset.csrf;
  var RESULT_URL = root.dataset.resultUrl;
  var T = JSON.parse(document.getElementById('exam-i18n').textContent);
  var STORE = 'anpei-exam:' + API;
  var LETTERS = 'ABCDEFGH';

  var questions = [];          // public view: position, type, stem, options, points, section_title
  var answers = {};            // position -> {response, flagged} as shown on screen
  var pending = {};            // position -> {response, flagged, seq} not yet confirmed by the server
  var seqCounter = 0;          // last sequence number used on this device
  var clockBase = null;        // performance.now() at the attempt's start, by the server's clock
  var deadlineAt = null;       // performance.now() when time is up
  var current = 0;
  var mode = 'one';
  var closed = false, sending = false, submitting = false;
  var backoff = 1000, retryTimer = null, lastFocusEvent = 0, focusCount = 0;
  var nodes = {};              // position -> {section, status, inputs, flag}

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function $(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ local storage (survives reloads)

  function loadStore() {
    try {
      var data = JSON.parse(localStorage.getItem(STORE) || '{}');
      pending = data.pending || {};
      seqCounter = data.seq || 0;
      mode = data.mode || (window.matchMedia && window.matchMedia('(min-width: 900px)').matches ? 'all' : 'one');
      if (typeof data.current === 'number') current = data.current;   // resume at the last question
      return data;
    } catch (e) { return {}; }
  }
  function persist(extra) {
    try {
      var data = JSON.parse(localStorage.getItem(STORE) || '{}');
      data.pending = pending; data.seq = seqCounter; data.mode = mode; data.current = current;
      if (extra) for (var k in extra) data[k] = extra[k];
      localStorage.setItem(STORE, JSON.stringify(data));
    } catch (e) { /* private mode or full: the queue still works in memory */ }
  }

  // ------------------------------------------------------------------ HTTP

  function request(path, body, options) {
    var init = { method: body === undefined ? 'GET' : 'POST', credentials: 'same-origin',
                 headers: { 'Accept': 'application/json', 'X-CSRFToken': CSRF } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (options && options.keepalive) init.keepalive = true;
    return fetch(API + path, init).then(function (r) {
      var json = (r.headers.get('Content-Type') || '').indexOf('application/json') === 0;
      if (!json) { var err = new Error('session'); err.session = true; throw err; }  // e.g. redirected to login
      var retryAfter = Number(r.headers.get('Retry-After')) || 0;  // seconds, on a 503 (the database is away)
      return r.json().then(function (data) { return { status: r.status, ok: r.ok, data: data, retryAfter: retryAfter }; });
    });
  }

  // ------------------------------------------------------------------ state

  function answered(a) {
    if (!a || a.response === null || a.response === undefined) return false;
    return Array.isArray(a.response) ? a.response.length > 0 : String(a.response).trim() !== '';
  }

  function syncClock(secondsLeft, elapsedMs) {
    var now = performance.now();
    if (typeof secondsLeft === 'number') deadlineAt = now + secondsLeft * 1000;
    if (typeof elapsedMs === 'number') clockBase = now - elapsedMs;
  }

  function nextSeq() {
    // Milliseconds since the start by the server's clock (comparable across devices), never going backwards here.
    var byClock = clockBase === null ? 0 : Math.floor(performance.now() - clockBase);
    seqCounter = Math.max(seqCounter + 1, byClock);
    return seqCounter;
  }

  function applyState(st) {
    if (st.state !== 'in_progress') { finish(); return; }
    questions = st.questions;
    syncClock(st.seconds_left, st.elapsed_ms);
    tick();
    seqCounter = Math.max(seqCounter, st.max_seq || 0);
    answers = {};
    var serverSeq = {};
    Object.keys(st.answers).forEach(function (pos) {
      answers[pos] = { response: st.answers[pos].response, flagged: st.answers[pos].flagged };
      serverSeq[pos] = st.answers[pos].seq;
    });
    Object.keys(pending).forEach(function (pos) {   // local changes not yet saved win over older saved ones
      if (pending[pos].seq > (serverSeq[pos] || 0)) answers[pos] = { response: pending[pos].response, flagged: pending[pos].flagged };
      else delete pending[pos];
    });
    persist({ snapshot: { questions: questions, answers: st.answers, title: st.title } });
    render();
    flush();
  }

  function loadState(attempt) {
    request('/state').then(function (r) {
      if (!r.ok) throw new Error('status ' + r.status);
      hideMessage();
      applyState(r.data);
    }).catch(function (err) {
      var snap = loadStore().snapshot;
      if (snap && !questions.length) {          // offline reload: show the cached paper and the local answers
        questions = snap.questions;
        Object.keys(snap.answers || {}).forEach(function (p) { answers[p] = snap.answers[p]; });
        Object.keys(pending).forEach(function (p) { answers[p] = pending[p]; });
        render();
      }
      showMessage(err.session ? T.session : (navigator.onLine === false ? T.offline : T.load_failed));
      setTimeout(function () { loadState((attempt || 0) + 1); }, Math.min(30000, 1000 * Math.pow(2, attempt || 0)));
    });
  }

  // ------------------------------------------------------------------ answer queue

  function queue(pos) {
    if (closed) return;
    var a = answers[pos] || { response: null, flagged: false };
    pending[pos] = { response: a.response, flagged: !!a.flagged, seq: nextSeq() };
    persist();
    updateStatus(pos);
    flush();
  }

  // Again after the server's Retry-After when it gave one (a database restart: every page retries when it is back,
  // not 1, 2, 4, 8, 16 s later), else after a doubling backoff; spread by ±20 % so that thousands of pages that
  // failed together do not come back together.
  function scheduleRetry(retryAfter) {
    if (retryTimer) return;
    var delay = retryAfter ? Math.min(retryAfter * 1000, 30000) : backoff;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, delay * (0.8 + 0.4 * Math.random()));
    if (!retryAfter) backoff = Math.min(backoff * 2, 30000);
  }

  function flush() {
    if (sending || closed) return;
    var positions = Object.keys(pending);
    if (!positions.length) { updateGlobal(); return; }
    var pos = positions[0], item = pending[pos];
    sending = true;
    updateGlobal();
    request('/answer', { position: Number(pos), response: item.response, seq: item.seq, flagged: item.flagged })
      .then(function (r) {
        sending = false;
        if (r.ok) {
          if (pending[pos] && pending[pos].seq <= r.data.seq) delete pending[pos];
          persist();
          syncClock(r.data.seconds_left);
          backoff = 1000;
          hideMessage();
          updateStatus(pos);
          flush();
        } else if (r.status === 409) {
          closed = true;
          showMessage(T.closed);
          finish();
        } else if (r.status === 400) {
          delete pending[pos];           // the server will never take it: don't retry forever
          persist();
          showMessage(T.invalid);
          updateStatus(pos);
          flush();
        } else {
          scheduleRetry(r.retryAfter);
          updateGlobal();
        }
      })
      .catch(function (err) {
        sending = false;
        showMessage(err.session ? T.session : T.offline);
        scheduleRetry();
        updateGlobal();
      });
  }

  window.addEventListener('online', function () {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    backoff = 1000;
    hideMessage();
    flush();
  });
  window.addEventListener('offline', function () { showMessage(T.offline); updateGlobal(); });

  // ------------------------------------------------------------------ rendering

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render() {
    var box = $('questions');
    box.textContent = '';
    nodes = {};
    var map = $('qmap');
    map.textContent = '';
    questions.forEach(function (q) {
      var pos = q.position;
      var section = el('section', 'q');
      section.id = 'q-' + pos;
      section.dataset.pos = pos;
      section.setAttribute('data-testid', 'question');
      var head = el('div', 'q-head');
      head.appendChild(el('span', 'q-no', fmt(T.question_n, { n: pos + 1 })));
      head.appendChild(el('span', 'q-type muted', (T.types[q.type] || q.type) + ' · ' + fmt(T.points, { n: q.points })));
      var status = el('span', 'q-status');
      status.setAttribute('data-testid', 'q-status');
      head.appendChild(status);
      section.appendChild(head);
      section.appendChild(el('p', 'q-stem', q.stem));
      var inputs = [];
      var a = answers[pos] || {};
      if (q.type === 'fill') {
        var input = el('input', 'q-fill');
        input.type = 'text';
        input.maxLength = 500;
        input.placeholder = T.fill_placeholder;
        input.value = typeof a.response === 'string' ? a.response : '';
        input.setAttribute('aria-label', fmt(T.question_n, { n: pos + 1 }));
        var timer = null;
        var commit = function () {
          clearTimeout(timer);
          var value = input.value;
          var before = answers[pos] ? answers[pos].response : null;
          if ((before || '') === value) return;
          answers[pos] = { response: value === '' ? null : value, flagged: (answers[pos] || {}).flagged };
          queue(pos);
        };
        input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(commit, 600); });
        input.addEventListener('change', commit);
        inputs.push(input);
        section.appendChild(input);
      } else {
        var list = el('div', 'q-options');
        var multi = q.type === 'multiple';
        var chosen = Array.isArray(a.response) ? a.response : [];
        q.options.forEach(function (text, i) {
          var label = el('label', 'q-option');
          var box = document.createElement('input');
          box.type = multi ? 'checkbox' : 'radio';
          box.name = 'q-' + pos;
          box.value = i;
          box.checked = chosen.indexOf(i) >= 0;
          box.addEventListener('change', function () {
            var picked = inputs.filter(function (b) { return b.checked; }).map(function (b) { return Number(b.value); });
            answers[pos] = { response: picked.length ? picked : null, flagged: (answers[pos] || {}).flagged };
            queue(pos);
          });
          inputs.push(box);
          label.appendChild(box);
          if (q.type !== 'true_false') label.appendChild(el('span', 'q-letter', LETTERS[i] + '.'));
          label.appendChild(el('span', 'q-text', text));
          list.appendChild(label);
        });
        section.appendChild(list);
      }
      var flagLabel = el('label', 'q-flag');
      var flag = document.createElement('input');
      flag.type = 'checkbox';
      flag.checked = !!a.flagged;
      flag.addEventListener('change', function () {
        var cur = answers[pos] || { response: null };
        answers[pos] = { response: cur.response, flagged: flag.checked };
        queue(pos);
      });
      flagLabel.appendChild(flag);
      flagLabel.appendChild(el('span', '', T.flag));
      section.appendChild(flagLabel);
      box.appendChild(section);

      var button = el('button', 'qmap-item', String(pos + 1));
      button.type = 'button';
      button.setAttribute('data-testid', 'qmap-item');
      button.addEventListener('click', function () { openMap(false); go(pos, true); });
      map.appendChild(button);
      nodes[pos] = { section: section, status: status, map: button };
      updateStatus(pos);
    });
    setMode(mode);
    updateGlobal();
    observeCurrent();
    if (current > 0) reveal(current);
  }

  function updateStatus(pos) {
    var n = nodes[pos];
    if (!n) return;
    var a = answers[pos];
    var isPending = Object.prototype.hasOwnProperty.call(pending, pos);
    n.status.textContent = isPending ? T.unsaved : (answered(a) || (a && a.flagged) ? T.saved : '');
    n.status.className = 'q-status ' + (isPending ? 'unsaved' : 'saved');
    n.map.classList.toggle('answered', answered(a));
    n.map.classList.toggle('flagged', !!(a && a.flagged));
    n.map.classList.toggle('unsaved', isPending);
    n.map.classList.toggle('current', pos === current && mode === 'one');
    updateGlobal();
    updateMapButton();
  }

  function updateGlobal() {
    var count = Object.keys(pending).length;
    var s = $('save-status');
    s.textContent = count ? fmt(T.unsaved_n, { n: count }) : T.saved;
    s.className = 'save-status ' + (count ? 'unsaved' : 'saved');
  }

  function setMode(m) {
    mode = m;
    root.classList.toggle('mode-one', m === 'one');
    root.classList.toggle('mode-all', m === 'all');
    $('mode-toggle').textContent = m === 'one' ? T.show_all : T.show_one;
    persist();
    go(current, false);
  }

  function go(pos, scroll) {
    if (!questions.length) return;
    current = Math.max(0, Math.min(questions.length - 1, pos));
    persist();
    Object.keys(nodes).forEach(function (p) {
      var n = nodes[p];
      n.section.hidden = mode === 'one' && Number(p) !== current;
      n.map.classList.toggle('current', Number(p) === current && mode === 'one');
    });
    $('position').textContent = fmt(T.position, { i: current + 1, n: questions.length });
    $('prev').disabled = current === 0;
    $('next').disabled = current === questions.length - 1;
    if (scroll) reveal(current);
    updateMapButton();
  }

  // The current question stays in view: scrolled to when it starts above the screen or below its middle.
  function reveal(pos) {
    var n = nodes[pos];
    if (!n) return;
    var top = n.section.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight / 2) n.section.scrollIntoView({ block: 'start' });
  }

  // Showing all questions, the one being read (the topmost visible) is the current one, kept for a reload.
  var observer = null;
  function observeCurrent() {
    if (observer) observer.disconnect();
    if (!('IntersectionObserver' in window)) return;
    observer = new IntersectionObserver(function (entries) {
      if (mode !== 'all') return;
      var seen = entries.filter(function (e) { return e.isIntersecting; })
                        .map(function (e) { return Number(e.target.dataset.pos); });
      if (seen.length) { current = Math.min.apply(null, seen); persist(); updateMapButton(); }
    }, { rootMargin: '-20% 0px -60% 0px' });
    Object.keys(nodes).forEach(function (p) { observer.observe(nodes[p].section); });
  }

  // ------------------------------------------------------------------ question map: a sheet on phones

  function updateMapButton() {
    var done = questions.filter(function (q) { return answered(answers[q.position]); }).length;
    $('qmap-toggle').textContent = fmt(T.map_button, { i: current + 1, n: questions.length, done: done });
  }
  function openMap(open) {
    root.classList.toggle('map-open', open);
    $('qmap-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  $('qmap-toggle').addEventListener('click', function () { openMap(!root.classList.contains('map-open')); });
  $('qmap-backdrop').addEventListener('click', function () { openMap(false); });

  $('mode-toggle').addEventListener('click', function () { setMode(mode === 'one' ? 'all' : 'one'); });
  $('prev').addEventListener('click', function () { go(current - 1, true); });
  $('next').addEventListener('click', function () { go(current + 1, true); });

  function showMessage(text) { var m = $('exam-message'); m.textContent = text; m.hidden = false; }
  function hideMessage() { $('exam-message').hidden = true; }

  // ------------------------------------------------------------------ timer

  function tick() {
    if (deadlineAt === null) return;
    var left = Math.max(0, Math.round((deadlineAt - performance.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var text = (h ? h + ':' : '') + (m < 10 && h ? '0' : '') + m + ':' + (s < 10 ? '0' : '') + s;
    var timer = $('exam-timer');
    timer.textContent = text;
    timer.classList.toggle('warn', left <= 300);
    if (left === 0 && !closed && !submitting) {
      showMessage(T.time_up);
      doSubmit();
    }
  }
  setInterval(tick, 1000);

  // ------------------------------------------------------------------ integrity: focus loss

  // Leaving is counted: the page hidden (another app or tab) or the window blurred (another app) for more than
  // LEAVE_MS. A reload, a link within the exam or closing the tab unloads the page first, so it never counts.
  var LEAVE_MS = Number(root.dataset.leaveMs || 3000);
  var away = null;             // {kind, timer} while the page is hidden or blurred
  var unloading = false;

  function reportLeave(kind) {
    if (closed || unloading) return;
    var now = Date.now();
    if (now - lastFocusEvent < 1500) return;   // a tab switch fires blur and visibilitychange: count it once
    lastFocusEvent = now;
    focusCount += 1;
    request('/focus', { event: kind }, { keepalive: true }).then(function (r) {
      if (r.ok) { focusCount = r.data.focus_losses; showMessage(fmt(T.focus_warning, { n: focusCount })); }
    }).catch(function () {});
    showMessage(fmt(T.focus_warning, { n: focusCount }));
  }
  function leaving(kind) {
    if (closed || unloading || away) return;
    away = { kind: kind, since: Date.now(), counted: false };
    away.timer = setTimeout(function () { if (away) { away.counted = true; reportLeave(away.kind); } }, LEAVE_MS);
  }
  function back() {
    if (!away) return;
    clearTimeout(away.timer);
    // a throttled background timer may not have fired yet: count it on return when it was long enough
    if (!away.counted && !unloading && Date.now() - away.since >= LEAVE_MS) reportLeave(away.kind);
    away = null;
  }
  function unload() { unloading = true; if (away) { clearTimeout(away.timer); away = null; } }
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') leaving('hidden'); else back();
  });
  window.addEventListener('blur', function () { if (document.visibilityState === 'visible') leaving('blur'); });
  window.addEventListener('focus', back);
  window.addEventListener('pagehide', unload);
  window.addEventListener('beforeunload', unload);

  // ------------------------------------------------------------------ submit

  function openConfirm() {
    var missing = questions.filter(function (q) { return !answered(answers[q.position]); });
    $('confirm-summary').textContent = fmt(T.summary, { total: questions.length, done: questions.length - missing.length,
                                                         left: missing.length });
    var flagged = questions.filter(function (q) { return answers[q.position] && answers[q.position].flagged; });
    var list = $('confirm-unanswered');
    list.textContent = '';
    if (!missing.length && !flagged.length) list.appendChild(el('li', 'muted', T.all_answered));
    var flaggedList = $('confirm-flagged');
    flaggedList.textContent = '';
    flaggedList.hidden = !flagged.length;
    if (flagged.length) flaggedList.appendChild(el('li', 'muted', fmt(T.flagged_summary, { n: flagged.length })));
    flagged.forEach(function (q) {
      var li = el('li');
      var link = el('button', 'link', fmt(T.flagged_item, { n: q.position + 1 }));
      link.type = 'button';
      link.setAttribute('data-testid', 'flagged-item');
      link.addEventListener('click', function () { closeConfirm(); go(q.position, true); });
      li.appendChild(link);
      flaggedList.appendChild(li);
    });
    missing.forEach(function (q) {
      var li = el('li');
      var link = el('button', 'link', fmt(T.unanswered_item, { n: q.position + 1 }));
      link.type = 'button';
      link.addEventListener('click', function () { closeConfirm(); go(q.position, true); });
      li.appendChild(link);
      list.appendChild(li);
    });
    var unsaved = Object.keys(pending).length;
    $('confirm-unsaved').hidden = !unsaved;
    $('confirm-unsaved').textContent = unsaved ? fmt(T.pending_submit, { n: unsaved }) : '';
    $('confirm').hidden = false;
    $('confirm-yes').focus();
  }
  function closeConfirm() { $('confirm').hidden = true; }

  function doSubmit() {
    if (submitting) return;
    submitting = true;
    $('submit').disabled = $('confirm-yes').disabled = true;
    showMessage(T.submitting);
    var attempt = 0;
    (function trySubmit() {
      // Save every queued answer first; while offline this waits (the deadline grace covers a short outage).
      if (Object.keys(pending).length && !closed) {
        flush();
        setTimeout(trySubmit, 500);
        return;
      }
      request('/submit', {}).then(function (r) {
        if (!r.ok) throw new Error('status ' + r.status);
        finish();
      }).catch(function () {
        showMessage(T.submit_failed);
        attempt += 1;
        setTimeout(trySubmit, Math.min(30000, 1000 * Math.pow(2, attempt)));
      });
    })();
  }

  function finish() {
    closed = true;
    try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
    window.location.assign(RESULT_URL);
  }

  $('submit').addEventListener('click', openConfirm);
  $('confirm-no').addEventListener('click', closeConfirm);
  $('confirm-yes').addEventListener('click', function () { closeConfirm(); doSubmit(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeConfirm(); });

  loadStore();
  var first = $('exam-state');   // the first state comes inside the page; reloads of it use {api}/state
  if (first) applyState(JSON.parse(first.textContent)); else loadState(0);
})();
