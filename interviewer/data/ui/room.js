// The interview room's page script (loaded in the page head by app.py).
// 1. The stage clock counts down each second from what the server last rendered; paused, it stands.
// 2. The address carries the session: app.py's events call window.roomSetSession(id) after an interview
//    starts or opens, so a reload reopens the same interview (?session=ID).
(function () {
  function tick() {
    var el = document.getElementById("stage-clock");
    if (!el || !el.dataset.left) return;
    if (!el.dataset.seen || el.dataset.seenLeft !== el.dataset.left) {
      el.dataset.seen = String(Date.now() / 1000);
      el.dataset.seenLeft = el.dataset.left;
    }
    if (el.dataset.paused === "1") return;
    var left = Math.max(0, parseFloat(el.dataset.left) - (Date.now() / 1000 - parseFloat(el.dataset.seen)));
    var m = Math.floor(left / 60), s = Math.floor(left % 60);
    var value = el.querySelector(".clock-value");
    if (value) value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    el.classList.toggle("late", left < 60);
  }
  setInterval(tick, 1000);
  window.roomSetSession = function (sid) {
    var url = new URL(window.location.href);
    if (sid) { url.searchParams.set("session", sid); } else { url.searchParams.delete("session"); }
    url.searchParams.delete("mode");
    window.history.replaceState(null, "", url.toString());
  };
  window.roomFocusAnswer = function () {
    var box = document.querySelector("#answer textarea");
    if (box) box.focus();
  };
})();
