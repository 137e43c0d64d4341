// Live situation boards (E2): the element with data-live names its event stream; on each
// "changed" event the page is fetched again and the element replaced by its fresh copy. Without
// this script (or without EventSource) a plain reload shows the same.
(function () {
  var board = document.querySelector("[data-live]");
  if (!board || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var es = new EventSource(board.getAttribute("data-live"));
  es.addEventListener("changed", function () {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(board.id);
        var old = document.getElementById(board.id);
        if (fresh && old) old.replaceWith(fresh);
      });
  });
})();
