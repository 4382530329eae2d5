// The GOV.UK template's first line, as a file so that the Content-Security-Policy can forbid
// inline scripts: marks the page as one where the design system's JavaScript runs.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
