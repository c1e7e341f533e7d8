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
