// GOV.UK Frontend: mark the body as supporting its JavaScript (kept out of inline scripts for the CSP).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
