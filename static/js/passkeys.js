/* Passkeys: adding one on the security page, signing in with one on /login/ (design.md §19).
   Progressive enhancement only: the blocks it drives are rendered hidden and shown here when the
   browser has WebAuthn, so without JavaScript or without passkeys the pages work as before.
   Every message shown comes from the server, in the page's language. No inline script. */
(function () {
  "use strict";

  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) { return; }

  // --- base64url <-> ArrayBuffer (WebAuthn's JSON form of binary values) ----------------------
  function toBuffer(text) {
    var base64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = window.atob(base64), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var copy = Object.assign({}, item);
      copy.id = toBuffer(item.id);
      return copy;
    });
  }

  // The options as the browser wants them: its own parser where it has one (WebAuthn Level 3).
  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBuffer(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = toBuffer(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  // The credential as JSON for the server: the browser's own toJSON() where it has one.
  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try { return credential.toJSON(); } catch (ignored) { /* built below */ }
    }
    var response = credential.response, json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return json;
  }

  // --- talking to the server -------------------------------------------------------------------
  function csrfToken(box) {
    var input = box.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // POST JSON; resolves to {ok, status, data} (data {} when the answer was not JSON).
  function post(box, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken(box) },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok && !response.redirected, status: response.status, data: data || {} };
      });
    });
  }

  // --- the page's error summary (GOV.UK's: focused, read whole) --------------------------------
  function showError(box, message) {
    var summary = box.querySelector("[data-passkey-errors]");
    var item = summary && summary.querySelector("[data-passkey-error]");
    if (!summary || !item) { return; }
    summary.hidden = false;
    item.textContent = message;
    summary.focus();
  }

  function clearError(box) {
    var summary = box.querySelector("[data-passkey-errors]");
    if (summary) { summary.hidden = true; }
  }

  // The browser refused or gave up: its own reasons are not for the person; ours are.
  function browserMessage(box, error) {
    var name = error && error.name;
    if (name === "InvalidStateError" && box.hasAttribute("data-error-exists")) {
      return box.getAttribute("data-error-exists");
    }
    if (name === "NotAllowedError" || name === "AbortError") { return box.getAttribute("data-error-cancelled"); }
    return box.getAttribute("data-error-failed");
  }

  function serverMessage(box, answer) {
    return (answer.data && typeof answer.data.message === "string" && answer.data.message) ||
      box.getAttribute("data-error-failed");
  }

  // Only where the page is at the origin passkeys are made for (else every ceremony fails).
  function usable(box) {
    return box.getAttribute("data-origin") === window.location.origin;
  }

  // --- Add a passkey (security page) -----------------------------------------------------------
  document.querySelectorAll("[data-passkey-add]").forEach(function (box) {
    var button = box.querySelector("[data-passkey-button]");
    if (!button || !usable(box)) { return; }
    var unsupported = box.querySelector("[data-passkey-unsupported]");
    if (unsupported) { unsupported.hidden = true; }
    button.hidden = false;

    button.addEventListener("click", function () {
      clearError(box);
      button.disabled = true;
      function fail(message) { button.disabled = false; showError(box, message); }
      post(box, box.getAttribute("data-options-url")).then(function (answer) {
        if (answer.status === 403 && answer.data.error === "reauthenticate" && answer.data.next) {
          window.location.assign(answer.data.next);  // confirm it's you, then come back
          return;
        }
        if (!answer.ok || !answer.data.publicKey) { fail(serverMessage(box, answer)); return; }
        var publicKey;
        try { publicKey = creationOptions(answer.data.publicKey); } catch (e) { fail(box.getAttribute("data-error-failed")); return; }
        navigator.credentials.create({ publicKey: publicKey }).then(function (credential) {
          return post(box, box.getAttribute("data-verify-url"), { credential: credentialJSON(credential) });
        }, function (error) {
          fail(browserMessage(box, error));
          return null;
        }).then(function (result) {
          if (!result) { return; }
          if (result.ok && result.data.next) { window.location.assign(result.data.next); return; }
          fail(serverMessage(box, result));
        });
      }).catch(function () { fail(box.getAttribute("data-error-failed")); });
    });
  });

  // --- Sign in with a passkey (/login/) --------------------------------------------------------
  document.querySelectorAll("[data-passkey-signin]").forEach(function (box) {
    var button = box.querySelector("[data-passkey-button]");
    if (!button || !usable(box)) { return; }
    box.hidden = false;
    var pending = null;  // the autofill request waiting on the identifier field

    function finish(credential) {
      var body = { credential: credentialJSON(credential), next: box.getAttribute("data-next") || "" };
      return post(box, box.getAttribute("data-verify-url"), body).then(function (result) {
        if (result.ok && result.data.next) { window.location.assign(result.data.next); return true; }
        showError(box, serverMessage(box, result));
        return false;
      });
    }

    function ask(mediation, signal) {
      return post(box, box.getAttribute("data-options-url")).then(function (answer) {
        if (!answer.ok || !answer.data.publicKey) { throw { server: answer }; }
        var request = { publicKey: requestOptions(answer.data.publicKey) };
        if (mediation) { request.mediation = mediation; request.signal = signal; }
        return navigator.credentials.get(request);
      });
    }

    // Autofill (conditional mediation): passkeys offered among the identifier's suggestions.
    function startAutofill() {
      if (typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") { return; }
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (!available || pending) { return; }
        var controller = new AbortController();
        pending = controller;
        ask("conditional", controller.signal).then(function (credential) {
          pending = null;
          // Refused: the summary says so and the button stays; autofill is not offered again
          // on this page, so nothing can retry by itself.
          return credential && finish(credential);
        }, function () {
          // Aborted for the button, refused by the server or the browser: the page, its button
          // and the password sign-in stay as they are, with nothing to read out.
          if (pending === controller) { pending = null; }
        });
      }).catch(function () { /* no autofill: the button still works */ });
    }

    button.addEventListener("click", function () {
      clearError(box);
      if (pending) { pending.abort(); pending = null; }
      button.disabled = true;
      ask(null, null).then(function (credential) {
        return credential ? finish(credential) : false;
      }, function (error) {
        showError(box, error && error.server ? serverMessage(box, error.server) : browserMessage(box, error));
        return false;
      }).then(function (done) {
        if (!done) { button.disabled = false; startAutofill(); }
      });
    });

    startAutofill();
  });
})();
