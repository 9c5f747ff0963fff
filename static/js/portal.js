/* Progressive enhancement only: every page works without this file. No inline script. */
(function () {
  "use strict";

  var DIGITS = { "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9" };
  var SECRET = /password|captcha|code|csrf|management|wizard/i;

  function toAsciiDigits(value) {
    return value.replace(/[٠-٩۰-۹]/g, function (d) { return DIGITS[d]; });
  }

  // Arabic-Indic and Persian digits become ASCII as they are typed.
  document.querySelectorAll("input[data-digits]").forEach(function (input) {
    input.addEventListener("input", function () {
      var converted = toAsciiDigits(input.value);
      if (converted !== input.value) { input.value = converted; }
    });
  });

  // Errors: move focus to the summary so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Resend countdown: the server enforces the wait; this only shows it ticking.
  var status = document.getElementById("resend-status");
  if (status) {
    var seconds = parseInt(status.getAttribute("data-cooldown"), 10) || 0;
    var button = status.parentNode.querySelector("button[name=resend]");
    var counter = status.querySelector(".countdown");
    if (seconds > 0 && button && counter) {
      button.disabled = true;
      var timer = window.setInterval(function () {
        seconds -= 1;
        if (seconds <= 0) {
          window.clearInterval(timer);
          status.textContent = status.getAttribute("data-ready-text");
          button.disabled = false;
        } else {
          counter.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
        }
      }, 1000);
    }
  }

  // Captcha refresh without reloading the page.
  document.querySelectorAll(".captcha[data-captcha-refresh]").forEach(function (box) {
    var refresh = box.querySelector(".captcha-refresh");
    if (!refresh) { return; }
    refresh.hidden = false;
    refresh.addEventListener("click", function () {
      fetch(box.getAttribute("data-captcha-refresh"), { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          box.querySelector("img").src = data.image_url;
          box.querySelector("input[type=hidden]").value = data.key;
          var answer = box.querySelector("input[type=text]");
          answer.value = "";
          answer.focus();
        });
    });
  });

  // Wizard drafts: keep typed, non-secret values across a language switch or reload.
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = "draft:" + form.getAttribute("data-draft");
    var store;
    try { store = window.sessionStorage; } catch (e) { return; }
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SECRET.test(el.name) || el.type === "hidden") { return; }
      if (el.type === "text" || el.type === "email" || el.type === "tel") {
        if (!el.value && saved[el.name]) { el.value = saved[el.name]; }
      }
    });
    form.addEventListener("input", function (event) {
      var el = event.target;
      if (!el.name || SECRET.test(el.name) || el.type === "password" || el.type === "hidden") { return; }
      saved[el.name] = el.value;
      store.setItem(key, JSON.stringify(saved));
    });
    form.addEventListener("submit", function (event) {
      // "Back" keeps the draft (the server keeps the step too); the main action clears it.
      var submitter = event.submitter;
      if (!submitter || submitter.name !== "wizard_goto_step") { store.removeItem(key); }
    });
  });
})();
