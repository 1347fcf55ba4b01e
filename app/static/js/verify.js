// The verification pages. Without this script everything still works: files over the limit
// are refused by the server, and the bulk page says to reload it. With it, a file that is
// too large is named at once, and the bulk page shows its progress and then its results.
(() => {
  "use strict";

  // -- Files over the size limit: say so before the upload starts. --------------------------
  function sizeText(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function checkSize(input) {
    const limit = Number(input.dataset.maxBytes);
    const file = input.files && input.files[0];
    let message = document.getElementById(input.id + "-size");
    if (file && file.size > limit) {
      if (!message) {
        message = document.createElement("small");
        message.id = input.id + "-size";
        message.className = "field-error";
        message.setAttribute("role", "alert");
        input.insertAdjacentElement("afterend", message);
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + message.id).trim());
      }
      message.textContent = "This file is " + sizeText(file.size) + "; the limit is " + sizeText(limit) + ". Choose the credential file itself.";
      input.setAttribute("aria-invalid", "true");
      return false;
    }
    if (message) {
      message.remove();
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").replace(input.id + "-size", "").trim());
    }
    return true;
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach((input) => {
    input.addEventListener("change", () => checkSize(input));
    input.form.addEventListener("submit", (event) => {
      if (!checkSize(input)) {
        event.preventDefault();
        input.focus();
      }
    });
  });

  // -- The bulk page: poll the progress, then show the results. -----------------------------
  const job = document.getElementById("bulk-job");
  if (!job || job.dataset.finished === "true") {
    return;
  }
  const bar = job.querySelector("[data-bar]");
  const count = job.querySelector("[data-count]");
  const announce = job.querySelector("[data-announce]");
  const note = job.querySelector("[data-note]");
  const POLL_MS = 400;
  const DEADLINE_MS = 10 * 60 * 1000; // a list of 1,000 takes seconds; give up politely after this
  const started = Date.now();
  let lastAnnounced = -1;

  function show(progress) {
    bar.max = progress.total;
    bar.value = progress.done;
    bar.textContent = progress.done + " of " + progress.total;
    count.textContent = progress.done + " of " + progress.total + " checked";
    // Tell screen readers every quarter, not every poll.
    const quarter = progress.total ? Math.floor((4 * progress.done) / progress.total) : 0;
    if (quarter !== lastAnnounced && quarter < 4) {
      lastAnnounced = quarter;
      announce.textContent = progress.done + " of " + progress.total + " checked";
    }
  }

  function showResults() {
    fetch(window.location.href, { headers: { Accept: "text/html" } })
      .then((response) => response.text())
      .then((html) => {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("bulk-job");
        if (!fresh || fresh.dataset.finished !== "true") {
          window.location.reload();
          return;
        }
        job.replaceWith(fresh);
        const heading = document.getElementById("results-heading");
        heading.focus();
      })
      .catch(() => window.location.reload());
  }

  function poll() {
    if (Date.now() - started > DEADLINE_MS) {
      note.textContent = "This is taking longer than expected. Reload the page later to see the results.";
      announce.textContent = note.textContent;
      return;
    }
    fetch(job.dataset.progressUrl, { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then((progress) => {
        show(progress);
        if (progress.state === "done" || progress.state === "failed") {
          announce.textContent = "Done: " + progress.done + " of " + progress.total + " checked.";
          showResults();
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(() => {
        note.textContent = "The progress could not be read. Reload the page to try again.";
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
