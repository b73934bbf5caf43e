// Wide content that scrolls inside its own box (a table on a phone, a long code sample) takes
// keyboard focus, so its hidden part can be reached with the arrow keys (WCAG 2.1.1). Only a
// box that does scroll at the present width joins the tab order; without script the boxes
// still scroll by touch and mouse.
(function () {
  "use strict";
  var BOXES = "main table, main pre, .table-scroll";

  function scrolls(box) {
    var overflow = window.getComputedStyle(box).overflowX;
    return (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth;
  }

  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      if (scrolls(box)) {
        if (!box.hasAttribute("tabindex")) {
          box.tabIndex = 0;
          box.dataset.scrolls = "";
        }
      } else if ("scrolls" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrolls;
      }
    });
  }

  var pending = null;
  mark();
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(mark, 150);
  });
})();
