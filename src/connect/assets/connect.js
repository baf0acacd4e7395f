/* global document, window */
/**
 * The connect page's one script (plain browser JS, no build; the page works without it). It checks
 * the fields of `form.connect-form` against the constraints the server rendered (required,
 * minlength, maxlength, pattern, min, max, step, type; JSON.parse for `textarea[data-json]`) with the
 * Constraint Validation API. A field's message goes into the element named in its
 * `aria-describedby` that has the class `field-error`, and `aria-invalid` says whether it passes;
 * nothing else is created and no style is set (the CSP forbids inline styles). A field is checked
 * on blur once edited, then live as the user types; a message the server rendered stays until its
 * field is edited (or, on submit, fails a check of its own). An invalid submit is stopped with every message shown and the first invalid
 * field focused; a valid one disables the submit buttons (`disabled`, `aria-disabled`) and shows
 * the submitter's `data-busy-label`, so a double click sends one POST. Messages never hold a value.
 */
(function () {
  'use strict';

  var FIELDS = 'input, select, textarea';
  var SUBMITS = 'button[type="submit"], button:not([type]), input[type="submit"]';
  /** Fields the user changed (their server message, if any, no longer applies). */
  var edited = new WeakSet();
  /** Fields checked at least once: from then on they are checked as the user types. */
  var checked = new WeakSet();

  function checkable(el) {
    return (
      el instanceof window.HTMLElement &&
      el.matches(FIELDS) &&
      el.willValidate &&
      el.closest('form.connect-form') !== null
    );
  }

  /** The `.field-error` element among the ids of `aria-describedby`, or null. */
  function errorElementOf(el) {
    var ids = (el.getAttribute('aria-describedby') || '').split(/\s+/);
    for (var i = 0; i < ids.length; i += 1) {
      var target = ids[i] ? document.getElementById(ids[i]) : null;
      if (target && target.classList.contains('field-error')) return target;
    }
    return null;
  }

  /** A JSON textarea holding text that does not parse gets a custom validity error. */
  function checkJson(el) {
    if (!el.hasAttribute('data-json')) return;
    var text = el.value.trim();
    var message = '';
    if (text !== '') {
      try {
        JSON.parse(text);
      } catch {
        message = 'Enter valid JSON';
      }
    }
    el.setCustomValidity(message);
  }

  /** A short message for the first failed constraint; never quotes the value. */
  function messageOf(el) {
    var v = el.validity;
    if (v.valid) return '';
    if (v.valueMissing) return el.tagName === 'SELECT' ? 'Choose one' : 'Required';
    if (v.customError) return el.validationMessage;
    if (v.badInput) return el.type === 'number' ? 'Enter a number' : 'Not a valid value';
    if (v.typeMismatch)
      return el.type === 'email' ? 'Enter an email address' : 'Enter a URL such as https://…';
    if (v.tooShort) return 'Use at least ' + el.getAttribute('minlength') + ' characters';
    if (v.tooLong) return 'Use at most ' + el.getAttribute('maxlength') + ' characters';
    if (v.patternMismatch) return el.getAttribute('title') || 'Not in the expected format';
    if (v.rangeUnderflow) return 'Must be at least ' + el.getAttribute('min');
    if (v.rangeOverflow) return 'Must be at most ' + el.getAttribute('max');
    if (v.stepMismatch)
      return el.getAttribute('step') === '1' ? 'Must be a whole number' : 'Not an allowed value';
    return 'Not a valid value';
  }

  /** Checks one field, shows the outcome and returns whether it passes. */
  function check(el) {
    checkJson(el);
    var message = messageOf(el);
    el.setAttribute('aria-invalid', message === '' ? 'false' : 'true');
    var target = errorElementOf(el);
    if (target) target.textContent = message;
    checked.add(el);
    return message === '';
  }

  /** Whether a server-rendered message is showing that the user has not answered by editing. */
  function hasServerMessage(el) {
    var target = errorElementOf(el);
    return !edited.has(el) && target !== null && target.textContent.trim() !== '';
  }

  function onInput(event) {
    var el = event.target;
    if (!checkable(el)) return;
    // The first edit answers a server message: the live check replaces it.
    var answers = hasServerMessage(el);
    edited.add(el);
    if (answers || checked.has(el)) check(el);
  }

  function onBlur(event) {
    var el = event.target;
    if (checkable(el) && edited.has(el)) check(el);
  }

  /**
   * Checks a field on submit; a server message on a field the user did not edit stays unless the
   * field now fails a constraint of its own (a secret is never refilled, so it may be empty again).
   */
  function checkOnSubmit(el) {
    if (!hasServerMessage(el)) return check(el);
    checkJson(el);
    return el.validity.valid || check(el);
  }

  /** A button's label: an `<input type="submit">` has it in `value`. */
  function textOf(button) {
    return button.tagName === 'INPUT' ? button.value : button.textContent;
  }

  function setText(button, text) {
    if (button.tagName === 'INPUT') button.value = text;
    else button.textContent = text;
  }

  function submitButtons(form) {
    return Array.prototype.slice.call(form.querySelectorAll(SUBMITS));
  }

  /** Disables the submit buttons (after the form data is built, so a submitter's value is sent). */
  function busy(form, submitter) {
    var buttons = submitButtons(form);
    var labelled = submitter && buttons.indexOf(submitter) >= 0 ? submitter : buttons[0];
    window.setTimeout(function () {
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute('aria-disabled', 'true');
      });
      var label = labelled && labelled.getAttribute('data-busy-label');
      if (label) {
        if (!labelled.hasAttribute('data-idle-label'))
          labelled.setAttribute('data-idle-label', textOf(labelled));
        setText(labelled, label);
      }
    }, 0);
  }

  /** A page restored from the back-forward cache gets its buttons back. */
  function idle(form) {
    form.removeAttribute('data-submitting');
    submitButtons(form).forEach(function (button) {
      button.disabled = false;
      button.removeAttribute('aria-disabled');
      var label = button.getAttribute('data-idle-label');
      if (label !== null) setText(button, label);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof window.HTMLFormElement) || !form.matches('form.connect-form')) return;
    if (form.hasAttribute('data-submitting')) {
      event.preventDefault();
      return;
    }
    var firstInvalid = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (checkable(el) && !checkOnSubmit(el) && firstInvalid === null) firstInvalid = el;
    });
    if (firstInvalid !== null) {
      event.preventDefault();
      firstInvalid.focus();
      return;
    }
    form.setAttribute('data-submitting', '');
    busy(form, event.submitter);
  }

  function start() {
    // The script shows the messages itself; without it the browser's own checks still apply.
    document.querySelectorAll('form.connect-form').forEach(function (form) {
      form.noValidate = true;
    });
    document.addEventListener('input', onInput);
    document.addEventListener('change', onInput);
    document.addEventListener('focusout', onBlur);
    document.addEventListener('submit', onSubmit);
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) document.querySelectorAll('form.connect-form').forEach(idle);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
