// The survey page's visual builder: it reads the definition from the JSON box, shows its
// sections and questions as forms (type, id, required, the text in each language side by side,
// options, rows or items, the scale, a show-if condition), lets them be added, deleted, moved
// and dragged, and writes the JSON back into the same box on every change, so the same form
// post and the same server-side check save it. A phone-sized preview shows the questions in
// the chosen language, and answering it there tries the conditions out. Every word it shows
// comes from the page (translated there); without script the JSON box works as before.
(function () {
  "use strict";
  var root = document.getElementById("survey-builder");
  var box = document.getElementById("definition-json");
  if (!root || !box) {
    return;
  }
  var T = JSON.parse(root.dataset.labels);
  var DIMENSIONS = JSON.parse(root.dataset.dimensions);
  var serverErrors = JSON.parse(root.dataset.errors || "[]");
  var disclosure = box.closest("details");
  var LANGS = ["zh", "en"];
  var TYPES = ["single", "multi", "text", "csat", "nps", "ces", "rating", "likert", "matrix", "ranking", "servqual", "attention"];
  var OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "answered"];
  var HIDDEN = ["case_id", "channel", "agent", "branch", "touchpoint", "product"];
  var ID = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
  var SCALED = {likert: 1, matrix: 1, attention: 1, servqual: 1};
  var CHOICE = {single: 1, multi: 1, ranking: 1};
  var SPECIFIC = ["options", "randomize", "rows", "items", "points", "labels", "max", "expect", "max_length"];
  var def = null;
  var previewLang = root.dataset.lang === "en" ? "en" : "zh";
  var answers = {};
  var problemsOf = new Map(); // a question or section object -> its list of problems on the page
  var dragged = null;

  // --- small DOM helpers -----------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") {
        node.textContent = attrs[k];
      } else if (k === "class") {
        node.className = attrs[k];
      } else if (attrs[k] === true) {
        node.setAttribute(k, "");
      } else if (attrs[k] !== false && attrs[k] !== null && attrs[k] !== undefined) {
        node.setAttribute(k, attrs[k]);
      }
    });
    (children || []).forEach(function (c) {
      if (c) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      }
    });
    return node;
  }
  function button(label, cls, onClick, title) {
    var b = el("button", {type: "button", class: cls, title: title || null, "aria-label": title || null, text: label});
    b.addEventListener("click", onClick);
    return b;
  }
  function field(label, control, cls) {
    return el("label", {class: cls || null}, [label, control]);
  }
  function input(value, onInput, attrs) {
    var i = el("input", Object.assign({type: "text", value: value === undefined || value === null ? "" : String(value)}, attrs || {}));
    i.addEventListener("input", function () {
      onInput(i.value);
      changed(false);
    });
    return i;
  }
  function select(values, current, names, onChange, attrs) {
    var s = el("select", attrs || {}, values.map(function (v, i) {
      return el("option", {value: v, selected: String(v) === String(current), text: names[i]});
    }));
    s.addEventListener("change", function () {
      onChange(s.value);
    });
    return s;
  }
  function checkbox(label, checked, onChange, cls) {
    var c = el("input", {type: "checkbox", checked: !!checked});
    c.addEventListener("change", function () {
      onChange(c.checked);
    });
    return el("label", {class: cls || null}, [c, " " + label]);
  }
  function number(text) {
    var n = Number(text);
    return text.trim() !== "" && isFinite(n) ? n : text;
  }
  function short(text) {
    return text.length > 24 ? text.slice(0, 23) + "…" : text;
  }
  function languages() {
    var given = Array.isArray(def.languages) ? def.languages.filter(function (l) { return LANGS.indexOf(l) >= 0; }) : [];
    return given.length ? given : ["zh"];
  }
  function worded(text, lang) {
    if (text && typeof text === "object") {
      return text[lang] || languages().map(function (l) { return text[l]; }).filter(Boolean)[0] || "";
    }
    return text ? String(text) : "";
  }
  function sections() {
    if (!Array.isArray(def.sections)) {
      def.sections = [];
    }
    return def.sections;
  }
  function allQuestions() {
    var out = [];
    sections().forEach(function (s) {
      (Array.isArray(s.questions) ? s.questions : []).forEach(function (q) {
        out.push(q);
      });
    });
    return out;
  }
  function freshId(prefix, taken) {
    var n = 1;
    while (taken.indexOf(prefix + n) >= 0) {
      n += 1;
    }
    return prefix + n;
  }
  function textIn(langs) {
    var t = {};
    langs.forEach(function (l) { t[l] = ""; });
    return t;
  }

  // --- the definition and its box ----------------------------------------------------------
  function read() {
    try {
      var value = JSON.parse(box.value);
      return value && typeof value === "object" && !Array.isArray(value) ? value : null;
    } catch (e) {
      return null;
    }
  }
  function write() {
    box.value = JSON.stringify(def, null, 2);
  }
  // After every change: the box, the preview and the problems; `rebuild` when the list itself
  // changed (a question added, moved, retyped), which redraws the forms.
  function changed(rebuild) {
    write();
    if (rebuild) {
      draw();
    } else {
      preview();
      check();
    }
  }

  // --- defaults when a question is added or its type changed ------------------------------
  function shape(q, type) {
    var langs = languages();
    SPECIFIC.forEach(function (k) {
      var keep = (k === "options" || k === "randomize") ? CHOICE[type] : k === "rows" ? type === "matrix" : k === "items" ? type === "servqual" : k === "points" || k === "labels" ? SCALED[type] : k === "max" ? type === "rating" : k === "expect" ? type === "attention" : k === "max_length" ? type === "text" : false;
      if (!keep) {
        delete q[k];
      }
    });
    q.type = type;
    if (CHOICE[type] && !Array.isArray(q.options)) {
      q.options = [{value: "a", label: textIn(langs)}, {value: "b", label: textIn(langs)}];
    }
    if (type === "matrix" && !Array.isArray(q.rows)) {
      q.rows = [{id: "r1", text: textIn(langs)}];
    }
    if (type === "servqual" && !Array.isArray(q.items)) {
      q.items = [{id: "i1", dimension: "tangibles", text: textIn(langs)}];
    }
    if (SCALED[type] && q.points === undefined) {
      q.points = type === "servqual" ? 7 : 5;
    }
    if (type === "rating" && q.max === undefined) {
      q.max = 5;
    }
    if (type === "attention" && q.expect === undefined) {
      q.expect = 1;
    }
    return q;
  }
  function newQuestion(type) {
    var ids = allQuestions().map(function (q) { return q.id; });
    return shape({id: freshId("q", ids), type: type, text: textIn(languages())}, type);
  }

  // --- moving -----------------------------------------------------------------------------
  function where(q) {
    var list = sections();
    for (var s = 0; s < list.length; s++) {
      var i = (list[s].questions || []).indexOf(q);
      if (i >= 0) {
        return {section: s, index: i};
      }
    }
    return null;
  }
  // One step up or down, across into the section before or after at its edge.
  function move(q, step) {
    var at = where(q), list = sections();
    var qs = list[at.section].questions;
    var to = at.index + step;
    if (to >= 0 && to < qs.length) {
      qs.splice(at.index, 1);
      qs.splice(to, 0, q);
    } else if (step < 0 && at.section > 0) {
      qs.splice(at.index, 1);
      list[at.section - 1].questions.push(q);
    } else if (step > 0 && at.section < list.length - 1) {
      qs.splice(at.index, 1);
      list[at.section + 1].questions.unshift(q);
    } else {
      return;
    }
    changed(true);
    focusOn(q, step < 0 ? ".move-up" : ".move-down");
  }
  function moveTo(q, section, index) {
    var at = where(q);
    sections()[at.section].questions.splice(at.index, 1);
    var target = sections()[section].questions;
    if (at.section === section && at.index < index) {
      index -= 1;
    }
    target.splice(Math.max(0, Math.min(index, target.length)), 0, q);
    changed(true);
  }
  function rename(from, to) {
    var conditions = [];
    sections().forEach(function (s) {
      conditions.push(s.show_if);
      (s.questions || []).forEach(function (q) { conditions.push(q.show_if); });
    });
    (Array.isArray(def.contradictions) ? def.contradictions : []).forEach(function (pair) {
      conditions.push(pair && pair["if"], pair && pair["and"]);
    });
    conditions.forEach(function (c) {
      if (c && typeof c === "object" && c.question === from && from !== to) {
        c.question = to;
      }
    });
  }
  function focusOn(q, selector) {
    var card = root.querySelectorAll(".builder-question")[allQuestions().indexOf(q)];
    var target = card && card.querySelector(selector);
    if (target && !target.disabled) {
      target.focus();
    }
  }

  // --- the forms ----------------------------------------------------------------------------
  // The text in each language side by side; an `optional` one (a section's title) is left out
  // of the definition while every language is empty.
  function texts(holder, key, cls, optional) {
    return el("div", {class: "builder-langs " + (cls || "")}, languages().map(function (lang) {
      var area = el("textarea", {rows: cls === "builder-text" ? 2 : 1, lang: lang === "zh" ? "zh-CN" : "en", "data-lang": lang});
      area.value = holder[key] && typeof holder[key] === "object" ? holder[key][lang] || "" : "";
      area.addEventListener("input", function () {
        if (!holder[key] || typeof holder[key] !== "object") {
          holder[key] = {};
        }
        holder[key][lang] = area.value;
        if (optional && !Object.keys(holder[key]).some(function (l) { return String(holder[key][l]).trim(); })) {
          delete holder[key];
        }
        changed(false);
      });
      return field(T.language[lang], area);
    }));
  }
  function problemList(owner) {
    var list = el("ul", {class: "builder-problems", "aria-live": "polite"});
    problemsOf.set(owner, list);
    return list;
  }

  function surveyForm() {
    var langs = el("div", {class: "builder-languages"}, [el("span", {text: T.languages})].concat(LANGS.map(function (lang) {
      return checkbox(T.language[lang], languages().indexOf(lang) >= 0 && Array.isArray(def.languages), function (on) {
        var now = languages().filter(function (l) { return l !== lang; });
        if (on) {
          now.push(lang);
        }
        def.languages = LANGS.filter(function (l) { return now.indexOf(l) >= 0; });
        changed(true);
      });
    })));
    return el("fieldset", {class: "builder-survey"}, [langs, el("span", {class: "builder-caption", text: T.survey_title}), texts(def, "title"), problemList(def)]);
  }

  function conditionForm(holder, earlier) {
    var cond = holder.show_if && typeof holder.show_if === "object" ? holder.show_if : null;
    var sources = [""].concat(earlier.map(function (q) { return "question:" + q.id; }), HIDDEN.map(function (h) { return "hidden:" + h; }));
    var names = [T.always].concat(earlier.map(function (q) { return q.id + " · " + short(worded(q.text, previewLang) || T.types[q.type] || q.type); }), HIDDEN.map(function (h) { return T.hidden_field + " " + h; }));
    var current = cond ? (cond.question !== undefined ? "question:" + cond.question : "hidden:" + cond.hidden) : "";
    if (current && sources.indexOf(current) < 0) {
      sources.push(current);
      names.push(current.split(":")[1]);
    }
    var parts = [field(T.show_if, select(sources, current, names, function (v) {
      if (!v) {
        delete holder.show_if;
      } else {
        var c = {op: cond ? cond.op : "eq"};
        c[v.split(":")[0]] = v.slice(v.indexOf(":") + 1);
        if (cond && cond.value !== undefined) {
          c.value = cond.value;
        }
        holder.show_if = c;
      }
      changed(true);
    }), "builder-source")];
    if (cond) {
      parts.push(field(T.operator, select(OPS, cond.op, OPS.map(function (o) { return T.ops[o]; }), function (v) {
        cond.op = v;
        if (v === "answered") {
          delete cond.value;
        }
        changed(true);
      })));
      if (cond.op !== "answered") {
        var shown = Array.isArray(cond.value) ? cond.value.join(", ") : cond.value;
        parts.push(field(cond.op === "in" ? T.values : T.value, input(shown, function (v) {
          cond.value = cond.op === "in" ? v.split(",").map(function (x) { return number(x.trim()); }).filter(function (x) { return x !== ""; }) : number(v);
        })));
      }
    }
    return el("div", {class: "builder-logic"}, parts);
  }

  function listForm(q, key, caption, addLabel, item) {
    var rows = q[key];
    var body = el("div", {class: "builder-list"}, rows.map(function (r, i) {
      return el("div", {class: "builder-row"}, item(r).concat([button("✕", "secondary outline builder-remove", function () {
        rows.splice(i, 1);
        changed(true);
      }, T.remove)]));
    }));
    var add = button("+ " + addLabel, "secondary outline builder-add-row", function () {
      rows.push(key === "options" ? {value: freshId("o", rows.map(function (o) { return String(o.value); })), label: textIn(languages())}
        : key === "rows" ? {id: freshId("r", rows.map(function (o) { return o.id; })), text: textIn(languages())}
          : {id: freshId("i", rows.map(function (o) { return o.id; })), dimension: "tangibles", text: textIn(languages())});
      changed(true);
    });
    return el("fieldset", {class: "builder-sub"}, [el("legend", {text: caption}), body, add]);
  }

  function typeFields(q) {
    var parts = [];
    var type = q.type;
    if (CHOICE[type] && Array.isArray(q.options)) {
      parts.push(listForm(q, "options", T.options, T.add_option, function (o) {
        return [field(T.option_value, input(o.value, function (v) { o.value = v; }), "builder-id"), texts(o, "label")];
      }));
      parts.push(checkbox(T.randomize, q.randomize, function (on) {
        if (on) {
          q.randomize = true;
        } else {
          delete q.randomize;
        }
        changed(false);
      }));
    }
    if (type === "matrix" && Array.isArray(q.rows)) {
      parts.push(listForm(q, "rows", T.rows, T.add_row, function (r) {
        return [field(T.id, input(r.id, function (v) { r.id = v; }), "builder-id"), texts(r, "text")];
      }));
    }
    if (type === "servqual" && Array.isArray(q.items)) {
      parts.push(listForm(q, "items", T.items, T.add_item, function (r) {
        var names = Object.keys(DIMENSIONS);
        return [field(T.id, input(r.id, function (v) { r.id = v; }), "builder-id"),
          field(T.dimension, select(names, r.dimension, names.map(function (d) { return DIMENSIONS[d]; }), function (v) {
            r.dimension = v;
            changed(false);
          })), texts(r, "text")];
      }));
    }
    var numbers = [];
    if (SCALED[type]) {
      numbers.push(field(T.points, select([5, 7], q.points || 5, ["5", "7"], function (v) {
        q.points = Number(v);
        changed(true);
      })));
    }
    if (type === "rating") {
      numbers.push(field(T.max, input(q.max, function (v) { q.max = number(v); }, {type: "number", min: 2, max: 10})));
    }
    if (type === "attention") {
      numbers.push(field(T.expect, input(q.expect, function (v) { q.expect = number(v); }, {type: "number", min: 1, max: q.points || 5})));
    }
    if (type === "text") {
      numbers.push(field(T.max_length, input(q.max_length, function (v) {
        if (v.trim() === "") {
          delete q.max_length;
        } else {
          q.max_length = number(v);
        }
      }, {type: "number", min: 1, max: 5000, placeholder: "5000"})));
    }
    if (numbers.length) {
      parts.push(el("div", {class: "builder-numbers"}, numbers));
    }
    if (type === "likert" || type === "matrix") {
      parts.push(el("div", {class: "builder-langs"}, languages().map(function (lang) {
        var area = el("textarea", {rows: 2, "data-lang": lang});
        area.value = q.labels && Array.isArray(q.labels[lang]) ? q.labels[lang].join("\n") : "";
        area.addEventListener("input", function () {
          var lines = area.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
          q.labels = q.labels && typeof q.labels === "object" ? q.labels : {};
          if (lines.length) {
            q.labels[lang] = lines;
          } else {
            delete q.labels[lang];
          }
          if (!Object.keys(q.labels).length) {
            delete q.labels;
          }
          changed(false);
        });
        return field(T.scale_labels + " · " + T.language[lang], area);
      })));
    }
    return parts;
  }

  function questionCard(q, number, earlier, first, last) {
    var typeSelect = select(TYPES, q.type, TYPES.map(function (t) { return T.types[t]; }), function (v) {
      shape(q, v);
      changed(true);
    }, {"aria-label": T.type, class: "builder-type"});
    var idInput = el("input", {type: "text", value: q.id === undefined ? "" : String(q.id), class: "builder-qid", "aria-label": T.id, spellcheck: "false"});
    var before = q.id;
    idInput.addEventListener("input", function () {
      q.id = idInput.value;
      changed(false);
    });
    idInput.addEventListener("change", function () {
      rename(before, q.id); // the conditions that named it follow it
      before = q.id;
      changed(true);
    });
    var handle = el("span", {class: "builder-handle", draggable: "true", title: T.drag, "aria-hidden": "true", text: "⠿"});
    var card = el("li", {class: "builder-question", "data-type": q.type}, [
      el("div", {class: "builder-bar"}, [
        handle,
        el("strong", {class: "builder-number", text: String(number)}),
        typeSelect,
        field(T.id, idInput, "builder-id"),
        checkbox(T.required, q.required, function (on) {
          if (on) {
            q.required = true;
          } else {
            delete q.required;
          }
          changed(false);
        }, "builder-required"),
        el("span", {class: "builder-actions"}, [
          Object.assign(button("↑", "secondary outline move-up", function () { move(q, -1); }, T.move_up), {disabled: first}),
          Object.assign(button("↓", "secondary outline move-down", function () { move(q, 1); }, T.move_down), {disabled: last}),
          button("✕", "secondary outline delete", function () {
            var at = where(q);
            sections()[at.section].questions.splice(at.index, 1);
            changed(true);
          }, T.delete)
        ])
      ]),
      texts(q, "text", "builder-text"),
      el("div", {class: "builder-typed"}, typeFields(q)),
      conditionForm(q, earlier),
      problemList(q)
    ]);
    handle.addEventListener("dragstart", function (e) {
      dragged = q;
      card.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", String(q.id));
      e.dataTransfer.setDragImage(card, 20, 20);
    });
    handle.addEventListener("dragend", function () {
      dragged = null;
      card.classList.remove("dragging");
    });
    card.addEventListener("dragover", function (e) {
      if (dragged && dragged !== q) {
        e.preventDefault();
        var r = card.getBoundingClientRect();
        var after = e.clientY > r.top + r.height / 2;
        card.classList.toggle("drop-before", !after);
        card.classList.toggle("drop-after", after);
      }
    });
    card.addEventListener("dragleave", function () {
      card.classList.remove("drop-before", "drop-after");
    });
    card.addEventListener("drop", function (e) {
      if (dragged && dragged !== q) {
        e.preventDefault();
        var r = card.getBoundingClientRect();
        var at = where(q);
        moveTo(dragged, at.section, at.index + (e.clientY > r.top + r.height / 2 ? 1 : 0));
      }
    });
    return card;
  }

  function sectionForm(s, si, counter) {
    if (!Array.isArray(s.questions)) {
      s.questions = [];
    }
    var total = allQuestions().length;
    var list = el("ol", {class: "builder-questions", start: counter.n + 1});
    s.questions.forEach(function (q) {
      var earlier = allQuestions().slice(0, counter.n);
      counter.n += 1;
      list.appendChild(questionCard(q, counter.n, earlier, counter.n === 1, counter.n === total));
    });
    list.addEventListener("dragover", function (e) {
      if (dragged && e.target === list) {
        e.preventDefault();
      }
    });
    list.addEventListener("drop", function (e) {
      if (dragged && e.target === list) {
        e.preventDefault();
        moveTo(dragged, si, s.questions.length);
      }
    });
    var newType = select(TYPES, "single", TYPES.map(function (t) { return T.types[t]; }), function () {}, {"aria-label": T.new_type, class: "builder-new-type"});
    var head = el("div", {class: "builder-section-head"}, [
      el("strong", {text: T.section + " " + (si + 1)}),
      field(T.id, input(s.id, function (v) { s.id = v; }, {spellcheck: "false"}), "builder-id"),
      sections().length > 1 && !s.questions.length ? button("✕", "secondary outline delete", function () {
        sections().splice(si, 1);
        changed(true);
      }, T.delete_section) : null
    ]);
    var earlierForSection = allQuestions().slice(0, counter.n - s.questions.length);
    return el("section", {class: "builder-section"}, [
      head,
      el("span", {class: "builder-caption", text: T.section_title}),
      texts(s, "title", "", true),
      el("details", {class: "builder-section-logic", open: !!s.show_if}, [el("summary", {text: T.section_logic}), conditionForm(s, earlierForSection)]),
      problemList(s),
      list,
      el("div", {class: "builder-add"}, [newType, button("+ " + T.add_question, "builder-add-question", function () {
        var q = newQuestion(newType.value);
        s.questions.push(q);
        changed(true);
        focusOn(q, "textarea");
      })])
    ]);
  }

  var FOCUSABLE = "input, select, textarea, button";
  function draw() {
    problemsOf = new Map();
    var counter = {n: 0};
    var edit = root.querySelector(".builder-edit");
    // Redrawn, the forms are new: the focus goes back to the same place among them.
    var focused = Array.prototype.indexOf.call(edit.querySelectorAll(FOCUSABLE), document.activeElement);
    edit.replaceChildren(problemList(root), surveyForm());
    sections().forEach(function (s, si) {
      edit.appendChild(sectionForm(s, si, counter));
    });
    edit.appendChild(button("+ " + T.add_section, "secondary builder-add-section", function () {
      sections().push({id: freshId("s", sections().map(function (x) { return x.id; })), title: textIn(languages()), questions: [newQuestion("single")]});
      changed(true);
    }));
    if (focused >= 0 && edit.querySelectorAll(FOCUSABLE)[focused]) {
      edit.querySelectorAll(FOCUSABLE)[focused].focus();
    }
    preview();
    check();
  }

  // --- problems: the browser's own quick check, then what the server said on the last save -
  function check() {
    var found = new Map();
    function add(owner, text) {
      if (!found.has(owner)) {
        found.set(owner, []);
      }
      found.get(owner).push(text);
    }
    function needsText(owner, value) {
      var missing = languages().filter(function (l) { return !value || typeof value !== "object" || !String(value[l] || "").trim(); });
      if (missing.length) {
        add(owner, T.problems.text + " " + missing.map(function (l) { return T.language[l]; }).join(", "));
      }
    }
    needsText(def, def.title);
    var seen = {};
    sections().forEach(function (s) {
      if (!ID.test(String(s.id || ""))) {
        add(s, T.problems.id);
      }
      if (!s.questions.length) {
        add(s, T.problems.empty_section);
      }
      if (s.title !== undefined) {
        needsText(s, s.title);
      }
    });
    allQuestions().forEach(function (q) {
      if (!ID.test(String(q.id || ""))) {
        add(q, T.problems.id);
      } else if (seen[q.id]) {
        add(q, T.problems.duplicate);
        add(seen[q.id], T.problems.duplicate);
      }
      seen[q.id] = q;
      needsText(q, q.text);
      if (CHOICE[q.type]) {
        var options = Array.isArray(q.options) ? q.options : [];
        if (options.length < 2) {
          add(q, T.problems.options);
        }
        var values = options.map(function (o) { return String(o.value); });
        if (values.some(function (v, i) { return v === "" || values.indexOf(v) !== i; })) {
          add(q, T.problems.option_values);
        }
        options.forEach(function (o) { needsText(q, o.label); });
      }
      (q.type === "matrix" ? q.rows : q.type === "servqual" ? q.items : []).forEach(function (r) {
        if (!ID.test(String(r.id || ""))) {
          add(q, T.problems.id);
        }
        needsText(q, r.text);
      });
      if (q.type === "rating" && !(Number.isInteger(q.max) && q.max >= 2 && q.max <= 10)) {
        add(q, T.problems.max);
      }
      if (q.type === "attention" && !(Number.isInteger(q.expect) && q.expect >= 1 && q.expect <= (q.points || 5))) {
        add(q, T.problems.expect);
      }
    });
    serverErrors.forEach(function (e) {
      add(owner(e.field), (e.field ? e.field + ": " : "") + e.reason);
    });
    problemsOf.forEach(function (list, owner) {
      var mine = found.get(owner) || [];
      // A problem the browser found on a thing no longer on the page goes to the top.
      list.replaceChildren.apply(list, Array.from(new Set(mine)).map(function (t) { return el("li", {text: t}); }));
      list.hidden = !mine.length;
    });
    var orphans = [];
    found.forEach(function (texts, o) {
      if (!problemsOf.has(o)) {
        orphans = orphans.concat(texts);
      }
    });
    var top = problemsOf.get(root);
    if (orphans.length && top) {
      orphans.forEach(function (t) { top.appendChild(el("li", {text: t})); });
      top.hidden = false;
    }
  }
  // What a server error's field ("definition.questions.q2.options", "definition.sections[1].id",
  // "definition.title") is about: a question, a section, the survey, else the top of the list.
  function owner(name) {
    var f = String(name || "").replace(/^definition\./, "");
    var m = /^questions\.([A-Za-z][A-Za-z0-9_]*)/.exec(f);
    if (m) {
      var q = allQuestions().filter(function (x) { return x.id === m[1]; });
      return q.length ? q[q.length - 1] : root;
    }
    m = /^sections\[(\d+)\]/.exec(f);
    if (m && sections()[Number(m[1])]) {
      return sections()[Number(m[1])];
    }
    return f === "title" || f === "languages" ? def : root;
  }

  // --- the preview ------------------------------------------------------------------------
  function holds(cond) {
    if (!cond || typeof cond !== "object") {
      return true;
    }
    if (cond.question === undefined) {
      return true; // a hidden field: the link brings it; the preview shows the question
    }
    var value = answers[cond.question], target = cond.value;
    if (cond.op === "answered") {
      return value !== undefined && value !== "" && !(Array.isArray(value) && !value.length);
    }
    if (value === undefined) {
      return false;
    }
    switch (cond.op) {
      case "eq": return value === target || String(value) === String(target);
      case "ne": return String(value) !== String(target);
      case "lt": return value < target;
      case "lte": return value <= target;
      case "gt": return value > target;
      case "gte": return value >= target;
      case "in": return Array.isArray(target) && (Array.isArray(value) ? value : [value]).some(function (v) {
        return target.map(String).indexOf(String(v)) >= 0;
      });
    }
    return false;
  }
  function scaleOf(q) {
    return q.type === "nps" ? [0, 10] : q.type === "csat" ? [1, 5] : q.type === "ces" ? [1, 7] : q.type === "rating" ? [1, Number(q.max) || 5] : [1, Number(q.points) || 5];
  }
  function radios(name, lo, hi, labels, onPick, chosen) {
    var out = [];
    for (var n = lo; n <= hi && n - lo < 20; n++) {
      var r = el("input", {type: "radio", name: name, value: n, checked: chosen === n});
      r.addEventListener("change", onPick.bind(null, n));
      out.push(el("label", {}, [r, " " + (labels && labels.length === hi - lo + 1 ? labels[n - lo] : n)]));
    }
    return el("div", {class: "scale", role: "radiogroup"}, out);
  }
  function previewQuestion(q, lang) {
    var name = "preview-" + q.id;
    var text = worded(q.text, lang);
    var legend = el("legend", {}, [text || el("em", {text: q.id || "?"}), q.required ? el("span", {class: "required", text: " *"}) : null]);
    var body = [];
    function answer(v) {
      answers[q.id] = v;
      preview();
    }
    var type = q.type;
    if (["likert", "csat", "ces", "nps", "rating", "attention"].indexOf(type) >= 0) {
      var s = scaleOf(q);
      body.push(radios(name, s[0], s[1], q.labels && q.labels[lang], answer, answers[q.id]));
    } else if (CHOICE[type]) {
      (q.options || []).forEach(function (o, i) {
        var label = worded(o.label, lang) || String(o.value);
        if (type === "ranking") {
          body.push(el("label", {class: "ranking"}, [label + " ", el("input", {type: "number", min: 1, max: q.options.length, "aria-label": label})]));
          return;
        }
        var box = el("input", {type: type === "single" ? "radio" : "checkbox", name: name, value: String(o.value), id: name + "-" + i,
          checked: type === "single" ? answers[q.id] === String(o.value) : (answers[q.id] || []).indexOf(String(o.value)) >= 0});
        box.addEventListener("change", function () {
          if (type === "single") {
            answer(String(o.value));
          } else {
            var now = (answers[q.id] || []).filter(function (v) { return v !== String(o.value); });
            answer(box.checked ? now.concat([String(o.value)]) : now);
          }
        });
        body.push(el("label", {}, [box, " " + label]));
      });
    } else if (type === "text") {
      var area = el("textarea", {rows: 3, name: name});
      area.value = answers[q.id] || "";
      area.addEventListener("change", function () { answer(area.value); });
      body.push(area);
    } else if (type === "matrix" || type === "servqual") {
      var rows = (type === "matrix" ? q.rows : q.items) || [];
      rows.forEach(function (r) {
        var item = [el("p", {class: "item-text", text: worded(r.text, lang) || r.id})];
        (type === "matrix" ? [null] : ["expectation", "perception"]).forEach(function (side) {
          var scale = radios(name + "-" + r.id + (side || ""), 1, Number(q.points) || 5, null, function () {}, null);
          scale.classList.add("compact");
          if (side) {
            scale.insertBefore(el("span", {class: "side", text: T.sides[side]}), scale.firstChild);
          }
          item.push(scale);
        });
        body.push(el("div", {class: "grid-item"}, item));
      });
    }
    return el("fieldset", {class: "question q-" + type}, [legend].concat(body));
  }
  function preview() {
    var screen = root.querySelector(".builder-screen");
    var lang = languages().indexOf(previewLang) >= 0 ? previewLang : languages()[0];
    var parts = [el("h3", {text: worded(def.title, lang)})];
    sections().forEach(function (s) {
      if (s.show_if && !holds(s.show_if)) {
        parts.push(el("p", {class: "skipped", text: T.skipped_section + " " + (worded(s.title, lang) || s.id)}));
        return;
      }
      if (worded(s.title, lang)) {
        parts.push(el("h4", {text: worded(s.title, lang)}));
      }
      (s.questions || []).forEach(function (q) {
        if (q.show_if && !holds(q.show_if)) {
          parts.push(el("p", {class: "skipped", text: T.skipped + " " + (worded(q.text, lang) || q.id)}));
        } else {
          parts.push(previewQuestion(q, lang));
        }
      });
    });
    var form = el("form", {class: "survey", lang: lang === "zh" ? "zh-CN" : "en"}, parts);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    screen.replaceChildren(form);
  }

  // --- start ------------------------------------------------------------------------------
  function start() {
    def = read();
    var notice = root.querySelector(".builder-unreadable");
    if (!def) {
      notice.hidden = false;
      root.querySelector(".builder-body").hidden = true;
      if (disclosure) {
        disclosure.open = true;
      }
      return false;
    }
    notice.hidden = true;
    root.querySelector(".builder-body").hidden = false;
    draw();
    return true;
  }
  var langPick = root.querySelector(".builder-preview-lang");
  langPick.value = previewLang;
  langPick.addEventListener("change", function () {
    previewLang = langPick.value;
    preview();
  });
  // Typing in the JSON box redraws the builder once the JSON reads.
  box.addEventListener("input", function () {
    serverErrors = [];
    start();
  });
  root.hidden = false;
  if (start() && disclosure) {
    disclosure.open = false;
  }
  root.dataset.ready = "yes";
})();
