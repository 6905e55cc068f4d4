// cekops serve: follow the repository. Poll the version (refs + work-tree changes) and, when it
// changes, fetch this page again and swap its <main> in place: no reload, no framework.
'use strict';
(function () {
  var current = document.body.getAttribute('data-version');
  var live = document.getElementById('live');
  var busy = false;
  var updates = 0;
  function swap(html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var fresh = doc.getElementById('main');
    var main = document.getElementById('main');
    if (!fresh || !main) { return; }
    var focused = document.activeElement;
    var keep = focused && focused.id ? { id: focused.id, value: focused.value } : null;
    main.replaceWith(document.adoptNode(fresh));
    document.title = doc.title;
    if (keep) {
      var again = document.getElementById(keep.id);
      if (again && typeof keep.value === 'string') { again.value = keep.value; again.focus(); }
    }
    current = doc.body.getAttribute('data-version') || current;
    document.body.setAttribute('data-version', current);
    updates += 1;
    document.body.setAttribute('data-updates', String(updates));
  }
  function poll() {
    if (busy) { return; }
    busy = true;
    fetch('/api/version', { cache: 'no-store' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (v) {
        if (live) { live.className = 'live'; }
        if (v === current) { return null; }
        return fetch(location.href, { cache: 'no-store' })
          .then(function (r) { return r.text(); })
          .then(swap);
      })
      .catch(function () { if (live) { live.className = 'live offline'; } })
      .then(function () { busy = false; });
  }
  setInterval(poll, 1000);
})();
