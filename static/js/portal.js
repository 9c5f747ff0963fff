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

  // Errors: move focus to the summary so screen readers announce it; its links focus the field
  // (a plain fragment link only scrolls) and bring its label into view.
  var summary = document.getElementById("error-summary");
  // "You already have an account" stands in for a summary: read first, the same way.
  var stop = document.getElementById("already-registered");
  if (stop && !summary) { stop.focus(); }
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) { return; }
      event.preventDefault();
      (target.closest(".field") || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  // Live password checklist. The rules, their parameters and their texts come from the server
  // (accounts/password_checklist.py renders them from the configured validators); each kind
  // below mirrors its validator in accounts/password_validation.py. The server still decides.
  function sequenceKey(ch) {
    var letters = "abcdefghijklmnopqrstuvwxyz", digits = "0123456789";
    if (letters.indexOf(ch) >= 0) { return { alphabet: letters, index: letters.indexOf(ch) }; }
    if (digits.indexOf(ch) >= 0) { return { alphabet: digits, index: digits.indexOf(ch) }; }
    return null;
  }

  var RULE_KINDS = {
    charset: function (password, p) { return new RegExp("^(?:" + p.allowed + ")*$", "u").test(password); },
    length: function (password, p) {
      var n = Array.from(password).length;
      return n >= p.min_length && n <= p.max_length;
    },
    contains: function (password, p) { return new RegExp(p.pattern, "u").test(password); },
    username_overlap: function (password, p, username) {
      var name = Array.from((p.username || username || "").toLowerCase()), lower = password.toLowerCase();
      var size = p.max_shared_run + 1;
      for (var start = 0; start + size <= name.length; start += 1) {
        if (lower.indexOf(name.slice(start, start + size).join("")) >= 0) { return false; }
      }
      return true;
    },
    repeated_run: function (password, p) {
      var chars = Array.from(password.toLowerCase()), length = 0;
      for (var i = 0; i < chars.length; i += 1) {
        length = i > 0 && chars[i] === chars[i - 1] ? length + 1 : 1;
        if (length >= p.run) { return false; }
      }
      return true;
    },
    sequential_run: function (password, p) {
      var keys = Array.from(password.toLowerCase()).map(sequenceKey), length = 1, step = 0;
      for (var i = 1; i < keys.length; i += 1) {
        var previous = keys[i - 1], current = keys[i];
        var delta = previous && current ? current.index - previous.index : 0;
        if ((delta === 1 || delta === -1) && previous.alphabet === current.alphabet) {
          length = delta === step ? length + 1 : 2;
          step = delta;
        } else {
          length = 1;
          step = 0;
        }
        if (length >= p.run) { return false; }
      }
      return true;
    },
    max_frequency: function (password, p) {
      var counts = {};
      return Array.from(password.toLowerCase()).every(function (ch) {
        counts[ch] = (counts[ch] || 0) + 1;
        return counts[ch] <= p.max_count;
      });
    }
  };

  document.querySelectorAll("[data-password-rules]").forEach(function (list) {
    var field = list.closest(".field");
    var input = field && field.querySelector("input[type=password]");
    if (!input) { return; }
    var usernameName = list.getAttribute("data-username-field");
    var usernameInput = usernameName && input.form && input.form.elements.namedItem(usernameName);
    var status = field.querySelector("[data-password-rules-status]");
    var items = Array.prototype.filter.call(list.querySelectorAll("li[data-check]"), function (li) {
      return RULE_KINDS.hasOwnProperty(li.getAttribute("data-check"));
    });
    // After a submission the server marked every rule (the field itself comes back empty):
    // its marks stay until the person types again.
    var serverResult = list.hasAttribute("data-server-result");
    items.forEach(function (li) {
      li.params = JSON.parse(li.getAttribute("data-params"));
      li.stateText = li.querySelector(".rule-state");
      if (!li.stateText) {
        li.stateText = document.createElement("span");
        li.stateText.className = "visually-hidden rule-state";
        li.insertBefore(li.stateText, li.firstChild);
      }
    });
    list.classList.add("password-rules-live");
    var announced = "", timer = null;

    function forgetServerResult() {
      if (!serverResult) { return; }
      serverResult = false;
      list.querySelectorAll("li[data-state]").forEach(function (li) {
        li.removeAttribute("data-state");
        var text = li.querySelector(".rule-state");
        if (text) { text.textContent = ""; }
      });
    }

    function update() {
      var password = input.value, username = usernameInput ? usernameInput.value : "", met = 0;
      if (!password && serverResult) { return; }
      items.forEach(function (li) {
        if (!password) {
          li.removeAttribute("data-state");
          li.stateText.textContent = "";
          return;
        }
        var ok = RULE_KINDS[li.getAttribute("data-check")](password, li.params, username);
        met += ok ? 1 : 0;
        li.setAttribute("data-state", ok ? "met" : "unmet");
        li.stateText.textContent = list.getAttribute(ok ? "data-met-text" : "data-unmet-text") + " ";
      });
      // One polite summary once typing pauses, and only when it changed: never per keystroke.
      window.clearTimeout(timer);
      if (!status || !password) { return; }
      var text = list.getAttribute("data-summary").replace("{met}", met).replace("{total}", items.length);
      timer = window.setTimeout(function () {
        if (text !== announced) { status.textContent = announced = text; }
      }, 1200);
    }

    input.addEventListener("input", function () { forgetServerResult(); update(); });
    if (usernameInput) { usernameInput.addEventListener("input", update); }
    update();
  });

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

  // The captcha: its recording played in the page (the link opens it in a new tab without
  // JavaScript), and a new calculation without reloading the page.
  document.querySelectorAll(".captcha[data-captcha-refresh]").forEach(function (box) {
    var answer = box.querySelector("input[type=text]");
    var link = box.querySelector("a.captcha-audio");
    var sound = null;
    var play = null;
    function stopSound() {
      if (sound) { sound.pause(); sound = null; }
    }
    if (link) {
      play = document.createElement("button");
      play.type = "button";
      play.className = "button button-secondary captcha-play";
      play.textContent = link.getAttribute("data-play-label");
      link.parentNode.insertBefore(play, link);
      link.hidden = true;
      play.addEventListener("click", function () {
        stopSound();
        sound = new Audio(link.href);
        // Heard to the end: straight to the answer, so the screen reader reads its label.
        sound.addEventListener("ended", function () { answer.focus(); });
        // No recording (expired, too many, unavailable): the link shows the page saying why.
        sound.addEventListener("error", function () { link.hidden = false; });
        var playing = sound.play();
        if (playing && playing.catch) { playing.catch(function () { link.hidden = false; }); }
      });
    }
    var refresh = box.querySelector(".captcha-refresh");
    if (!refresh) { return; }
    refresh.hidden = false;
    refresh.addEventListener("click", function () {
      fetch(box.getAttribute("data-captcha-refresh"), { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          box.querySelector("img").src = data.image_url;
          box.querySelector("input[type=hidden]").value = data.key;
          if (link) {
            stopSound();
            link.setAttribute("href", link.getAttribute("href").replace(/[0-9a-f]{40}(?=\.wav$)/, data.key));
          }
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
        // The draft is what was typed last on this form: newer than what the server stored.
        if (Object.prototype.hasOwnProperty.call(saved, el.name)) { el.value = saved[el.name]; }
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
