// The rule editor: line numbers, and each server message placed at its line (a highlighted
// line number and row, the message beside it). The checks run on the server (htmx posts the
// text as the user types); this file only draws what the server said. No inline script: the
// page's CSP is default-src 'self'.
(function () {
  "use strict";

  function lineCount(textarea) {
    return textarea.value.split("\n").length;
  }

  function rows(container, n, make) {
    var frag = document.createDocumentFragment();
    for (var i = 1; i <= n; i++) { frag.appendChild(make(i)); }
    container.replaceChildren(frag);
  }

  function issuesByLine() {
    var found = {};
    document.querySelectorAll("#issues li[data-line]").forEach(function (li) {
      var line = li.getAttribute("data-line");
      var text = li.querySelector(".message");
      found[line] = (found[line] ? found[line] + "；" : "") + (text ? text.textContent : "");
    });
    return found;
  }

  function draw() {
    var source = document.getElementById("source");
    if (!source) { return; }
    var n = lineCount(source);
    var issues = issuesByLine();
    rows(document.getElementById("gutter"), n, function (i) {
      var d = document.createElement("div");
      d.textContent = String(i);
      d.setAttribute("data-line", String(i));
      if (issues[i]) { d.className = "bad"; d.title = issues[i]; }
      return d;
    });
    rows(document.getElementById("backdrop"), n, function (i) {
      var d = document.createElement("div");
      if (issues[i]) { d.className = "bad"; }
      return d;
    });
    rows(document.getElementById("notes"), n, function (i) {
      var d = document.createElement("div");
      d.setAttribute("data-line", String(i));
      if (issues[i]) { d.className = "bad"; d.textContent = issues[i]; d.title = issues[i]; }
      return d;
    });
    sync();
  }

  function sync() {
    var source = document.getElementById("source");
    var top = source.scrollTop;
    ["gutter", "notes", "backdrop"].forEach(function (id) {
      var el = document.getElementById(id);
      if (id === "backdrop") { el.style.transform = "translateY(" + (-top) + "px)"; }
      else { el.scrollTop = top; }
    });
  }

  function gotoLine(line) {
    var source = document.getElementById("source");
    var lines = source.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    source.focus();
    source.setSelectionRange(start, start + (lines[line - 1] || "").length);
    var lh = parseFloat(getComputedStyle(source).lineHeight) || 18;
    source.scrollTop = Math.max(0, (line - 3) * lh);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("source");
    if (!source) { return; }
    source.addEventListener("scroll", sync);
    source.addEventListener("input", function () {
      // Keep the line numbers in step at once; messages follow when the server answers.
      if (document.getElementById("gutter").children.length !== lineCount(source)) { draw(); }
    });
    source.addEventListener("keydown", function (event) {
      if (event.key === "Tab") {  // indent with spaces (YAML refuses tabs)
        event.preventDefault();
        source.setRangeText("  ", source.selectionStart, source.selectionEnd, "end");
        source.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    draw();
  });

  // The issues list was replaced (outerHTML swap): redraw the marks from the new list.
  document.addEventListener("htmx:afterSettle", draw);

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.goto-line") : null;
    if (link) {
      event.preventDefault();
      gotoLine(parseInt(link.getAttribute("data-line"), 10));
    }
  });
})();
