// The staff inbox's keyboard and "select all": j/k move a highlighted row, Enter or o opens
// it, x ticks its box, / goes to the search box. Nothing happens while a person types in a
// field. Without script the boxes and the bulk form still work ("select all" then means every
// row shown, on the server). The rows are looked up on each key and the boxes' changes heard
// on the document, because filtering swaps the table in place (htmx).
(function () {
  "use strict";
  if (!document.querySelector("table.inbox")) {
    return;
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("table.inbox tbody tr"), function (row) {
      return row.querySelector('a[href^="/feedback/"]');
    });
  }

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('table.inbox input[type="checkbox"][name="ids"]'));
  }

  function selectAll() {
    return document.querySelector("form.bulk input.select-all");
  }

  function syncAll() {
    var all = selectAll();
    if (!all) {
      return;
    }
    var shown = boxes();
    var ticked = shown.filter(function (box) {
      return box.checked;
    }).length;
    all.checked = shown.length > 0 && ticked === shown.length;
    all.indeterminate = ticked > 0 && ticked < shown.length;
    sayChosen(ticked);
  }

  // The bulk actions' fold (folded on a phone) opens once a row is chosen, and its one line
  // says how many; it stays open when the boxes are cleared again, so nothing jumps.
  function sayChosen(ticked) {
    var fold = document.querySelector("form.bulk details.bulk-fold");
    if (!fold) {
      return;
    }
    var line = fold.querySelector(".fold-summary");
    line.textContent = ticked > 0 ? line.getAttribute("data-count").replace("{n}", String(ticked)) : "";
    if (ticked > 0) {
      fold.open = true;
    }
  }

  syncAll(); // boxes a reload kept ticked

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target === selectAll()) {
      boxes().forEach(function (box) {
        box.checked = target.checked;
      });
      target.indeterminate = false;
      sayChosen(target.checked ? boxes().length : 0);
    } else if (target.matches && target.matches('table.inbox input[name="ids"]')) {
      syncAll();
    }
  });

  function currentIndex(list) {
    for (var i = 0; i < list.length; i += 1) {
      if (list[i].classList.contains("current")) {
        return i;
      }
    }
    return -1;
  }

  function highlight(list, index) {
    if (!list.length) {
      return;
    }
    var current = currentIndex(list);
    if (current >= 0) {
      list[current].classList.remove("current");
      list[current].removeAttribute("aria-current");
    }
    var row = list[Math.max(0, Math.min(list.length - 1, index))];
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
    var list = rows();
    var current = currentIndex(list);
    if (key === "j") {
      highlight(list, current + 1);
    } else if (key === "k") {
      highlight(list, current < 0 ? 0 : current - 1);
    } else if ((key === "Enter" || key === "o") && current >= 0) {
      if (key === "Enter" && event.target.closest && event.target.closest("a, button, summary, label, input")) {
        return; // Enter on a focused link, button or box does what it always does
      }
      window.location.href = list[current].querySelector('a[href^="/feedback/"]').getAttribute("href");
    } else if (key === "x" && current >= 0) {
      var box = list[current].querySelector('input[name="ids"]');
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
