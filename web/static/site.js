// Every htmx request carries the CSRF token from the page's meta tag (Flask-WTF checks the
// X-CSRFToken header). Set in a request hook rather than hx-headers so it survives htmx 4.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});
