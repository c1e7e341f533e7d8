// motcua — progressive enhancement only: every page works without this file.
// Autosave: a draft form is saved in the background while the citizen types, so closing the
// phone or losing the session does not lose answers (they resume on any device).
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosave]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var note = document.getElementById('autosave-status');
  var timer = null;
  function say(key) { if (note) note.textContent = key ? note.getAttribute(key) : ''; }
  function save() {
    var data = new FormData(form);
    data.delete('_refresh');
    fetch(form.getAttribute('data-autosave'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(data).toString()
    }).then(function (r) {
      say(r.ok ? 'data-ok' : (r.status === 401 ? 'data-expired' : ''));
    }).catch(function () { say(''); });
  }
  function later(ms) { clearTimeout(timer); timer = setTimeout(save, ms); }
  form.addEventListener('input', function () { later(1500); });
  form.addEventListener('change', function () { later(300); });
})();

// Uploads: refuse a file that is too large or of a type the component does not take before sending
// it (the server checks again, by content).
(function () {
  'use strict';
  var inputs = document.querySelectorAll('input[type=file][data-max-bytes]');
  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      var msg = '';
      if (file) {
        var accept = (input.getAttribute('accept') || '').split(',');
        if (file.size > Number(input.getAttribute('data-max-bytes'))) msg = input.getAttribute('data-too-large');
        else if (file.type && accept.indexOf(file.type) < 0) msg = input.getAttribute('data-wrong-type');
      }
      input.setCustomValidity(msg || '');
      var out = document.getElementById(input.id + '-error');
      if (out) out.textContent = msg || '';
      if (msg) input.value = '';
    });
  });
})();

// The result's return form: only the chosen method's fields (without this file all are shown,
// each labelled with its method).
(function () {
  'use strict';
  var selects = document.querySelectorAll('select[data-shows-for]');
  Array.prototype.forEach.call(selects, function (select) {
    var form = select.form;
    function show() {
      Array.prototype.forEach.call(form.querySelectorAll('[data-for]'), function (el) {
        el.hidden = el.getAttribute('data-for') !== select.value;
      });
    }
    select.addEventListener('change', show);
    show();
  });
})();

// Keyboard shortcuts for a working day in the back office. Single keys, so they stay off until
// the person turns them on (WCAG 2.1.4), and never act while typing in a field.
(function () {
  'use strict';
  var toggle = document.getElementById('shortcuts-on');
  if (!toggle || !window.localStorage) return;
  toggle.checked = localStorage.getItem('motcua-shortcuts') === 'on';
  toggle.addEventListener('change', function () {
    localStorage.setItem('motcua-shortcuts', toggle.checked ? 'on' : 'off');
  });
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('.queue-table td.code a')); }
  function move(step) {
    var list = rows();
    if (!list.length) return;
    var i = list.indexOf(document.activeElement);
    var next = list[Math.min(list.length - 1, Math.max(0, i < 0 ? 0 : i + step))];
    next.focus();
  }
  function go(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); el.scrollIntoView({ block: 'start' }); }
  }
  document.addEventListener('keydown', function (e) {
    if (!toggle.checked || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var handled = true;
    if (e.key === '/') go('staff-q');
    else if (e.key === 'j') move(1);
    else if (e.key === 'k') move(-1);
    else if (e.key === 'a') go('actions');
    else if (e.key === 'v') { var f = document.querySelector('.dossier-viewer iframe'); if (f) f.focus(); else handled = false; }
    else handled = false;
    if (handled) e.preventDefault();
  });
})();

// Address pickers: the commune list follows the province at once. Without this file the
// "update the list of communes" button does it, and the page comes back to the same address.
(function () {
  'use strict';
  if (!window.fetch) return;
  var lists = document.querySelectorAll('select[data-communes-of]');
  Array.prototype.forEach.call(lists, function (communes) {
    var province = document.getElementById(communes.getAttribute('data-communes-of'));
    if (!province) return;
    var refresh = province.parentNode.querySelector('button[name=_refresh]');
    if (refresh) refresh.hidden = true;
    province.addEventListener('change', function () {
      fetch('/api/v1/provinces/' + encodeURIComponent(province.value) + '/communes', { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          var first = communes.options[0];
          while (communes.options.length > 1) communes.remove(1);
          data.items.forEach(function (c) { communes.add(new Option(c.name, c.code)); });
          communes.value = '';
          if (first) first.selected = true;
          communes.dispatchEvent(new Event('change', { bubbles: true }));
        })
        .catch(function () { if (refresh) refresh.hidden = false; });
    });
  });
})();
