// Answer lesson quizzes in place. Without this script the forms still post and the page
// reloads with the feedback; with it, the answer goes as JSON and the feedback appears here.
(function () {
  "use strict";

  function answerOf(form) {
    var type = form.dataset.type;
    if (type === "multiple") {
      return Array.prototype.map.call(form.querySelectorAll("input[name=answer]:checked"), function (el) { return el.value; });
    }
    if (type === "order") {
      var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-key]"));
      var positions = selects.map(function (el) { return Number(el.value); }).sort(function (a, b) { return a - b; });
      for (var i = 0; i < positions.length; i++) {
        if (positions[i] !== i + 1) { return null; }
      }
      selects.sort(function (a, b) { return Number(a.value) - Number(b.value); });
      return selects.map(function (el) { return el.dataset.key; });
    }
    if (type === "single") {
      var picked = form.querySelector("input[name=answer]:checked");
      return picked ? picked.value : null;
    }
    var text = form.querySelector("input[name=answer]").value.trim();
    return text === "" ? null : text;
  }

  function paragraph(className, text) {
    var p = document.createElement("p");
    if (className) { p.className = className; }
    p.textContent = text;
    return p;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // A checked (summative) question sends no right answer or explanation until it is
  // revealed: its attempts are used up, or one was right.
  function show(box, result, unit, type) {
    box.textContent = "";
    var verdict = result.correct ? "Correct." : result.score > 0 ? "Partly right (" + Math.round(result.score * 100) + " %)." : "Not quite.";
    var line = paragraph("verdict " + (result.correct ? "verdict-right" : "verdict-wrong"), verdict + " ");
    var attempts = document.createElement("span");
    attempts.className = "muted";
    attempts.textContent = "Attempt " + result.attempts + (result.allowed ? " of " + result.allowed : "") + ".";
    line.appendChild(attempts);
    box.appendChild(line);
    if (!result.revealed) {
      box.appendChild(paragraph("quiz-remaining", plural(result.remaining, "attempt") + " left. The answer is shown when your attempts are used."));
      return;
    }
    if (!result.correct) {
      if (result.right_number !== null && result.right_number !== undefined) {
        box.appendChild(paragraph("", "The answer is " + result.right_number + (unit ? " " + unit : "") + "."));
      } else if (result.right.length) {
        box.appendChild(paragraph("", type === "order" ? "The right order is:" : "The right answer:"));
        var list = document.createElement("ol");
        list.className = "right-answer";
        result.right.forEach(function (item) {
          var li = document.createElement("li");
          li.textContent = item.text;
          list.appendChild(li);
        });
        box.appendChild(list);
      }
    }
    var explanation = document.createElement("p");
    explanation.className = "explanation";
    explanation.innerHTML = result.explanation; // rendered on the server from Markdown with raw HTML off
    box.appendChild(explanation);
  }

  function close(form, result) {
    var button = form.querySelector("button[type=submit]");
    form.dataset.closed = "true";
    button.disabled = true;
    button.textContent = result.correct ? "Answered" : "No attempts left";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-quiz]")) { return; }
    event.preventDefault();
    var box = form.querySelector("[data-feedback]");
    var answer = answerOf(form);
    if (answer === null || (Array.isArray(answer) && answer.length === 0 && form.dataset.type !== "multiple")) {
      box.textContent = "";
      box.appendChild(paragraph("verdict verdict-wrong", form.dataset.type === "order" ? "Use each position number exactly once." : "Choose or enter an answer first."));
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrf_token]").value
      },
      body: JSON.stringify({ answer: answer })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      if (!reply.ok) {
        box.textContent = "";
        box.appendChild(paragraph("verdict verdict-wrong", reply.data.message || "That answer could not be checked."));
        return;
      }
      var unitEl = form.querySelector(".unit");
      show(box, reply.data, unitEl ? unitEl.textContent : "", form.dataset.type);
      if (reply.data.closed) { close(form, reply.data); }
    }).catch(function () {
      box.textContent = "";
      box.appendChild(paragraph("verdict verdict-wrong", "No connection: your answer was not sent. Try again."));
    }).then(function () {
      button.disabled = form.dataset.closed === "true";
    });
  });
})();
