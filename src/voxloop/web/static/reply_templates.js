// The record page's "Use a template": choosing one fills the reply in at once, from the text
// the server filled in for this customer (their language, name and tracking code). Without
// script the select's button reloads the page with ?reply_template= and the reply filled in.
(function () {
  "use strict";
  var select = document.querySelector('form.reply-template select[name="reply_template"]');
  var reply = document.getElementById("reply-text");
  if (!select || !reply) {
    return;
  }
  var button = select.form.querySelector('button[type="submit"]');
  if (button) {
    button.hidden = true;
  }
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) {
      return;
    }
    reply.value = option.getAttribute("data-text") || "";
    reply.focus();
  });
})();
