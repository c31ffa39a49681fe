// Live progress of the admin's release run: polls the JSON progress endpoint while a release is running.
(function () {
  "use strict";
  var box = document.getElementById("release-job");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("release-progress");
  var status = document.getElementById("release-status");
  var button = document.getElementById("run-release");
  var wasRunning = box.getAttribute("data-state") === "running";

  function show(p) {
    bar.value = p.percent || 0;
    bar.textContent = (p.percent || 0) + "%";
    if (p.state === "running") {
      status.textContent = "Running: " + p.message + " (" + p.done + " of " + (p.total || "?") + " steps, " +
        (p.seconds || 0) + " s)";
      button.disabled = true;
    } else if (p.state === "done") {
      status.textContent = "Finished: release " + p.version + " (" + p.status + ") in " + p.seconds + " s.";
      button.disabled = false;
    } else if (p.state === "failed") {
      status.textContent = "Stopped: " + p.error;
      button.disabled = false;
    } else {
      status.textContent = "No release running.";
      button.disabled = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (p) {
        show(p);
        if (p.state === "running") { wasRunning = true; window.setTimeout(poll, 1000); }
        else if (wasRunning) { window.location.reload(); }
      })
      .catch(function (e) { status.textContent = "Progress unavailable (" + e.message + "); reload the page."; });
  }
  if (wasRunning) { poll(); }
}());
