// Swagger UI from the vendored bundle (the default FastAPI docs page loads it from a CDN with an inline script).
(function () {
  var el = document.getElementById('swagger');
  if (!el || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({ url: el.getAttribute('data-spec'), dom_id: '#swagger', deepLinking: false });
})();
