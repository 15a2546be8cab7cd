// GOV.UK Frontend's template sets these classes with an inline script; our Content Security
// Policy allows no inline script, so the same line is served as a file. It runs where the
// inline one did (first thing in <body>, not deferred), so styles for JavaScript-enhanced
// components apply before the page is drawn.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
