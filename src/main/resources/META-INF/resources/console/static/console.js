// onebase console: progressive behaviour only (upload progress, live flag preview, live job and backup progress).
// Loaded from the service itself; the Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function text(el, s) { if (el) { el.textContent = s; } }

  // --- upload with a progress bar: XHR, because fetch reports no upload progress ---
  var upload = document.getElementById('upload');
  if (upload) {
    upload.addEventListener('submit', function (e) {
      e.preventDefault();
      var file = document.getElementById('upload-file').files[0];
      if (!file) { return; }
      var bar = document.getElementById('upload-progress');
      var status = document.getElementById('upload-status');
      var folder = upload.dataset.folder || '';
      var url = '/console/files/upload?tenant=' + encodeURIComponent(upload.dataset.tenant) +
        '&path=' + encodeURIComponent(folder + file.name);
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.addEventListener('progress', function (p) {
        if (p.lengthComputable) {
          bar.value = Math.round(100 * p.loaded / p.total);
          text(status, bar.value + '% of ' + p.total + ' bytes sent');
        }
      });
      xhr.addEventListener('load', function () {
        if (xhr.status === 200 || xhr.status === 201) {
          bar.value = 100;
          text(status, 'Uploaded ' + file.name);
          setTimeout(function () { location.reload(); }, 400);
        } else {
          var detail = xhr.responseText;
          try { detail = JSON.parse(xhr.responseText).detail; } catch (ignored) { /* keep the text */ }
          text(status, 'Upload failed: ' + detail);
        }
      });
      xhr.addEventListener('error', function () { text(status, 'Upload failed: the connection broke'); });
      text(status, 'Uploading…');
      xhr.send(file);
    });
  }

  // --- live flag preview: evaluates the flag as typed, for the context as typed ---
  var flag = document.getElementById('flag-json');
  var context = document.getElementById('flag-context');
  var preview = document.getElementById('flag-preview');
  if (flag && context && preview) {
    var timer;
    var evaluate = function () {
      fetch(flag.dataset.preview, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ key: document.getElementById('flag-key').value, flag: flag.value, context: context.value })
      }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (res.ok) {
            text(preview, 'variant ' + res.body.variant + ' = ' + JSON.stringify(res.body.value) + ' (' + res.body.reason + ')');
          } else {
            text(preview, 'cannot evaluate: ' + res.body.detail);
          }
        })
        .catch(function (err) { text(preview, 'cannot evaluate: ' + err); });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(evaluate, 250); };
    flag.addEventListener('input', later);
    context.addEventListener('input', later);
    evaluate();
  }

  // --- live progress of a job's running run ---
  function poll(el, url, render) {
    var tick = function () {
      fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.json(); })
        .then(render).catch(function () { /* the next tick tries again */ })
        .then(function () { setTimeout(tick, 1000); });
    };
    tick();
  }
  function show(bar, status, done, total, label) {
    if (total > 0) {
      bar.max = total;
      bar.value = Math.min(done, total);
      text(status, label + ': ' + done + ' of ' + total);
    } else {
      bar.removeAttribute('value');
      text(status, label + ': ' + done + ' done');
    }
  }
  var job = document.querySelector('[data-poll-job]');
  if (job) {
    var jobBar = document.getElementById('job-progress');
    var jobStatus = document.getElementById('job-status');
    poll(job, job.dataset.pollJob, function (j) {
      if (j.running) {
        var p = j.running.progress || { done: 0, total: -1 };
        show(jobBar, jobStatus, p.done, p.total, 'running run #' + j.running.runId);
      } else {
        jobBar.value = 0;
        text(jobStatus, j.lastRun ? 'idle; the last run ' + j.lastRun.outcome : 'idle');
      }
    });
  }
  var backups = document.querySelector('[data-poll-backups]');
  if (backups) {
    var bBar = document.getElementById('backup-progress');
    var bStatus = document.getElementById('backup-status');
    poll(backups, backups.dataset.pollBackups, function (live) {
      var names = Object.keys(live.running);
      if (live.newest !== backups.dataset.newest) {
        // a backup started, ended or failed since the page was drawn: draw the list again
        text(bStatus, 'the list changed; reloading it');
        backups.dataset.newest = live.newest;
        setTimeout(function () { location.reload(); }, 300);
      } else if (names.length > 0) {
        var r = live.running[names[0]];
        show(bBar, bStatus, r.done, r.total, names.join(', '));
      } else {
        bBar.value = 0;
        text(bStatus, 'nothing running');
      }
    });
  }
}());
