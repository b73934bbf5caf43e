// An import's page while it is written in the background: the progress bar follows the rows
// handled, and the page reloads with the report once the import is over.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress"), done = box.querySelector(".import-done");
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.max = p.rows;
        bar.value = p.position;
        done.textContent = p.position.toLocaleString();
        if (p.status !== "running") { location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
