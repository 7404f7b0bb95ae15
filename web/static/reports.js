/* The Reports page, progressively enhanced (strict CSP: this file, no inline script).
 *
 * 1. The form shows only the fields the chosen report takes: elements marked
 *    data-reports="audit expiring" show for those reports only. Without JavaScript every
 *    field shows and the server ignores the ones a report does not take.
 * 2. A report job's page polls its JSON status and moves the progress bar, then shows the
 *    download link; without JavaScript the page has a refresh link.
 */
(function () {
  "use strict";

  function showFieldsOf(select) {
    var chosen = select.value;
    document.querySelectorAll("[data-reports]").forEach(function (element) {
      var wanted = element.getAttribute("data-reports").split(" ");
      element.hidden = wanted.indexOf(chosen) < 0;
    });
  }

  var select = document.getElementById("r-report");
  if (select && document.getElementById("report-form")) {
    select.addEventListener("change", function () { showFieldsOf(select); });
    showFieldsOf(select);
  }

  var job = document.getElementById("report-job");
  if (!job) {
    return;
  }
  var url = job.getAttribute("data-status-url");
  var bar = document.getElementById("report-job-progress");
  var percent = document.getElementById("report-job-percent");
  var rows = document.getElementById("report-job-rows");
  var state = document.getElementById("report-job-state");
  var download = document.getElementById("report-job-download");
  var refresh = document.getElementById("report-job-refresh");
  var POLL_MS = 1000;

  function show(status) {
    if (bar) {
      bar.value = status.percent;
      bar.textContent = status.percent + " %";
    }
    if (percent) {
      percent.textContent = status.percent + " %";
    }
    if (rows && status.rows) {
      rows.textContent = rows.getAttribute("data-template").replace("{n}", status.rows);
      rows.hidden = false;
    }
    job.setAttribute("data-state", status.state);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.state === "done" || status.state === "failed") {
          // The server draws the finished page (its state in words, an error, the link).
          window.location.reload();
          return;
        }
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        // Leave the refresh link to the person; try again a little later.
        window.setTimeout(poll, POLL_MS * 5);
      });
  }

  var initial = job.getAttribute("data-state");
  if (initial === "queued" || initial === "running") {
    if (refresh) {
      refresh.hidden = true;
    }
    window.setTimeout(poll, POLL_MS);
  }
  if (download && initial === "done") {
    download.hidden = false;
  }
}());
