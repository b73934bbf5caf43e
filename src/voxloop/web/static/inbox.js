// The staff inbox's keyboard and "select all": j/k move a highlighted row, Enter or o opens
// it, x ticks its box, / goes to the search box. Nothing happens while a person types in a
// field. Without script the boxes and the bulk form still work ("select all" then means every
// row shown, on the server).
(function () {
  "use strict";
  var table = document.querySelector("table.inbox");
  if (!table) {
    return;
  }
  var rows = Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (row) {
    return row.querySelector('a[href^="/feedback/"]');
  });
  var all = document.querySelector("form.bulk input.select-all");
  var boxes = table.querySelectorAll('input[type="checkbox"][name="ids"]');
  var current = -1;

  function syncAll() {
    if (!all) {
      return;
    }
    var ticked = Array.prototype.filter.call(boxes, function (box) {
      return box.checked;
    }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) {
        box.checked = all.checked;
      });
      all.indeterminate = false;
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", syncAll);
    });
  }

  function highlight(index) {
    if (!rows.length) {
      return;
    }
    if (current >= 0) {
      rows[current].classList.remove("current");
      rows[current].removeAttribute("aria-current");
    }
    current = Math.max(0, Math.min(rows.length - 1, index));
    var row = rows[current];
    row.classList.add("current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) < 0;
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "j") {
      highlight(current + 1);
    } else if (key === "k") {
      highlight(current < 0 ? 0 : current - 1);
    } else if ((key === "Enter" || key === "o") && current >= 0) {
      if (key === "Enter" && event.target.closest && event.target.closest("a, button, summary, label, input")) {
        return; // Enter on a focused link, button or box does what it always does
      }
      window.location.href = rows[current].querySelector('a[href^="/feedback/"]').getAttribute("href");
    } else if (key === "x" && current >= 0) {
      var box = rows[current].querySelector('input[name="ids"]');
      if (!box) {
        return;
      }
      box.checked = !box.checked;
      syncAll();
    } else if (key === "/") {
      var search = document.querySelector('form.filters input[name="q"]');
      if (!search) {
        return;
      }
      search.focus();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
