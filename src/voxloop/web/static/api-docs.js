// The interactive API reference (Swagger UI from the swagger-ui-dist package).
(function () {
  var el = document.getElementById("swagger-ui");
  SwaggerUIBundle({url: el.dataset.url, dom_id: "#swagger-ui", deepLinking: true});
})();
